/* What the C peers (lcsymm.c, lctoken.c, lcfec.c, lcfecrq.c) share: argument parsing (a send's
 * --msg/--count too), hex, a millisecond clock, a channel bound to a socket on an interface, a
 * file read whole. Static
 * inline: a peer that uses only some of them compiles without unused-function warnings.
 * Included after the peer defines PEER_NAME (its name in error lines) and usage(). */
#ifndef PEERUTIL_H
#define PEERUTIL_H

#include <librecast/net.h>

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

static inline void die(const char *what, long rc)
{
	fprintf(stderr, PEER_NAME ": %s failed: rc=%ld errno=%s\n", what, rc, strerror(errno));
	exit(1);
}

static inline int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static inline void print_hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

/* Hex digits s[0..n) into out (at most cap bytes): the bytes written, or -1 (odd, too long, not hex). */
static inline ssize_t unhex(const char *s, size_t n, unsigned char *out, size_t cap)
{
	if (n % 2 || n / 2 > cap) return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0) return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

/* Exactly len bytes of hex in s, or exit 2 saying which argument (what) is wrong. */
static inline void unhex_exact(const char *s, unsigned char *out, size_t len, const char *what)
{
	if (unhex(s, strlen(s), out, len) != (ssize_t)len) {
		fprintf(stderr, PEER_NAME ": %s must be %zu hex bytes\n", what, len);
		exit(2);
	}
}

static inline long parse_long(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) usage();
	return v;
}

/* A send command's options after its positional arguments (from argv[from]): --msg (send with
 * lc_msg_send) and --count N (0..1000000 sends, 1 without it), in any order; anything else,
 * or --count without N: usage(). */
static inline void parse_send_options(int argc, char **argv, int from, int *msg, long *count)
{
	*msg = 0;
	*count = 1;
	for (int i = from; i < argc; i++) {
		if (!strcmp(argv[i], "--msg")) *msg = 1;
		else if (!strcmp(argv[i], "--count") && i + 1 < argc) *count = parse_long(argv[++i], 0, 1000000);
		else usage();
	}
}

static inline int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable or the monotonic deadline (now_ms) passes: 1 readable, 0 deadline
 * passed, -1 woken for something else (poll again). */
static inline int wait_readable(int fd, int64_t deadline)
{
	int64_t left = deadline - now_ms();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (left <= 0 || poll(&pfd, 1, (int)left) == 0) return 0;
	return (pfd.revents & POLLIN) ? 1 : -1;
}

/* Channel CHNAME bound to a new socket on interface IFNAME (*sockp), without coding:
 * lc_socket_recv hands over each datagram exactly as it arrived. Exits on any failure. */
static inline lc_channel_t *bound_channel(lc_ctx_t *ctx, lc_socket_t **sockp, const char *ifname, const char *chname)
{
	unsigned int ifx = if_nametoindex(ifname);
	if (!ifx) { fprintf(stderr, PEER_NAME ": no such interface: %s\n", ifname); exit(1); }
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!sock) die("lc_socket_new", 0);
	if (lc_socket_bind(sock, ifx)) die("lc_socket_bind", 0);
	lc_channel_t *chan = lc_channel_new(ctx, (char *)chname);
	if (!chan) die("lc_channel_new", 0);
	int rc = lc_channel_bind(sock, chan);
	if (rc) die("lc_channel_bind", rc);
	*sockp = sock;
	return chan;
}

/* Joins chan and says READY on stdout (the test starts sending then). Exits on failure. */
static inline void join_ready(lc_channel_t *chan)
{
	int rc = lc_channel_join(chan);
	if (rc) die("lc_channel_join", rc);
	puts("READY");
	fflush(stdout);
}

/* A receive loop's wait for datagram number got + 1: 1 fd is readable, 0 poll again; past the
 * deadline "TIMEOUT got=N" on stderr and exit 3. */
static inline int wait_next(int fd, int64_t deadline, long got)
{
	int ready = wait_readable(fd, deadline);
	if (ready == 0) {
		fprintf(stderr, "TIMEOUT got=%ld\n", got);
		exit(3);
	}
	return ready > 0;
}

/* Send number i (from 0) of a run: 10 ms after the one before, the payload as one
 * lc_channel_send, or with msg as an lc_message_t through lc_msg_send. The bytes sent; exits on
 * an error. */
static inline ssize_t send_payload(lc_channel_t *chan, const unsigned char *payload, ssize_t plen, int msg, long i)
{
	if (i > 0) {
		struct timespec ts = { 0, 10 * 1000000L };
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR) ;
	}
	ssize_t sent;
	if (msg) {
		lc_message_t m;
		if (lc_msg_init_size(&m, (size_t)plen)) die("lc_msg_init_size", 0);
		memcpy(m.data, payload, (size_t)plen);
		sent = lc_msg_send(chan, &m);
		lc_msg_free(&m);
	} else {
		sent = lc_channel_send(chan, payload, (size_t)plen, 0);
	}
	if (sent < 0) die(msg ? "lc_msg_send" : "lc_channel_send", (long)sent);
	return sent;
}

/* The whole of file path, malloc'd (*len bytes). Exits on any failure. */
static inline unsigned char *read_file(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) die(path, 0);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *data = malloc(*len > 0 ? (size_t)*len : 1);
	if (!data || fread(data, 1, (size_t)*len, f) != (size_t)*len) die("fread", 0);
	fclose(f);
	return data;
}

#endif
