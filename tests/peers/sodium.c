/*
 * sodium - libsodium as the reference for our managed secretbox
 * (src/Librecast/Crypto/). One request per stdin line, one answer per stdout
 * line, in order, so a test can push tens of thousands of cases through one
 * process. Byte strings are lowercase or uppercase hex; "-" is the empty
 * string.
 *
 * Build:  gcc -Wall -O2 -o sodium sodium.c -lsodium
 *
 * Requests and answers:
 *   seal KEY NONCE MSG     -> hex of crypto_secretbox_easy (MAC || ciphertext)
 *   open KEY NONCE BOX     -> "ok <msg hex>" or "fail" (crypto_secretbox_open_easy)
 *   auth KEY MSG           -> hex of crypto_onetimeauth (Poly1305) tag
 *   hsalsa KEY IN16        -> hex of crypto_core_hsalsa20 (default constant)
 *   stream KEY NONCE LEN   -> hex of LEN bytes of crypto_stream_xsalsa20
 *   lcopen KEY DATAGRAM    -> librecast SYMM layout: box = all but the last
 *                             24 bytes, nonce = last 24; "ok <msg hex>",
 *                             "fail", or "short" (40 bytes or less)
 *   edsign SEED MSG        -> "PK SIG": crypto_sign_seed_keypair, then
 *                             crypto_sign_detached (pure Ed25519)
 *   edphsign SEED MSG      -> "PK SIG": the same key, Ed25519ph through
 *                             crypto_sign_init/update/final_create (MSG fed
 *                             in two parts), as librecast 0.11 signs packets
 *   edverify PK MSG SIG    -> "ok" or "fail" (crypto_sign_verify_detached)
 *   edphverify PK MSG SIG  -> "ok" or "fail" (crypto_sign_final_verify)
 * A malformed request is answered "error <reason>" and the next line is read:
 * the test sees the problem next to its input.
 *
 * stdout is block-buffered and flushed at EOF: a caller must write stdin and
 * read stdout concurrently.
 */

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXTOK 64

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes token s into a freshly malloc'd buffer (at least 1 byte, so an
 * empty string is still a valid pointer). Returns the length, -1 if not hex. */
static long unhex(const char *s, unsigned char **out)
{
	size_t n = strcmp(s, "-") ? strlen(s) : 0;
	*out = malloc(n / 2 + 1);
	if (!*out) { perror("malloc"); exit(1); }
	if (n % 2) return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0) return -1;
		(*out)[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static void print_hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	if (!n) { putchar('-'); return; }
	for (size_t i = 0; i < n; i++) {
		putchar(digits[p[i] >> 4]);
		putchar(digits[p[i] & 0xf]);
	}
}

