/*
 * lcsymm - librecast SYMM (symmetric encryption) channels (0.5.1, or 0.9.1/0.11.2
 * when CPeer builds it against their prefix), for the
 * interop tests of our managed secretbox (src/Librecast/Crypto/SecretBox.cs).
 *
 * The C side of the contract: `send` encrypts with the library itself
 * (lc_channel_coding_set(LC_CODE_SYMM) + lc_channel_set_sym_key); `recv`
 * receives on the library's socket receive path and opens the datagram with
 * libsodium's crypto_secretbox_open_easy, laid out as shared/WIRE.md says:
 * box (MAC + ciphertext) = all but the last 24 bytes, nonce = last 24.
 *
 * Build:  gcc -Wall -O2 -o lcsymm lcsymm.c -llibrecast -lsodium
 *
 * Usage:
 *   lcsymm send IFNAME CHANNEL KEYHEX PAYLOADHEX [--msg] [--count N]
 *       Sends PAYLOAD N times (default 1, 10 ms apart) on a SYMM channel with
 *       lc_channel_send, or with --msg lc_msg_send (then the library encrypts
 *       the whole 33-byte-header frame).
 *   lcsymm recv IFNAME CHANNEL KEYHEX COUNT TIMEOUT_SECONDS [--sodium | --msg]
 *       Joins the channel, prints "READY", then one line per datagram.
 *       Default: the channel is SYMM with the key and the library decrypts
 *       on lc_socket_recv:   len=<plaintext length> data=<plaintext hex>
 *       or, when the library refuses the datagram:   error errno=<dec>
 *       --sodium: the channel has no coding; lc_socket_recv returns the
 *       datagram as it arrived and libsodium opens it:
 *         len=<datagram length> open=ok data=<plaintext hex>
 *         len=<datagram length> open=fail | open=short (40 bytes or less)
 *       --msg: the channel is SYMM and lc_msg_recv receives (0.9+ opens the
 *       datagram first; 0.5.1 does not, see shared/WIRE.md):
 *         seq=<dec> len=<dec> data=<payload hex>   or   error rc=<dec> errno=<dec>
 *
 * Measured on 0.5.1: lc_channel_set_sym_key stores the key pointer, not a
 * copy (wiping the key after setting it makes the library encrypt with
 * zeros), and lc_socket_recv on a SYMM channel returns the plaintext, or -1
 * when the datagram does not open (errno left as it was: 0 here).
 *
 * Exit status: 0 success, 1 runtime error, 2 bad usage, 3 timeout
 * ("TIMEOUT got=<n>" on stderr).
 */

#define _GNU_SOURCE
#include <librecast/net.h>
#include <sodium.h>

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DGRAM_MAX 65536
#define OVERHEAD (crypto_secretbox_MACBYTES + crypto_secretbox_NONCEBYTES)

static void usage(void)
{
	fputs("usage:\n"
	      "  lcsymm send IFNAME CHANNEL KEYHEX PAYLOADHEX [--msg] [--count N]\n"
	      "  lcsymm recv IFNAME CHANNEL KEYHEX COUNT TIMEOUT_SECONDS [--sodium | --msg]\n", stderr);
	exit(2);
}

#define PEER_NAME "lcsymm"
#include "peerutil.h"

/* The same channel made SYMM with the key: the library encrypts on send and
 * decrypts on lc_socket_recv. */
static lc_channel_t *symm_channel(lc_ctx_t *ctx, lc_socket_t **sockp, const char *ifname,
				  const char *chname, const char *keyhex)
{
	/* lc_channel_set_sym_key keeps the pointer, not a copy: the key must
	 * outlive the channel, so it is static and never wiped early. */
	static unsigned char key[crypto_secretbox_KEYBYTES];
	if (unhex(keyhex, strlen(keyhex), key, sizeof key) != (ssize_t)sizeof key) {
		fputs("lcsymm: KEYHEX must be 64 hex digits\n", stderr);
		exit(2);
	}
	lc_channel_t *chan = bound_channel(ctx, sockp, ifname, chname);
	/* Returns the channel's coding now in force, not 0. */
	int rc = lc_channel_coding_set(chan, LC_CODE_SYMM);
	if (rc != LC_CODE_SYMM) die("lc_channel_coding_set", rc);
	rc = lc_channel_set_sym_key(chan, key, sizeof key);
	if (rc) die("lc_channel_set_sym_key", rc);
	return chan;
}

