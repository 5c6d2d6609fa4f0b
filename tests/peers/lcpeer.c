/*
 * lcpeer - the reference peer for LibrecastIoT's interop tests.
 *
 * The C# side must match librecast 0.5.1 byte for byte. This program is the
 * other end of that contract: every subcommand calls the real C library (or,
 * for `dump`, a plain socket that knows nothing about librecast) and prints
 * the result in a fixed line format that the xUnit tests parse. Keep the
 * output formats below stable; the tests depend on them exactly.
 *
 * Build:  gcc -Wall -Wextra -O2 -o lcpeer lcpeer.c -llibrecast
 * (against 0.9.1 or 0.11.2 in a prefix: add -DLCPEER_LIBRECAST=9 or 11, -I/-L into the prefix;
 * tests/Librecast.Tests/Support/CPeer.cs does it)
 *
 * Usage:
 *   lcpeer addr [--new]
 *       stdin: one hex-encoded channel name per line (empty line = empty
 *       name). stdout: "<group> <port>" per line. Default uses
 *       lc_channel_nnew(bytes, len); --new uses lc_channel_new(NUL-terminated
 *       string), so a name containing a 00 byte is cut there, as in C.
 *       stdout is block-buffered and flushed at EOF: a caller feeding many
 *       lines must write stdin and read stdout concurrently.
 *   lcpeer init GROUP PORT [--sa]
 *       Channel from an address: lc_channel_init_grp(grp, port) (port in host
 *       order), or with --sa lc_channel_init() on a sockaddr_in6 built here
 *       with htons(port). Prints "<group> <port>".
 *   lcpeer send IFNAME CHANNEL PAYLOAD [--raw] [--hex] [--count N]
 *               [--interval-ms M] [--hops H]
 *       Sends PAYLOAD (its bytes, no NUL; with --hex PAYLOAD is hex) N times
 *       (default 1, M ms apart, default 10) with lc_msg_send, or with --raw
 *       lc_channel_send. --hops sets the multicast hop limit (lc_socket_ttl).
 *   lcpeer recv IFNAME CHANNEL COUNT TIMEOUT_SECONDS [--raw]
 *       Joins, prints "READY", then one line per message:
 *         framed: seq=<dec> rnd=<16 hex> ts=<dec> op=<dec> len=<dec> data=<hex>
 *         --raw:  len=<dec> data=<hex>
 *       Framed lines show exactly what lc_msg_recv returned: len is the
 *       datagram size minus 33 (the library ignores the header's len field),
 *       an empty datagram gives an all-zero line, and a datagram of 1..32
 *       bytes makes lc_msg_recv fail (reported on stderr, not counted).
 *       With --raw, datagrams that arrived on another interface are dropped
 *       uncounted, as lc_socket_recv itself would.
 *   lcpeer dump IFNAME CHANNEL COUNT TIMEOUT_SECONDS [--meta]
 *       Library-independent capture: plain UDP socket joined to the channel's
 *       group. Prints "READY", then "len=<dec> data=<hex>" per datagram; with
 *       --meta the line continues
 *       " src=<addr> sport=<dec> dst=<addr> hops=<dec> if=<arrival interface>".
 *
 * Exit status: 0 success, 1 runtime error (message on stderr), 2 bad usage,
 * 3 timeout in recv/dump ("TIMEOUT got=<n>" on stderr).
 */

#define _GNU_SOURCE
#include <librecast/net.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_TIMEOUT 3

/* Size of the librecast message header on the wire (lc_msg_send). */
#define LC_HEADER_LEN 33

/* Large enough for any UDP datagram, so `dump` and `recv --raw` never
 * truncate what they are asked to witness. */
#define DGRAM_MAX 65536

static const char *prog = "lcpeer";

static void usage(void)
{
	fputs("usage:\n"
	      "  lcpeer addr [--new]                      (hex names on stdin)\n"
	      "  lcpeer init GROUP PORT [--sa]\n"
	      "  lcpeer send IFNAME CHANNEL PAYLOAD [--raw] [--hex] [--count N] [--interval-ms M] [--hops H] [--op OP]\n"
	      "  lcpeer recv IFNAME CHANNEL COUNT TIMEOUT_SECONDS [--raw]\n"
	      "  lcpeer dump IFNAME CHANNEL COUNT TIMEOUT_SECONDS [--meta]\n"
	      "IFNAME 'any' is interface 0: lc_socket_bind(sock, 0), librecast's default.\n",
	      stderr);
	exit(EXIT_USAGE);
}

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, errno ? strerror(errno) : "failed");
	exit(EXIT_RUNTIME);
}

