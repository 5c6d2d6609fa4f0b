/* lcfecrq - librecast 0.9.1's and 0.11.2's own FEC (LC_CODE_FEC_RQ) as a test peer
 * (tests/Librecast.Tests/FecWireTests.cs). Built with CPeer.Build("lcfecrq", wire) against the
 * real library of that profile; everything on the wire is the library's doing.
 *
 *   lcfecrq send IFNAME CHANNEL FILE FLAGS COUNT [KEYHEX]
 *       lc_channel_coding_set(chan, LC_CODE_FEC_RQ | the FLAGS | LC_CODE_SYMM with a key), then
 *       lc_channel_send(chan, data, len, 0) (one symbol), and COUNT - 1 more with
 *       lc_channel_send(chan, NULL, 0, 0), a 1 ms pause every 32. Prints
 *       "SENT datagrams=<n> F=<F> T=<T> Z=<Z> N=<N> Al=<Al> K=<K of block 0>" from liblcrq
 *       (rq_init(len, 1024), as the library does with LC_DEFAULT_RQ_T; before SYMM on 0.11).
 *   lcfecrq recv IFNAME CHANNEL F FLAGS TIMEOUT_SECONDS OUTFILE [KEYHEX]
 *       Joins with the same coding, prints READY and calls lc_channel_recv(chan, buf, F, 0) once:
 *       the library collects and decodes the object. F is the object's size as lc_channel_recv
 *       wants it (with SYMM on 0.11 the sealed size, F + 40); F 0 with oti: a 64 MiB buffer.
 *       Writes the returned bytes to OUTFILE and prints "OK bytes=<written> returned=<rc>"
 *       (0.9.1 returns the bytes of the datagrams it took, not F: it writes F bytes, F required).
 *   FLAGS: comma-separated oti, rand, ws=BYTES (sets liblcrq's RQ_WS_DEFAULT, its working
 *       memory: smaller makes multi-block objects of a test's size), oh=N (0.11: send with
 *       lc_channel_rq_overhead(chan, N), K' + N symbols a call, enough calls for COUNT),
 *       band=N (the channel is CHANNEL's sideband N, N decimal, as lc share's symbols channel: the
 *       group with N in bytes 8..15 little-endian, port 4242, made with lc_channel_init_grp, since
 *       lc_channel_sideband's copy leaves the FEC symbol size T at 0), or none.
 * Exit 0 success, 1 error, 3 timeout ("TIMEOUT" on stderr). */
#define _GNU_SOURCE
#include <librecast/net.h>
#include <lcrq.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char key[32];

static void usage(void)
{
	fputs("usage: lcfecrq send|recv ... (see the comment at the top of lcfecrq.c)\n", stderr);
	exit(1);
}

#define PEER_NAME "lcfecrq"
#include "peerutil.h"

static int overhead = -1;
static int sideband;
static uint64_t band;

static int parse_flags(const char *flags)
{
	int coding = LC_CODE_FEC_RQ;
	char *copy = strdup(flags), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "oti")) coding |= LC_CODE_FEC_OTI;
		else if (!strcmp(t, "rand")) coding |= LC_CODE_FEC_RAND;
		else if (!strncmp(t, "ws=", 3)) RQ_WS_DEFAULT = strtoull(t + 3, NULL, 10);
		else if (!strncmp(t, "oh=", 3)) overhead = atoi(t + 3);
		else if (!strncmp(t, "band=", 5)) { sideband = 1; band = strtoull(t + 5, NULL, 10); }
		else if (strcmp(t, "none")) { fprintf(stderr, "unknown flag %s\n", t); exit(1); }
	}
	free(copy);
	return coding;
}

static lc_channel_t *open_channel(lc_ctx_t *ctx, const char *ifname, const char *name, int coding, const char *keyhex)
{
	unsigned ifx = if_nametoindex(ifname);
	if (!ifx) die(ifname, 0);
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!sock) die("lc_socket_new", 0);
	if (lc_socket_bind(sock, ifx)) die("lc_socket_bind", 0);
	lc_channel_t *chan = lc_channel_new(ctx, (char *)name);
	if (!chan) die("lc_channel_new", 0);
	if (sideband) {
		/* The base group with the band in bytes 8..15, little-endian, as lc_channel_sideband makes
		 * it; lc_channel_init_grp rather than lc_channel_sideband's copy, which leaves T at 0. */
		struct in6_addr grp = *lc_channel_in6addr(chan);
		for (int i = 0; i < 8; i++) grp.s6_addr[8 + i] = (unsigned char)(band >> (8 * i));
		chan = lc_channel_init_grp(ctx, &grp, 4242);
		if (!chan) die("lc_channel_init_grp", 0);
		char text[INET6_ADDRSTRLEN];
		fprintf(stderr, "sideband %s\n", inet_ntop(AF_INET6, lc_channel_in6addr(chan), text, sizeof text));
	}
	if (lc_channel_bind(sock, chan)) die("lc_channel_bind", 0);
	if (keyhex) {
		unhex_exact(keyhex, key, sizeof key, "KEYHEX");
		coding |= LC_CODE_SYMM;
		if (lc_channel_set_sym_key(chan, key, sizeof key)) die("lc_channel_set_sym_key", 0);
	}
	if (lc_channel_coding_set(chan, coding) != coding) die("lc_channel_coding_set", 0);
	return chan;
}