int main(void)
{
	if (sodium_init() < 0) { fputs("sodium: sodium_init failed\n", stderr); return 1; }
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
		char *tok[MAXTOK];
		int ntok = 0;
		for (char *save = NULL, *t = strtok_r(line, " ", &save); t && ntok < MAXTOK; t = strtok_r(NULL, " ", &save))
			tok[ntok++] = t;
		if (ntok == 0) { puts("error empty"); continue; }

		unsigned char *a = NULL, *b = NULL, *c = NULL;
		long la = -1, lb = -1, lc = -1;
		if (ntok > 1) la = unhex(tok[1], &a);
		if (ntok > 2) lb = unhex(tok[2], &b);
		if (ntok > 3) lc = unhex(tok[3], &c);
		const char *cmd = tok[0];

		if (!strcmp(cmd, "seal") && ntok == 4 && la == crypto_secretbox_KEYBYTES &&
		    lb == crypto_secretbox_NONCEBYTES && lc >= 0) {
			unsigned char *box = malloc((size_t)lc + crypto_secretbox_MACBYTES);
			crypto_secretbox_easy(box, c, (unsigned long long)lc, b, a);
			print_hex(box, (size_t)lc + crypto_secretbox_MACBYTES);
			putchar('\n');
			free(box);
		} else if (!strcmp(cmd, "open") && ntok == 4 && la == crypto_secretbox_KEYBYTES &&
			   lb == crypto_secretbox_NONCEBYTES && lc >= 0) {
			if (lc < crypto_secretbox_MACBYTES) {
				puts("fail");
			} else {
				unsigned char *msg = malloc((size_t)lc + 1);
				if (crypto_secretbox_open_easy(msg, c, (unsigned long long)lc, b, a) == 0) {
					fputs("ok ", stdout);
					print_hex(msg, (size_t)lc - crypto_secretbox_MACBYTES);
					putchar('\n');
				} else {
					puts("fail");
				}
				free(msg);
			}
		} else if (!strcmp(cmd, "lcopen") && ntok == 3 && la == crypto_secretbox_KEYBYTES && lb >= 0) {
			if (lb <= crypto_secretbox_MACBYTES + crypto_secretbox_NONCEBYTES) {
				puts("short");
			} else {
				size_t boxlen = (size_t)lb - crypto_secretbox_NONCEBYTES;
				unsigned char *msg = malloc(boxlen);
				if (crypto_secretbox_open_easy(msg, b, boxlen, b + boxlen, a) == 0) {
					fputs("ok ", stdout);
					print_hex(msg, boxlen - crypto_secretbox_MACBYTES);
					putchar('\n');
				} else {
					puts("fail");
				}
				free(msg);
			}
		} else if (!strcmp(cmd, "auth") && ntok == 3 && la == crypto_onetimeauth_KEYBYTES && lb >= 0) {
			unsigned char tag[crypto_onetimeauth_BYTES];
			crypto_onetimeauth(tag, b, (unsigned long long)lb, a);
			print_hex(tag, sizeof tag);
			putchar('\n');
		} else if (!strcmp(cmd, "hsalsa") && ntok == 3 && la == crypto_core_hsalsa20_KEYBYTES &&
			   lb == crypto_core_hsalsa20_INPUTBYTES) {
			unsigned char out[crypto_core_hsalsa20_OUTPUTBYTES];
			crypto_core_hsalsa20(out, b, a, NULL);
			print_hex(out, sizeof out);
			putchar('\n');
		} else if (!strcmp(cmd, "stream") && ntok == 4 && la == crypto_stream_xsalsa20_KEYBYTES &&
			   lb == crypto_stream_xsalsa20_NONCEBYTES) {
			long n = strtol(tok[3], NULL, 10);
			if (n <= 0 || n > 1 << 20) {
				puts("error length");
			} else {
				unsigned char *ks = malloc((size_t)n);
				crypto_stream_xsalsa20(ks, (unsigned long long)n, b, a);
				print_hex(ks, (size_t)n);
				putchar('\n');
				free(ks);
			}
		} else if ((!strcmp(cmd, "edsign") || !strcmp(cmd, "edphsign")) && ntok == 3 &&
			   la == crypto_sign_SEEDBYTES && lb >= 0) {
			unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
			crypto_sign_seed_keypair(pk, sk, a);
			if (!strcmp(cmd, "edsign")) {
				crypto_sign_detached(sig, NULL, b, (unsigned long long)lb, sk);
			} else {
				crypto_sign_state st;
				crypto_sign_init(&st);
				crypto_sign_update(&st, b, (unsigned long long)lb / 2);
				crypto_sign_update(&st, b + lb / 2, (unsigned long long)(lb - lb / 2));
				crypto_sign_final_create(&st, sig, NULL, sk);
			}
			print_hex(pk, sizeof pk);
			putchar(' ');
			print_hex(sig, sizeof sig);
			putchar('\n');
		} else if ((!strcmp(cmd, "edverify") || !strcmp(cmd, "edphverify")) && ntok == 4 &&
			   la == crypto_sign_PUBLICKEYBYTES && lb >= 0 && lc == crypto_sign_BYTES) {
			int rc;
			if (!strcmp(cmd, "edverify")) {
				rc = crypto_sign_verify_detached(c, b, (unsigned long long)lb, a);
			} else {
				crypto_sign_state st;
				crypto_sign_init(&st);
				crypto_sign_update(&st, b, (unsigned long long)lb);
				rc = crypto_sign_final_verify(&st, c, a);
			}
			puts(rc == 0 ? "ok" : "fail");
		} else {
			printf("error bad request '%s' with %d fields\n", cmd, ntok);
		}
		free(a);
		free(b);
		free(c);
	}
	free(line);
	if (fflush(stdout)) { perror("sodium: writing stdout"); return 1; }
	return 0;
}
