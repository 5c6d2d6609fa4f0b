/* liblcrq 0.0.1 as a test peer for our RaptorQ (tests/Librecast.Tests/RaptorQInteropTests.cs).
 *   rqpeer params F T [WS]                      -> "Z N K KP Al"
 *   rqpeer encode F T data.bin list out.bin [WS] -> for each "sbn esi" line of list, the T-byte symbol
 *   rqpeer decode F T syms.bin list out.bin [WS] -> symbols (one per "sbn esi" line) decoded to F bytes
 *   WS: liblcrq's working memory in bytes (its exported RQ_WS_DEFAULT; a
 *   smaller one makes multi-block objects of a test's size). Built against 0.9.1's or 0.11.2's
 *   prefix with CPeer.Build("rqpeer", wire) it is that liblcrq.
 * Exit 0 on success, 2 when rq_decode fails, 1 on a usage or I/O error. */
#include <lcrq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(1); }
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *p = malloc(n ? n : 1);
	if (n && fread(p, 1, n, f) != (size_t)n) { perror(path); exit(1); }
	fclose(f);
	*len = n;
	return p;
}

static int readlist(const char *path, unsigned **sbn, unsigned **esi)
{
	FILE *f = fopen(path, "r");
	if (!f) { perror(path); exit(1); }
	int cap = 1024, n = 0;
	*sbn = malloc(cap * sizeof **sbn);
	*esi = malloc(cap * sizeof **esi);
	unsigned s, e;
	while (fscanf(f, "%u %u", &s, &e) == 2) {
		if (n == cap) {
			cap *= 2;
			*sbn = realloc(*sbn, cap * sizeof **sbn);
			*esi = realloc(*esi, cap * sizeof **esi);
		}
		(*sbn)[n] = s;
		(*esi)[n] = e;
		n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char *argv[])
{
	if (argc < 4) { fprintf(stderr, "usage: rqpeer params|encode|decode F T ...\n"); return 1; }
	uint64_t F = strtoull(argv[2], NULL, 10);
	uint16_t T = (uint16_t)atoi(argv[3]);
	int wsarg = !strcmp(argv[1], "params") ? 4 : 7;
	if (argc == wsarg + 1) {
		RQ_WS_DEFAULT = strtoull(argv[wsarg], NULL, 10);
	}
	rq_t *rq = rq_init(F, T);
	if (!rq) { fprintf(stderr, "rq_init failed\n"); return 1; }
	if (!strcmp(argv[1], "params")) {
		printf("%u %u %u %u %u\n", rq_Z(rq), rq_N(rq), rq_K(rq), rq_KP(rq), rq_Al(rq));
		rq_free(rq);
		return 0;
	}
	if (argc != 7 && argc != 8) { fprintf(stderr, "usage: rqpeer encode|decode F T in list out [WS]\n"); return 1; }
	size_t inlen;
	uint8_t *in = slurp(argv[4], &inlen);
	unsigned *sbn, *esi;
	int n = readlist(argv[5], &sbn, &esi);
	FILE *out = fopen(argv[6], "wb");
	if (!out) { perror(argv[6]); return 1; }
	int rc = 0;
	if (!strcmp(argv[1], "encode")) {
		if (inlen < F) { fprintf(stderr, "data shorter than F\n"); return 1; }
		if (rq_encode(rq, in, F)) { fprintf(stderr, "rq_encode failed\n"); return 1; }
		uint8_t *sym = malloc(T);
		for (int i = 0; i < n; i++) {
			rq_pid_t pid = 0;
			pid = rq_pidsetsbn(pid, sbn[i]);
			pid = rq_pidsetesi(pid, esi[i]);
			if (rq_pid2esi(pid) != esi[i] || rq_pid2sbn(pid) != sbn[i]) { fprintf(stderr, "pid round trip\n"); return 1; }
			rq_symbol(rq, &pid, sym, 0);
			fwrite(sym, 1, T, out);
		}
	}
	else if (!strcmp(argv[1], "decode")) {
		if (inlen < (size_t)n * T) { fprintf(stderr, "fewer symbol bytes than listed\n"); return 1; }
		unsigned Z = rq_Z(rq);
		size_t K = rq_K(rq);
		uint8_t *obj = calloc(Z * K * T, 1);
		uint8_t *enc = malloc((size_t)n * T);
		uint32_t *ESI = malloc(n * sizeof *ESI);
		for (unsigned b = 0; b < Z; b++) {
			uint32_t m = 0;
			for (int i = 0; i < n; i++) {
				if (sbn[i] != b) continue;
				memcpy(enc + (size_t)m * T, in + (size_t)i * T, T);
				ESI[m++] = esi[i];
			}
			if (rq_decode(rq, obj + (size_t)b * K * T, enc, ESI, m)) {
				fprintf(stderr, "rq_decode failed for block %u with %u symbols\n", b, m);
				rc = 2;
				break;
			}
		}
		if (!rc) fwrite(obj, 1, F, out);
	}
	else { fprintf(stderr, "unknown mode %s\n", argv[1]); return 1; }
	fclose(out);
	rq_free(rq);
	return rc;
}