/* librecast functions return negative LC_ERROR_* codes rather than setting
 * errno, so report those through the library's own text. */
static void die_lc(const char *what, long rc)
{
	fprintf(stderr, "%s: %s: rc=%ld (%s) errno=%s\n", prog, what, rc,
		lc_error_msg((int)rc), strerror(errno));
	exit(EXIT_RUNTIME);
}

static long parse_long(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad number: '%s'\n", prog, s);
		usage();
	}
	return v;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes hex of length n into out (room for n/2 bytes). Returns the byte
 * count, or -1 on odd length or a non-hex digit. */
static ssize_t unhex(const char *s, size_t n, unsigned char *out)
{
	if (n % 2) return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]);
		int lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0) return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

static void print_hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 0xf]);
	}
}

#ifndef LCPEER_LIBRECAST
#define LCPEER_LIBRECAST 5 /* the librecast release built against: 5 (0.5.1), 9 (0.9.1), 11 (0.11.2) */
#endif

/* 0.9+ fills a channel's sockaddr when lc_channel_in6addr() (or a bind) runs, not at creation
 * (and makes port 0 the default 4242 there); 0.5.1 has no lc_channel_in6addr and fills it at once. */
static struct sockaddr_in6 *channel_sa(lc_channel_t *chan)
{
#if LCPEER_LIBRECAST >= 9
	lc_channel_in6addr(chan);
#endif
	return lc_channel_sockaddr(chan);
}

static void print_channel(lc_channel_t *chan)
{
	char text[INET6_ADDRSTRLEN];
	struct sockaddr_in6 *sa = channel_sa(chan);
	if (!inet_ntop(AF_INET6, &sa->sin6_addr, text, sizeof text)) die("inet_ntop");
	printf("%s %u\n", text, (unsigned)ntohs(sa->sin6_port));
}

static lc_ctx_t *new_ctx(void)
{
	lc_ctx_t *ctx = lc_ctx_new();
	if (!ctx) die("lc_ctx_new");
	return ctx;
}

static unsigned int ifindex_of(const char *ifname)
{
	if (!strcmp(ifname, "any")) return 0;
	unsigned int ifx = if_nametoindex(ifname);
	if (!ifx) {
		fprintf(stderr, "%s: no such interface: %s\n", prog, ifname);
		exit(EXIT_RUNTIME);
	}
	return ifx;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become readable before the deadline. Returns 1 when
 * readable, 0 on timeout. A blocking receive is only entered after this says
 * yes, which is what lets recv/dump time out at all. */
static int wait_readable(int fd, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) return 0;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int rc = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (rc > 0) return 1;
		if (rc < 0 && errno != EINTR) die("poll");
	}
}

static void timeout_exit(long got)
{
	fprintf(stderr, "TIMEOUT got=%ld\n", got);
	exit(EXIT_TIMEOUT);
}

/* ---- addr --------------------------------------------------------------- */

static int cmd_addr(int argc, char **argv)
{
	int use_new = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--new")) use_new = 1;
		else usage();
	}

	/* One context for the whole run: the tests push 100,000 names through a
	 * single process, and a ctx per name would only measure malloc. */
	lc_ctx_t *ctx = new_ctx();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned char *name = NULL;
	size_t namecap = 0;
	long lineno = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
		/* +1 so that --new always has room for the terminating NUL. */
		if ((size_t)n / 2 + 1 > namecap) {
			namecap = (size_t)n / 2 + 1;
			name = realloc(name, namecap);
			if (!name) die("realloc");
		}
		ssize_t len = unhex(line, (size_t)n, name);
		if (len < 0) {
			fprintf(stderr, "%s: line %ld: not hex\n", prog, lineno);
			return EXIT_RUNTIME;
		}
		name[len] = '\0';

		lc_channel_t *chan = use_new
			? lc_channel_new(ctx, (char *)name)
			: lc_channel_nnew(ctx, name, (size_t)len);
		if (!chan) die("lc_channel_new");
		print_channel(chan);
		/* Freeing keeps the ctx's channel list short; it is a linked list. */
		lc_channel_free(chan);
	}
	if (ferror(stdin)) die("reading stdin");
	free(name);
	free(line);
	lc_ctx_free(ctx);
	if (fflush(stdout)) die("writing stdout");
	return 0;
}

