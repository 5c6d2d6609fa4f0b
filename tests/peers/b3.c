/* BLAKE3 reference peer: the C implementation bundled in liblibrecast.
 * Reads one hex-encoded input per line on stdin (an empty line is the empty input) and
 * prints the lowercase hex 32-byte digest of each on its own line, so one process can
 * check thousands of inputs. Exits 2 on malformed hex rather than hashing garbage. */
#define _POSIX_C_SOURCE 200809L
#include <librecast/blake3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static int nibble(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned char *buf = NULL;
	size_t bufcap = 0;
	unsigned long lineno = 0;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
		if (len % 2 != 0) {
			fprintf(stderr, "line %lu: odd number of hex digits\n", lineno);
			return 2;
		}
		size_t n = (size_t)len / 2;
		if (n > bufcap) {
			bufcap = n;
			buf = realloc(buf, bufcap);
			if (!buf) { perror("realloc"); return 2; }
		}
		for (size_t i = 0; i < n; i++) {
			int hi = nibble((unsigned char)line[2 * i]);
			int lo = nibble((unsigned char)line[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "line %lu: bad hex digit\n", lineno);
				return 2;
			}
			buf[i] = (unsigned char)(hi << 4 | lo);
		}

		blake3_hasher hasher;
		uint8_t out[BLAKE3_OUT_LEN];
		blake3_hasher_init(&hasher);
		blake3_hasher_update(&hasher, buf, n);
		blake3_hasher_finalize(&hasher, out, sizeof out);
		for (size_t i = 0; i < sizeof out; i++) printf("%02x", out[i]);
		putchar('\n');
	}
	free(line);
	free(buf);
	return ferror(stdin) ? 2 : 0;
}
