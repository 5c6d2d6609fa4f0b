/* lcnack - librecast 0.6+'s NACK gap repair, for tests/Librecast.Tests/NackInteropTests.cs.
 * Built by CPeer against the real 0.11.2 (or 0.9.1): -DLCPEER_LIBRECAST=11.
 *
 *   lcnack send IFNAME CHANNEL COUNT INTERVAL_MS NACK_SECONDS LINGER_MS
 *       lc_channel_nack_handler(chan, NACK_SECONDS), then COUNT lc_msg_send of "msg-<i>"
 *       (i = 1..COUNT), INTERVAL_MS apart; stays LINGER_MS after the last so its NACK thread
 *       can answer late NACKs. Prints "SENT <count>".
 *   lcnack recv IFNAME CHANNEL COUNT TIMEOUT_SECONDS
 *       lc_channel_detect_gaps(chan), joins, prints "READY", then for every lc_msg_recv one line
 *       "seq=<dec> len=<dec> data=<text>" (copies included: the test judges), until COUNT distinct
 *       seqs 1..COUNT were received (exit 0) or the time runs out (exit 3, "TIMEOUT got=<n>" on
 *       stderr).
 * Exit 1 on a library failure, 2 on bad usage. */
#define _GNU_SOURCE
#include <librecast/net.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, long rc)
{
	fprintf(stderr, "lcnack: %s: rc=%ld errno=%s\n", what, rc, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fputs("usage: lcnack send IFNAME CHANNEL COUNT INTERVAL_MS NACK_SECONDS LINGER_MS\n"
	      "       lcnack recv IFNAME CHANNEL COUNT TIMEOUT_SECONDS\n", stderr);
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR) ;
}

static lc_channel_t *open_channel(lc_ctx_t **ctx, lc_socket_t **sock, const char *ifname, const char *name)
{
	unsigned int ifx = if_nametoindex(ifname);
	if (!ifx) die("if_nametoindex", 0);
	*ctx = lc_ctx_new();
	if (!*ctx) die("lc_ctx_new", 0);
	*sock = lc_socket_new(*ctx);
	if (!*sock) die("lc_socket_new", 0);
	int rc = lc_socket_bind(*sock, ifx);
	if (rc) die("lc_socket_bind", rc);
	lc_channel_t *chan = lc_channel_new(*ctx, (char *)name);
	if (!chan) die("lc_channel_new", 0);
	rc = lc_channel_bind(*sock, chan);
	if (rc) die("lc_channel_bind", rc);
	return chan;
}

static int cmd_send(char **argv)
{
	lc_ctx_t *ctx;
	lc_socket_t *sock;
	lc_channel_t *chan = open_channel(&ctx, &sock, argv[0], argv[1]);
	long count = atol(argv[2]), interval = atol(argv[3]), seconds = atol(argv[4]), linger = atol(argv[5]);
	int rc = lc_channel_nack_handler(chan, (int)seconds);
	if (rc) die("lc_channel_nack_handler", rc);
	for (long i = 1; i <= count; i++) {
		char text[64];
		int len = snprintf(text, sizeof text, "msg-%ld", i);
		lc_message_t msg;
		if (lc_msg_init_data(&msg, text, (size_t)len, NULL, NULL)) die("lc_msg_init_data", 0);
		ssize_t n = lc_msg_send(chan, &msg);
		if (n < 0) die("lc_msg_send", n);
		if (i < count) sleep_ms(interval);
	}
	sleep_ms(linger);
	printf("SENT %ld\n", count);
	fflush(stdout);
	_exit(0); /* the NACK thread is still blocked in recv: do not wait for it */
}

static int cmd_recv(char **argv)
{
	lc_ctx_t *ctx;
	lc_socket_t *sock;
	lc_channel_t *chan = open_channel(&ctx, &sock, argv[0], argv[1]);
	long count = atol(argv[2]), timeout_s = atol(argv[3]);
	if (count < 1 || count > 100000) usage();
	int rc = lc_channel_detect_gaps(chan);
	if (rc) die("lc_channel_detect_gaps", rc);
	rc = lc_channel_join(chan);
	if (rc) die("lc_channel_join", rc);
	puts("READY");
	fflush(stdout);
	unsigned char *seen = calloc((size_t)count + 1, 1);
	long got = 0;
	int fd = lc_socket_raw(sock);
	int64_t deadline = now_ms() + timeout_s * 1000;
	while (got < count) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			fprintf(stderr, "TIMEOUT got=%ld\n", got);
			fflush(stdout);
			_exit(3);
		}
		lc_message_t msg;
		memset(&msg, 0, sizeof msg);
		ssize_t n = lc_msg_recv(sock, &msg);
		if (n < 0) die("lc_msg_recv", n);
		printf("seq=%llu len=%zu data=%.*s\n", (unsigned long long)msg.seq, (size_t)msg.len,
		       (int)msg.len, msg.data ? (char *)msg.data : "");
		fflush(stdout);
		if (msg.seq >= 1 && msg.seq <= (uint64_t)count && !seen[msg.seq]) {
			seen[msg.seq] = 1;
			got++;
		}
		lc_msg_free(&msg);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	if (argc == 8 && !strcmp(argv[1], "send")) return cmd_send(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "recv")) return cmd_recv(argv + 2);
	usage();
	return 2;
}