/* ---- init --------------------------------------------------------------- */

static int cmd_init(int argc, char **argv)
{
	if (argc < 2 || argc > 3) usage();
	int use_sa = 0;
	if (argc == 3) {
		if (strcmp(argv[2], "--sa")) usage();
		use_sa = 1;
	}
	struct in6_addr grp;
	if (inet_pton(AF_INET6, argv[0], &grp) != 1) {
		fprintf(stderr, "%s: not an IPv6 address: %s\n", prog, argv[0]);
		return EXIT_USAGE;
	}
	long port = parse_long(argv[1], 0, 65535);

	lc_ctx_t *ctx = new_ctx();
	lc_channel_t *chan;
	if (use_sa) {
		struct sockaddr_in6 sa = {
			.sin6_family = AF_INET6,
			.sin6_port = htons((uint16_t)port),
			.sin6_addr = grp,
		};
		chan = lc_channel_init(ctx, &sa);
	} else {
		/* The prototype says `short`; the library applies htons() itself,
		 * so a host-order port is what it expects. */
		chan = lc_channel_init_grp(ctx, &grp, (short)port);
	}
	if (!chan) die("lc_channel_init");
	print_channel(chan);
	lc_ctx_free(ctx);
	return 0;
}

/* ---- send --------------------------------------------------------------- */

static int cmd_send(int argc, char **argv)
{
	if (argc < 3) usage();
	const char *ifname = argv[0], *chname = argv[1], *payload_arg = argv[2];
	int raw = 0, hex = 0, hops = -1, op = 0;
	long count = 1, interval_ms = 10;

	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--raw")) raw = 1;
		else if (!strcmp(argv[i], "--hex")) hex = 1;
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = parse_long(argv[++i], 0, 100000000);
		else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc)
			interval_ms = parse_long(argv[++i], 0, 3600000);
		else if (!strcmp(argv[i], "--hops") && i + 1 < argc)
			hops = (int)parse_long(argv[++i], 0, 255);
		else if (!strcmp(argv[i], "--op") && i + 1 < argc)
			op = (int)parse_long(argv[++i], 0, 255);
		else usage();
	}

	size_t plen = strlen(payload_arg);
	unsigned char *payload = malloc(plen + 1);
	if (!payload) die("malloc");
	if (hex) {
		ssize_t n = unhex(payload_arg, plen, payload);
		if (n < 0) {
			fprintf(stderr, "%s: payload is not hex\n", prog);
			return EXIT_USAGE;
		}
		plen = (size_t)n;
	} else {
		memcpy(payload, payload_arg, plen);
	}

	unsigned int ifx = ifindex_of(ifname);
	lc_ctx_t *ctx = new_ctx();
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!sock) die("lc_socket_new");
	if (lc_socket_bind(sock, ifx)) die("lc_socket_bind");
	if (hops >= 0 && lc_socket_ttl(sock, hops)) die("lc_socket_ttl");
	lc_channel_t *chan = lc_channel_new(ctx, (char *)chname);
	if (!chan) die("lc_channel_new");
	int rc = lc_channel_bind(sock, chan);
	if (rc) die_lc("lc_channel_bind", rc);

	for (long i = 0; i < count; i++) {
		if (i > 0 && interval_ms > 0) {
			struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
			while (nanosleep(&ts, &ts) == -1 && errno == EINTR) ;
		}
		ssize_t sent;
		if (raw) {
			sent = lc_channel_send(chan, payload, plen, 0);
		} else {
			/* A fresh message per send: lc_msg_send takes seq from the
			 * channel and a timestamp from the clock when msg.timestamp is
			 * 0, so nothing must carry over between sends. */
			lc_message_t msg;
			if (lc_msg_init_size(&msg, plen)) die("lc_msg_init_size");
			memcpy(msg.data, payload, plen);
			msg.op = (lc_opcode_t)op;
			sent = lc_msg_send(chan, &msg);
			lc_msg_free(&msg);
		}
		if (sent < 0) die_lc(raw ? "lc_channel_send" : "lc_msg_send", (long)sent);
	}

	free(payload);
	lc_ctx_free(ctx);
	return 0;
}

