/* lcfec - librecast 0.5.1's LC_CODE_FEC_RQ coding as a test peer (tests/Librecast.Tests/FecWireTests.cs).
 *   lcfec send IFNAME CHANNEL FILE COUNT [KEYHEX]
 *       On a channel with lc_channel_coding_set(LC_CODE_FEC_RQ) (| LC_CODE_SYMM with a key), sends
 *       COUNT datagrams the way librecast 0.5.1 does it (read from its disassembly, measured on the
 *       wire): lc_channel_send(chan, data, len, 0) encodes the object and sends (SBN 0, ESI 0);
 *       each lc_channel_send(chan, NULL, 0, 0) then sends the next symbol, ESI 0..K'+4 per block,
 *       then the next block, wrapping after the last. A 1 ms pause every 32 datagrams.
 *   lcfec recv IFNAME CHANNEL F TIMEOUT_SECONDS OUTFILE [KEYHEX]
 *       Joins (SYMM coding with a key: lc_socket_recv opens each datagram), prints READY, collects
 *       4 + 1024-byte datagrams and decodes them with liblcrq's rq_decode (not librecast's own FEC
 *       receive, which gets F > T wrong), writes the object to OUTFILE, prints "OK symbols=<n>".
 * Exit 0 success, 1 error, 3 timeout ("TIMEOUT got=<n>" on stderr). */
#define _GNU_SOURCE
#include <librecast/net.h>
#include <lcrq.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T 1024
static unsigned char key[32];

static void usage(void)
{
	fputs("usage: lcfec send|recv ... (see the comment at the top of lcfec.c)\n", stderr);
	exit(1);
}

#define PEER_NAME "lcfec"
#include "peerutil.h"

static lc_channel_t *open_channel(lc_ctx_t *ctx, lc_socket_t **sock, const char *ifname, const char *name, int coding, const char *keyhex)
{
	lc_channel_t *chan = bound_channel(ctx, sock, ifname, name);
	if (keyhex) {
		unhex_exact(keyhex, key, sizeof key, "KEYHEX");
		coding |= LC_CODE_SYMM;
	}
	if (coding && lc_channel_coding_set(chan, coding) != coding) die("lc_channel_coding_set", 0);
	if (keyhex && lc_channel_set_sym_key(chan, key, sizeof key)) die("lc_channel_set_sym_key", 0);
	return chan;
}

int main(int argc, char *argv[])
{
	if (argc < 6) usage();
	lc_ctx_t *ctx = lc_ctx_new();
	lc_socket_t *sock;
	if (!strcmp(argv[1], "send")) {
		long len;
		unsigned char *data = read_file(argv[4], &len);
		lc_channel_t *chan = open_channel(ctx, &sock, argv[2], argv[3], LC_CODE_FEC_RQ, argc > 6 ? argv[6] : NULL);
		int count = atoi(argv[5]);
		for (int i = 0; i < count; i++) {
			if (i == 0 ? lc_channel_send(chan, data, len, 0) < 0 : lc_channel_send(chan, NULL, 0, 0) < 0)
				die("lc_channel_send", 0);
			if (i % 32 == 31) usleep(1000);
		}
		lc_ctx_free(ctx);
		return 0;
	}
	if (!strcmp(argv[1], "recv") && argc >= 7) {
		uint64_t F = strtoull(argv[4], NULL, 10);
		int timeout = atoi(argv[5]);
		lc_channel_t *chan = open_channel(ctx, &sock, argv[2], argv[3], 0, argc > 7 ? argv[7] : NULL);
		if (lc_channel_join(chan)) die("lc_channel_join", 0);
		rq_t *rq = rq_init(F, T);
		size_t K = rq_K(rq);
		if (rq_Z(rq) != 1) { fprintf(stderr, "only single-block objects\n"); return 1; }
		size_t cap = 4 * K + 64;
		unsigned char *enc = malloc(cap * T), *dec = calloc(K, T);
		uint32_t *esi = malloc(cap * sizeof *esi);
		uint32_t n = 0;
		unsigned char buf[T + 64];
		printf("READY\n");
		fflush(stdout);
		time_t end = time(NULL) + timeout;
		int fd = lc_socket_raw(sock);
		while (time(NULL) < end) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 200) <= 0) continue;
			ssize_t r = lc_socket_recv(sock, buf, sizeof buf, 0);
			if (r != 4 + T) continue;
			uint32_t e = ((uint32_t)buf[0] << 16) | (buf[1] << 8) | buf[2];
			int dup = 0;
			for (uint32_t i = 0; i < n; i++) if (esi[i] == e) { dup = 1; break; }
			if (dup || n == cap) continue;
			memcpy(enc + (size_t)n * T, buf + 4, T);
			esi[n++] = e;
			if (n >= K + 2 && !rq_decode(rq, dec, enc, esi, n)) {
				FILE *o = fopen(argv[6], "wb");
				if (!o) die(argv[6], 0);
				fwrite(dec, 1, F, o);
				fclose(o);
				printf("OK symbols=%u\n", n);
				return 0;
			}
		}
		fprintf(stderr, "TIMEOUT got=%u\n", n);
		return 3;
	}
	usage();
	return 1;
}
