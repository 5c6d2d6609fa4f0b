/* cbench: the C programs tools/bench compares ours against.
 *
 *   cbench lcmsg    IFNAME CHANNEL COUNT SIZE         librecast 0.5.1 lc_msg_send in a loop
 *   cbench lcsymm   IFNAME CHANNEL COUNT SIZE         the same on a SYMM channel (key: 32 bytes 0..31)
 *   cbench sendto   IFNAME CHANNEL COUNT SIZE [RATE]  one sendto() per datagram; RATE msg/s paced
 *   cbench sendmmsg IFNAME CHANNEL COUNT SIZE BATCH   sendmmsg() of BATCH datagrams per call
 *   cbench gso      IFNAME CHANNEL COUNT SIZE [SEGS]  sendmsg() with UDP_SEGMENT: SEGS (64)
 *                                                     datagrams per call, cut by the kernel (GSO)
 *   cbench recv     IFNAME CHANNEL COUNT TIMEOUT [--gro] [--raw]
 *                   recvmmsg() of 64 per call, 8 MiB buffer; --gro asks for UDP_GRO and splits
 *                   coalesced receives by their segment size; --raw only counts datagrams
 *
 * The senders put the same librecast frame on the wire (33-byte header: timestamp, seq, rnd, op,
 * len; then SIZE payload bytes) to the channel's group, each with its own timestamp, so one
 * receiver measures them all alike. The raw senders set up their socket as librecast does (bound
 * [::]:4242, multicast interface, hop limit 255, loop off). Senders print
 * "N msgs B bytes in T s = R msg/s" like lc; the receiver prints what lc listen --quiet prints:
 * that line, "lost N", "latency p50 X us p99 Y us" (publish->receive, same-host clock) and
 * "counters received=N kernel_drops=D". It stops at COUNT received, or when received plus the
 * kernel's drops reach COUNT, or after TIMEOUT seconds. */
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
#include <poll.h>
#include <sys/socket.h>
#include <linux/udp.h>
#include <linux/sock_diag.h>
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
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

/* lc_msg_send in a loop; symm: on a SYMM channel (the key: bytes 0..31). */
static int run_lcmsg(unsigned ifx, char *name, long count, size_t size, int symm)
{
	static unsigned char key[32];
	for (int i = 0; i < 32; i++) key[i] = (unsigned char)i;
	lc_ctx_t *ctx = lc_ctx_new();
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!ctx || !sock) die("lc_socket_new");
	if (lc_socket_bind(sock, ifx)) die("lc_socket_bind");
	lc_channel_t *chan = lc_channel_new(ctx, name);
	if (!chan || lc_channel_bind(sock, chan)) die("lc_channel_bind");
	/* coding_set returns the coding now in force; the key pointer is kept, not copied. */
	if (symm && lc_channel_coding_set(chan, LC_CODE_SYMM) != LC_CODE_SYMM) die("lc_channel_coding_set");
	if (symm && lc_channel_set_sym_key(chan, key, sizeof key)) die("lc_channel_set_sym_key");
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
	/* As lc_socket_new does (docs/wire-notes.md d): without it this socket, bound to the port and
	 * joined to nothing, is handed every datagram the receiver's join lets in, the sender's own
	 * included: each GSO send was also cut into 64 skbs for it and queued until its buffer
	 * filled (skb_segment, slab alloc/free: ~20 % of the sender's profile). */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof zero)) die("IPV6_MULTICAST_ALL");
	return fd;
}

static int run_sendto(unsigned ifx, char *name, long count, size_t size, double rate)
{
	struct sockaddr_in6 dst;
	int fd = raw_socket(ifx, name, &dst);
	unsigned char *buf = calloc(1, HEADER + size);
	memset(buf + HEADER, 'x', size);
	double t0 = mono();
	for (long i = 0; i < count; i++) {
		if (rate > 0) while (mono() - t0 < i / rate) ; /* paced: spin to the slot */
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

static int run_gso(unsigned ifx, char *name, long count, size_t size, int segs)
{
	struct sockaddr_in6 dst;
	int fd = raw_socket(ifx, name, &dst);
	size_t dgram = HEADER + size;
	unsigned char *bufs = calloc((size_t)segs, dgram);
	for (int i = 0; i < segs; i++) memset(bufs + (size_t)i * dgram + HEADER, 'x', size);
	char control[CMSG_SPACE(sizeof(uint16_t))];
	struct iovec iov = { .iov_base = bufs };
	struct msghdr mh = { .msg_name = &dst, .msg_namelen = sizeof dst, .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control, .msg_controllen = sizeof control };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	*(uint16_t *)CMSG_DATA(cm) = (uint16_t)dgram;
	double t0 = mono();
	uint64_t seq = 0;
	for (long done = 0; done < count; ) {
		int n = count - done < segs ? (int)(count - done) : segs;
		for (int i = 0; i < n; i++) frame(bufs + (size_t)i * dgram, ++seq, size);
		iov.iov_len = (size_t)n * dgram;
		while (sendmsg(fd, &mh, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS) continue;
			die("sendmsg UDP_SEGMENT");
		}
		done += n;
	}
	report(count, size, mono() - t0);
	return 0;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) v = v << 8 | p[i];
	return v;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static long kernel_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof mem;
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) || len < sizeof mem) return -1;
	return mem[SK_MEMINFO_DROPS];
}

#define RBATCH 64
#define LAT_MAX (1 << 20)

