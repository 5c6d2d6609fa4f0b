/* cbench: the C senders tools/bench compares our publisher against.
 *
 *   cbench lcmsg    IFNAME CHANNEL COUNT SIZE         librecast 0.5.1 lc_msg_send in a loop
 *   cbench sendto   IFNAME CHANNEL COUNT SIZE         one sendto() per datagram
 *   cbench sendmmsg IFNAME CHANNEL COUNT SIZE BATCH   sendmmsg() of BATCH datagrams per call
 *
 * All three put the same librecast frame on the wire (33-byte header: timestamp, seq, rnd, op,
 * len; then SIZE payload bytes) to the channel's group, so one receiver measures them all
 * alike. The raw senders set up their socket as librecast does (bound [::]:4242, multicast
 * interface, hop limit 255, loop off). Prints "N msgs B bytes in T s = R msg/s" like lc. */
#define _GNU_SOURCE
#include <librecast/net.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER 33

static void die(const char *what)
{
	fprintf(stderr, "cbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) { p[i] = (unsigned char)v; v >>= 8; }
}

static void frame(unsigned char *buf, uint64_t seq, size_t size)
{
	put64(buf, now_ns());
	put64(buf + 8, seq);
	put64(buf + 16, (uint64_t)random() << 32 | (uint64_t)random());
	buf[24] = 0;
	put64(buf + 25, size);
}

static void report(long n, size_t size, double seconds)
{
	printf("%ld msgs %ld bytes in %.3f s = %.0f msg/s\n", n, n * (long)size, seconds, n / seconds);
}

static int run_lcmsg(unsigned ifx, char *name, long count, size_t size)
{
	lc_ctx_t *ctx = lc_ctx_new();
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!ctx || !sock) die("lc_socket_new");
	if (lc_socket_bind(sock, ifx)) die("lc_socket_bind");
	lc_channel_t *chan = lc_channel_new(ctx, name);
	if (!chan || lc_channel_bind(sock, chan)) die("lc_channel_bind");
	char *payload = malloc(size);
	memset(payload, 'x', size);
	double t0 = mono();
	for (long i = 0; i < count; i++) {
		lc_message_t msg;
		lc_msg_init_data(&msg, payload, size, NULL, NULL);
		if (lc_msg_send(chan, &msg) < 0) die("lc_msg_send");
	}
	report(count, size, mono() - t0);
	lc_ctx_free(ctx);
	return 0;
}

/* A socket set up as lc_channel_bind/lc_socket_bind set theirs up, and the group's address. */
static int raw_socket(unsigned ifx, char *name, struct sockaddr_in6 *dst)
{
	lc_ctx_t *ctx = lc_ctx_new();
	lc_channel_t *chan = lc_channel_new(ctx, name);
	if (!chan) die("lc_channel_new");
	*dst = *lc_channel_sockaddr(chan);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), one = 1, zero = 0, hops = 255;
	if (fd < 0) die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(LC_DEFAULT_PORT) };
	if (bind(fd, (struct sockaddr *)&any, sizeof any)) die("bind");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifx, sizeof ifx)) die("IPV6_MULTICAST_IF");
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof zero);
	return fd;
}

static int run_sendto(unsigned ifx, char *name, long count, size_t size)
{
	struct sockaddr_in6 dst;
	int fd = raw_socket(ifx, name, &dst);
	unsigned char *buf = calloc(1, HEADER + size);
	memset(buf + HEADER, 'x', size);
	double t0 = mono();
	for (long i = 0; i < count; i++) {
		frame(buf, (uint64_t)i + 1, size);
		if (sendto(fd, buf, HEADER + size, 0, (struct sockaddr *)&dst, sizeof dst) < 0) die("sendto");
	}
	report(count, size, mono() - t0);
	return 0;
}

static int run_sendmmsg(unsigned ifx, char *name, long count, size_t size, int batch)
{
	struct sockaddr_in6 dst;
	int fd = raw_socket(ifx, name, &dst);
	unsigned char *bufs = calloc((size_t)batch, HEADER + size);
	struct mmsghdr *msgs = calloc((size_t)batch, sizeof *msgs);
	struct iovec *iov = calloc((size_t)batch, sizeof *iov);
	for (int i = 0; i < batch; i++) {
		memset(bufs + (size_t)i * (HEADER + size) + HEADER, 'x', size);
		iov[i].iov_base = bufs + (size_t)i * (HEADER + size);
		iov[i].iov_len = HEADER + size;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof dst;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	double t0 = mono();
	uint64_t seq = 0;
	for (long done = 0; done < count; ) {
		int n = count - done < batch ? (int)(count - done) : batch;
		for (int i = 0; i < n; i++) frame(iov[i].iov_base, ++seq, size);
		for (int sent = 0; sent < n; ) {
			int k = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
			if (k < 0) die("sendmmsg");
			sent += k;
		}
		done += n;
	}
	report(count, size, mono() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: cbench lcmsg|sendto|sendmmsg IFNAME CHANNEL COUNT SIZE [BATCH]\n");
		return 2;
	}
	unsigned ifx = if_nametoindex(argv[2]);
	if (!ifx) die(argv[2]);
	long count = atol(argv[4]);
	size_t size = (size_t)atol(argv[5]);
	srandom((unsigned)now_ns());
	if (!strcmp(argv[1], "lcmsg")) return run_lcmsg(ifx, argv[3], count, size);
	if (!strcmp(argv[1], "sendto")) return run_sendto(ifx, argv[3], count, size);
	if (!strcmp(argv[1], "sendmmsg")) return run_sendmmsg(ifx, argv[3], count, size, argc > 6 ? atoi(argv[6]) : 64);
	fprintf(stderr, "cbench: unknown mode %s\n", argv[1]);
	return 2;
}