static int cmd_send(int argc, char **argv)
{
	if (argc < 4) usage();
	int msg;
	long count;
	parse_send_options(argc, argv, 4, &msg, &count);
	static unsigned char payload[DGRAM_MAX];
	ssize_t plen = unhex(argv[3], strlen(argv[3]), payload, sizeof payload);
	if (plen < 0) { fputs("lcsymm: PAYLOADHEX is not hex\n", stderr); return 2; }

	lc_ctx_t *ctx = lc_ctx_new();
	if (!ctx) die("lc_ctx_new", 0);
	lc_socket_t *sock;
	lc_channel_t *chan = symm_channel(ctx, &sock, argv[0], argv[1], argv[2]);
	for (long i = 0; i < count; i++) send_payload(chan, payload, plen, msg, i);
	lc_ctx_free(ctx);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	if (argc < 5 || argc > 6) usage();
	int sodium = 0, msg = 0;
	if (argc == 6) {
		if (!strcmp(argv[5], "--sodium")) sodium = 1;
		else if (!strcmp(argv[5], "--msg")) msg = 1;
		else usage();
	}
	long count = parse_long(argv[3], 0, 1000000);
	long timeout_s = parse_long(argv[4], 0, 86400);
	static unsigned char key[crypto_secretbox_KEYBYTES];
	if (unhex(argv[2], strlen(argv[2]), key, sizeof key) != (ssize_t)sizeof key) usage();

	lc_ctx_t *ctx = lc_ctx_new();
	if (!ctx) die("lc_ctx_new", 0);
	lc_socket_t *sock;
	lc_channel_t *chan = sodium ? bound_channel(ctx, &sock, argv[0], argv[1])
				    : symm_channel(ctx, &sock, argv[0], argv[1], argv[2]);
	join_ready(chan);

	static unsigned char buf[DGRAM_MAX], plain[DGRAM_MAX];
	int fd = lc_socket_raw(sock);
	int64_t deadline = now_ms() + timeout_s * 1000;
	long got = 0;
	while (got < count) {
		if (!wait_next(fd, deadline, got)) continue;
		errno = 0;
		if (msg) {
			lc_message_t m;
			memset(&m, 0, sizeof m);
			ssize_t rc = lc_msg_recv(sock, &m);
			if (rc < 0) printf("error rc=%zd errno=%d\n", rc, errno);
			else {
				printf("seq=%llu len=%llu data=", (unsigned long long)m.seq, (unsigned long long)m.len);
				print_hex(m.data, (size_t)m.len);
				putchar('\n');
			}
			lc_msg_free(&m);
			fflush(stdout);
			got++;
			continue;
		}
		ssize_t n = lc_socket_recv(sock, buf, sizeof buf, 0);
		if (n < 0) {
			/* On a SYMM channel the library fails the receive when
			 * the datagram does not open: a rejection, reported. */
			printf("error errno=%d\n", errno);
		} else if (!sodium) {
			printf("len=%zd data=", n);
			print_hex(buf, (size_t)n);
			putchar('\n');
		} else if ((size_t)n <= OVERHEAD) {
			printf("len=%zd open=short\n", n);
		} else {
			size_t boxlen = (size_t)n - crypto_secretbox_NONCEBYTES;
			if (crypto_secretbox_open_easy(plain, buf, boxlen, buf + boxlen, key) == 0) {
				printf("len=%zd open=ok data=", n);
				print_hex(plain, boxlen - crypto_secretbox_MACBYTES);
				putchar('\n');
			} else {
				printf("len=%zd open=fail\n", n);
			}
		}
		fflush(stdout);
		got++;
	}
	lc_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) usage();
	if (sodium_init() < 0) { fputs("lcsymm: sodium_init failed\n", stderr); return 1; }
	if (!strcmp(argv[1], "send")) return cmd_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "recv")) return cmd_recv(argc - 2, argv + 2);
	usage();
	return 2;
}
