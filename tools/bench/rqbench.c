/* rqbench - liblcrq 0.0.1 encode/decode throughput, for tools/bench/fec beside ours.
 *   rqbench F T LOSS_PERCENT  -> one line: encode MB/s, decode MB/s (from the source symbols left
 *   after LOSS_PERCENT random loss plus repair symbols up to K + 2), and whether it decoded. */
#include <lcrq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char *argv[])
{
	if (argc != 4) { fprintf(stderr, "usage: rqbench F T LOSS_PERCENT\n"); return 2; }
	uint64_t F = strtoull(argv[1], NULL, 10);
	uint16_t T = atoi(argv[2]);
	int loss = atoi(argv[3]);
	unsigned char *data = malloc(F);
	srand(1);
	for (uint64_t i = 0; i < F; i++) data[i] = rand();
	rq_t *rq = rq_init(F, T);
	if (rq_Z(rq) != 1) { fprintf(stderr, "rqbench: single-block objects only\n"); return 2; }
	size_t K = rq_K(rq);
	double t0 = now();
	if (rq_encode(rq, data, F)) { fprintf(stderr, "rq_encode failed\n"); return 1; }
	double enc = now() - t0;
	unsigned char *syms = malloc((K + 2) * T), *dec = calloc(K, T);
	uint32_t *esi = malloc((K + 2) * sizeof *esi);
	uint32_t n = 0;
	for (uint32_t e = 0; e < K && n < K + 2; e++) if (rand() % 100 >= loss) esi[n++] = e;
	for (uint32_t e = K; n < K + 2; e++) esi[n++] = e;
	for (uint32_t i = 0; i < n; i++) {
		rq_pid_t pid = 0;
		pid = rq_pidsetesi(pid, esi[i]);
		rq_symbol(rq, &pid, syms + (size_t)i * T, 0);
	}
	t0 = now();
	int rc = rq_decode(rq, dec, syms, esi, n);
	double dt = now() - t0;
	int ok = !rc && !memcmp(dec, data, F);
	printf("liblcrq F=%llu T=%u K=%zu loss=%d%% encode %.1f MB/s (%.0f ms) decode %.1f MB/s (%.0f ms) received %u/%zu %s\n",
		(unsigned long long)F, T, K, loss, F / 1e6 / enc, enc * 1000, F / 1e6 / dt, dt * 1000, n, K, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