/* ---- recv --------------------------------------------------------------- */

/* Interface the next queued datagram arrived on, without consuming it.
 * lc_socket_new already turned IPV6_RECVPKTINFO on. Returns 0 if unknown. */
static unsigned int arrival_ifindex(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof cbuf,
	};
	if (recvmsg(fd, &mh, MSG_PEEK) < 0) die("recvmsg(MSG_PEEK)");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			return pi.ipi6_ifindex;
		}
	}
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	if (argc < 4 || argc > 5) usage();
	int raw = 0;
	if (argc == 5) {
		if (strcmp(argv[4], "--raw")) usage();
		raw = 1;
	}
	const char *ifname = argv[0], *chname = argv[1];
	long count = parse_long(argv[2], 0, 100000000);
	long timeout_s = parse_long(argv[3], 0, 86400);

	unsigned int ifx = ifindex_of(ifname);
	lc_ctx_t *ctx = new_ctx();
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!sock) die("lc_socket_new");
	if (lc_socket_bind(sock, ifx)) die("lc_socket_bind");
	lc_channel_t *chan = lc_channel_new(ctx, (char *)chname);
	if (!chan) die("lc_channel_new");
	int rc = lc_channel_bind(sock, chan);
	if (rc) die_lc("lc_channel_bind", rc);
	rc = lc_channel_join(chan);
	if (rc) die_lc("lc_channel_join", rc);

	/* The join is in effect once lc_channel_join returns; the test starts
	 * sending only after it reads this line. */
	puts("READY");
	fflush(stdout);

	int fd = lc_socket_raw(sock);
	int64_t deadline = now_ms() + timeout_s * 1000;
	unsigned char *buf = malloc(DGRAM_MAX);
	if (!buf) die("malloc");
	long got = 0;

	while (got < count) {
		if (!wait_readable(fd, deadline)) timeout_exit(got);
		if (raw) {
			/* lc_socket_recv on an interface-bound socket loops inside
			 * the library until a datagram arrives on that interface,
			 * dropping others and ignoring our deadline. Drop foreign
			 * ones here first, so the library call never blocks. */
			if (ifx && arrival_ifindex(fd) != ifx) {
				if (recv(fd, NULL, 0, 0) < 0) die("recv");
				continue;
			}
			ssize_t n = lc_socket_recv(sock, buf, DGRAM_MAX, 0);
			if (n < 0) die("lc_socket_recv");
			printf("len=%zd data=", n);
			print_hex(buf, (size_t)n);
			putchar('\n');
		} else {
			/* lc_msg_recv re-initialises msg itself (and allocates data),
			 * so msg is freed after each message, never before. */
			lc_message_t msg;
			memset(&msg, 0, sizeof msg);
			ssize_t n = lc_msg_recv(sock, &msg);
			if (n < 0) {
				/* 0.5.1 fails this way on datagrams shorter than the
				 * header; report and keep listening, the test decides. */
				fprintf(stderr, "lc_msg_recv rc=%zd errno=%s\n", n, strerror(errno));
				lc_msg_free(&msg);
				continue;
			}
			/* Never print past what actually arrived, whatever len says. */
			size_t avail = n > LC_HEADER_LEN ? (size_t)n - LC_HEADER_LEN : 0;
			size_t shown = msg.len < avail ? (size_t)msg.len : avail;
			printf("seq=%" PRIu64 " rnd=%016" PRIx64 " ts=%" PRIu64 " op=%d len=%" PRIu64 " data=",
				(uint64_t)msg.seq, (uint64_t)msg.rnd, msg.timestamp,
				(int)msg.op, (uint64_t)msg.len);
			if (msg.data) print_hex(msg.data, shown);
			putchar('\n');
			lc_msg_free(&msg);
		}
		fflush(stdout);
		got++;
	}

	free(buf);
	lc_ctx_free(ctx);
	return 0;
}

/* ---- dump --------------------------------------------------------------- */