static int run_recv(unsigned ifx, char *name, long count, int timeout_s, int gro, int raw)
{
	lc_ctx_t *ctx = lc_ctx_new();
	lc_channel_t *chan = lc_channel_new(ctx, name);
	if (!chan) die("lc_channel_new");
	struct sockaddr_in6 grp = *lc_channel_sockaddr(chan);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), one = 1, zero = 0, rcvbuf = 8 << 20;
	if (fd < 0) die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof zero);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (gro && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one)) die("UDP_GRO");
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_port = htons(LC_DEFAULT_PORT) };
	if (bind(fd, (struct sockaddr *)&any, sizeof any)) die("bind");
	struct ipv6_mreq mreq = { .ipv6mr_multiaddr = grp.sin6_addr, .ipv6mr_interface = ifx };
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq)) die("IPV6_ADD_MEMBERSHIP");

	size_t bufsize = gro ? 65536 : 2048;
	unsigned char *bufs = malloc(RBATCH * bufsize);
	char controls[RBATCH][64];
	struct mmsghdr msgs[RBATCH];
	struct iovec iov[RBATCH];
	long *lat = malloc(sizeof(long) * LAT_MAX);
	long got = 0, bytes = 0, drops = 0, nlat = 0;
	uint64_t minseq = UINT64_MAX, maxseq = 0;
	double first = 0, last = 0, deadline = mono() + timeout_s;
	while (got < count && got + drops < count && mono() < deadline) {
		for (int i = 0; i < RBATCH; i++) {
			iov[i].iov_base = bufs + (size_t)i * bufsize;
			iov[i].iov_len = bufsize;
			memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = controls[i];
			msgs[i].msg_hdr.msg_controllen = sizeof controls[i];
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0) {
			long d = kernel_drops(fd);
			if (d >= 0) drops = d;
			continue;
		}
		int n = recvmmsg(fd, msgs, RBATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) continue;
			die("recvmmsg");
		}
		uint64_t now = now_ns();
		double t = mono();
		if (got == 0) first = t;
		last = t;
		for (int i = 0; i < n; i++) {
			size_t len = msgs[i].msg_len, seg = len;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm; cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm))
				if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) seg = (size_t)*(int *)CMSG_DATA(cm);
			for (size_t off = 0; off < len; off += seg) {
				unsigned char *p = iov[i].iov_base + off;
				size_t l = len - off < seg ? len - off : seg;
				got++;
				if (raw || l < HEADER) { bytes += l; continue; }
				bytes += l - HEADER;
				uint64_t s = get64(p + 8);
				if (s < minseq) minseq = s;
				if (s > maxseq) maxseq = s;
				if (nlat < LAT_MAX) lat[nlat++] = (long)(now - get64(p));
			}
		}
		long d = kernel_drops(fd);
		if (d >= 0) drops = d;
	}
	long d = kernel_drops(fd);
	if (d >= 0) drops = d;
	double secs = got > 1 ? last - first : 0;
	printf("%ld msgs %ld bytes in %.3f s = %.0f msg/s\n", got, bytes, secs, secs > 0 ? got / secs : 0);
	long expected = got && !raw ? (long)(maxseq - minseq + 1) : got;
	printf("lost %ld (sequence gaps between seq %llu and %llu)\n", expected > got ? expected - got : 0,
	       (unsigned long long)(got ? minseq : 0), (unsigned long long)maxseq);
	if (nlat > 0) {
		qsort(lat, (size_t)nlat, sizeof *lat, cmp_long);
		long i99 = nlat * 99 / 100 < nlat - 1 ? nlat * 99 / 100 : nlat - 1;
		printf("latency p50 %.1f us p99 %.1f us (publish->receive, same-host clock)\n", lat[nlat / 2] / 1000.0, lat[i99] / 1000.0);
	}
	printf("counters received=%ld kernel_drops=%ld\n", got, drops);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: cbench lcmsg|lcsymm|sendto|sendmmsg|gso IFNAME CHANNEL COUNT SIZE [BATCH|RATE|SEGS]\n"
				"       cbench recv IFNAME CHANNEL COUNT TIMEOUT [--gro] [--raw]\n");
		return 2;
	}
	unsigned ifx = if_nametoindex(argv[2]);
	if (!ifx) die(argv[2]);
	long count = atol(argv[4]);
	size_t size = (size_t)atol(argv[5]);
	srandom((unsigned)now_ns());
	if (!strcmp(argv[1], "lcmsg")) return run_lcmsg(ifx, argv[3], count, size, 0);
	if (!strcmp(argv[1], "lcsymm")) return run_lcmsg(ifx, argv[3], count, size, 1);
	if (!strcmp(argv[1], "sendto")) return run_sendto(ifx, argv[3], count, size, argc > 6 ? atof(argv[6]) : 0);
	if (!strcmp(argv[1], "gso")) return run_gso(ifx, argv[3], count, size, argc > 6 ? atoi(argv[6]) : 64);
	if (!strcmp(argv[1], "recv")) {
		int gro = 0, raw = 0;
		for (int i = 6; i < argc; i++) {
			if (!strcmp(argv[i], "--gro")) gro = 1;
			else if (!strcmp(argv[i], "--raw")) raw = 1;
			else { fprintf(stderr, "cbench: unknown option %s\n", argv[i]); return 2; }
		}
		return run_recv(ifx, argv[3], count, (int)size, gro, raw);
	}
	if (!strcmp(argv[1], "sendmmsg")) return run_sendmmsg(ifx, argv[3], count, size, argc > 6 ? atoi(argv[6]) : 64);
	fprintf(stderr, "cbench: unknown mode %s\n", argv[1]);
	return 2;
}