static void timed_out(int sig)
{
	(void)sig;
	static const char msg[] = "TIMEOUT\n";
	if (write(2, msg, sizeof msg - 1)) {}
	_exit(3);
}

int main(int argc, char *argv[])
{
	if (argc < 7) usage();
	lc_ctx_t *ctx = lc_ctx_new();
	if (!strcmp(argv[1], "send")) {
		long len;
		unsigned char *data = read_file(argv[4], &len);
		lc_channel_t *chan = open_channel(ctx, argv[2], argv[3], parse_flags(argv[5]), argc > 7 ? argv[7] : NULL);
		int count = atoi(argv[6]);
		if (overhead >= 0) {
#if LCPEER_LIBRECAST >= 11
			/* One lc_channel_send sends K' + overhead symbols (0.10+); calls enough for COUNT. */
			if (lc_channel_rq_overhead(chan, overhead) < 0) die("lc_channel_rq_overhead", 0); /* returns the overhead set (5 for 5) */
			rq_t *probe = rq_init(len, 1024);
			int per = rq_KP(probe) + overhead, calls = (count + per - 1) / per;
			rq_free(probe);
			for (int i = 0; i < calls; i++) {
				if (i == 0 ? lc_channel_send(chan, data, len, 0) < 0 : lc_channel_send(chan, NULL, 0, 0) < 0)
					die("lc_channel_send", 0);
				usleep(2000);
			}
			count = calls * per;
#else
			fprintf(stderr, "oh= needs librecast 0.10+ (lc_channel_rq_overhead)\n");
			return 1;
#endif
		}
		for (int i = 0; overhead < 0 && i < count; i++) {
			if (i == 0 ? lc_channel_send(chan, data, len, 0) < 0 : lc_channel_send(chan, NULL, 0, 0) < 0)
				die("lc_channel_send", 0);
			if (i % 32 == 31) usleep(1000);
		}
		/* 0.9.1 has no lc_channel_rq: the same liblcrq, the same working memory, the same F and T
		 * (LC_DEFAULT_RQ_T) give the parameters the channel used. */
		rq_t *rq = rq_init(len, 1024);
		if (!rq) die("rq_init", 0);
		printf("SENT datagrams=%d F=%llu T=%u Z=%u N=%u Al=%u K=%u\n", count, (unsigned long long)rq_F(rq),
			rq_T(rq), rq_Z(rq), rq_N(rq), rq_Al(rq), rq_K(rq));
		lc_ctx_free(ctx);
		return 0;
	}
	if (!strcmp(argv[1], "recv") && argc >= 8) {
		size_t F = strtoull(argv[4], NULL, 10);
		int coding = parse_flags(argv[5]);
		int timeout = atoi(argv[6]);
		lc_channel_t *chan = open_channel(ctx, argv[2], argv[3], coding, argc > 8 ? argv[8] : NULL);
		if (lc_channel_join(chan)) die("lc_channel_join", 0);
		size_t cap = F ? F : (size_t)64 << 20;
		unsigned char *buf = malloc(cap);
		if (!buf) die("malloc", 0);
		signal(SIGALRM, timed_out);
		alarm(timeout);
		printf("READY\n");
		fflush(stdout);
		ssize_t rc = lc_channel_recv(chan, buf, cap, 0);
		if (rc < 0) die("lc_channel_recv", 0);
		size_t bytes = rc;
#if LCPEER_LIBRECAST == 9
		/* 0.9.1's lc_channel_recv decodes the object into buf[0..F) but returns the bytes of the
		 * datagrams it took (seen: 3084 = 3 x 1028 for F 3000), so F must come from the caller. */
		if (!F) { fprintf(stderr, "0.9.1's receiver needs F\n"); return 1; }
		bytes = F;
#endif
		FILE *o = fopen(argv[7], "wb");
		if (!o) die(argv[7], 0);
		fwrite(buf, 1, bytes, o);
		fclose(o);
		printf("OK bytes=%zu returned=%zd\n", bytes, rc);
		return 0;
	}
	usage();
	return 1;
}