static int cmd_dump(int argc, char **argv)
{
	if (argc < 4 || argc > 5) usage();
	int meta = 0;
	if (argc == 5) {
		if (strcmp(argv[4], "--meta")) usage();
		meta = 1;
	}
	const char *ifname = argv[0], *chname = argv[1];
	long count = parse_long(argv[2], 0, 100000000);
	long timeout_s = parse_long(argv[3], 0, 86400);
	unsigned int ifx = ifindex_of(ifname);

	/* The library is used only to name the group; everything on the socket
	 * is done by hand so the capture does not share the library's bugs. */
	lc_ctx_t *ctx = new_ctx();
	lc_channel_t *chan = lc_channel_new(ctx, (char *)chname);
	if (!chan) die("lc_channel_new");
	struct sockaddr_in6 grp = *channel_sa(chan);
	lc_ctx_free(ctx);

	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd == -1) die("socket");
	int on = 1, off = 0;
	/* Reuse so the capture can share the port with library sockets. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on)) die("SO_REUSEADDR");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on)) die("SO_REUSEPORT");
	/* Without this Linux hands a socket bound to [::]:port the traffic of
	 * every group joined by anyone on the host; we want only our group. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof off)) die("IPV6_MULTICAST_ALL");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on)) die("IPV6_RECVHOPLIMIT");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on)) die("IPV6_RECVPKTINFO");

	struct sockaddr_in6 any = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = grp.sin6_port,
	};
	if (bind(fd, (struct sockaddr *)&any, sizeof any)) die("bind");

	struct ipv6_mreq mreq = { .ipv6mr_multiaddr = grp.sin6_addr, .ipv6mr_interface = ifx };
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq)) die("IPV6_JOIN_GROUP");

	puts("READY");
	fflush(stdout);

	unsigned char *buf = malloc(DGRAM_MAX);
	if (!buf) die("malloc");
	int64_t deadline = now_ms() + timeout_s * 1000;
	long got = 0;

	while (got < count) {
		if (!wait_readable(fd, deadline)) timeout_exit(got);

		struct sockaddr_in6 from;
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct iovec iov = { .iov_base = buf, .iov_len = DGRAM_MAX };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof from,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof cbuf,
		};
		ssize_t n = recvmsg(fd, &mh, 0);
		if (n < 0) {
			if (errno == EINTR) continue;
			die("recvmsg");
		}
		printf("len=%zd data=", n);
		print_hex(buf, (size_t)n);

		if (meta) {
			int hops = -1;
			unsigned int arrived = 0;
			struct in6_addr dst = IN6ADDR_ANY_INIT;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
				if (c->cmsg_level != IPPROTO_IPV6) continue;
				if (c->cmsg_type == IPV6_HOPLIMIT)
					memcpy(&hops, CMSG_DATA(c), sizeof hops);
				else if (c->cmsg_type == IPV6_PKTINFO) {
					struct in6_pktinfo pi;
					memcpy(&pi, CMSG_DATA(c), sizeof pi);
					dst = pi.ipi6_addr;
					arrived = pi.ipi6_ifindex;
				}
			}
			char src_s[INET6_ADDRSTRLEN], dst_s[INET6_ADDRSTRLEN];
			char if_s[IF_NAMESIZE] = "?";
			inet_ntop(AF_INET6, &from.sin6_addr, src_s, sizeof src_s);
			inet_ntop(AF_INET6, &dst, dst_s, sizeof dst_s);
			if (arrived) if_indextoname(arrived, if_s);
			/* The arrival interface matters: Linux delivers a datagram to
			 * every socket that joined its group, whichever interface the
			 * socket joined on, so ifname says where it really came in. */
			printf(" src=%s sport=%u dst=%s hops=%d if=%s", src_s,
				(unsigned)ntohs(from.sin6_port), dst_s, hops, if_s);
		}
		putchar('\n');
		fflush(stdout);
		got++;
	}

	free(buf);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) usage();
	const char *cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "addr")) return cmd_addr(argc, argv);
	if (!strcmp(cmd, "init")) return cmd_init(argc, argv);
	if (!strcmp(cmd, "send")) return cmd_send(argc, argv);
	if (!strcmp(cmd, "recv")) return cmd_recv(argc, argv);
	if (!strcmp(cmd, "dump")) return cmd_dump(argc, argv);
	usage();
	return EXIT_USAGE;
}
