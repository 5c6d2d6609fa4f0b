/*
 * lctoken - librecast 0.11's restricted channels (signed tokens), for the
 * interop tests of src/Librecast/Security (TokenTests). Built by CPeer against
 * the real librecast 0.11.2 (Debian sid) in its private prefix; 0.9.1 has no
 * restricted channels.
 *
 * The C side of the contract, all through the library's own API:
 *   keypair            lc_keypair_new(LC_KEY_SIG)
 *   token              lc_token_new
 *   send               lc_channel_token_set + lc_channel_setkey(LC_CODE_SIGN),
 *                      then lc_channel_send (raw) or lc_msg_send (--msg)
 *   recv               lc_channel_filter_set with a keyring, then
 *                      lc_socket_recv (the library's filter runs there)
 *
 * Usage:
 *   lctoken keypair
 *       pk=<32 bytes hex> sk=<64 bytes hex: seed || pk>
 *   lctoken token SIGNER_SKHEX BEARER_PKHEX CHANNEL CAPBITS VALID_SEC
 *       token=<128 bytes hex>  (lc_token_new on a channel named CHANNEL)
 *   lctoken send IFNAME CHANNEL TOKENHEX BEARER_SKHEX PAYLOADHEX [--msg] [--count N]
 *       Sends PAYLOAD N times (default 1, 10 ms apart) on the channel with the
 *       token and the bearer's key; prints "sent=<bytes>" for each.
 *   lctoken recv IFNAME CHANNEL PKHEX[,PKHEX...] CAPBITS COUNT TIMEOUT_SECONDS
 *       Joins the channel with a filter (keyring = the keys, capbits), prints
 *       "READY", then "len=<n> data=<hex>" for each datagram lc_socket_recv
 *       returns (what passed the filter); "error errno=<n>" if it fails.
 *
 * Exit status: 0 success, 1 runtime error, 2 bad usage, 3 timeout
 * ("TIMEOUT got=<n>" on stderr).
 */

#define _GNU_SOURCE
#include <librecast/net.h>
#include <librecast/key.h>
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
#define MAXKEYS 16

static void usage(void)
{
	fputs("usage:\n"
	      "  lctoken keypair\n"
	      "  lctoken token SIGNER_SKHEX BEARER_PKHEX CHANNEL CAPBITS VALID_SEC\n"
	      "  lctoken send IFNAME CHANNEL TOKENHEX BEARER_SKHEX PAYLOADHEX [--msg] [--count N]\n"
	      "  lctoken recv IFNAME CHANNEL PKHEX[,PKHEX...] CAPBITS COUNT TIMEOUT_SECONDS\n", stderr);
	exit(2);
}

#define PEER_NAME "lctoken"
#include "peerutil.h"

static int cmd_keypair(void)
{
	lc_keypair_t kp;
	if (lc_keypair_new(&kp, LC_KEY_SIG)) die("lc_keypair_new", 0);
	printf("pk=");
	print_hex(kp.pk, crypto_sign_PUBLICKEYBYTES);
	printf(" sk=");
	print_hex(kp.sk, crypto_sign_SECRETKEYBYTES);
	putchar('\n');
	return 0;
}

static int cmd_token(int argc, char **argv)
{
	if (argc != 5) usage();
	lc_keypair_t signer;
	memset(&signer, 0, sizeof signer);
	unhex_exact(argv[0], signer.sk, crypto_sign_SECRETKEYBYTES, "SIGNER_SKHEX");
	memcpy(signer.pk, signer.sk + 32, crypto_sign_PUBLICKEYBYTES);
	signer.type = LC_KEY_SIG;
	unsigned char bearer[crypto_sign_PUBLICKEYBYTES];
	unhex_exact(argv[1], bearer, sizeof bearer, "BEARER_PKHEX");
	long cap = parse_long(argv[3], 0, 255);
	long valid = parse_long(argv[4], 0, 1L << 40);
	lc_ctx_t *ctx = lc_ctx_new();
	if (!ctx) die("lc_ctx_new", 0);
	lc_channel_t *chan = lc_channel_new(ctx, argv[2]);
	if (!chan) die("lc_channel_new", 0);
	lc_token_t token;
	int rc = lc_token_new(&token, &signer, bearer, chan, (uint8_t)cap, (uint64_t)valid);
	if (rc) die("lc_token_new", rc);
	printf("token=");
	print_hex((unsigned char *)&token, sizeof token);
	putchar('\n');
	lc_ctx_free(ctx);
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	if (argc < 5) usage();
	int msg;
	long count;
	parse_send_options(argc, argv, 5, &msg, &count);
	static lc_token_t token;
	static unsigned char sk[crypto_sign_SECRETKEYBYTES];
	static unsigned char payload[DGRAM_MAX];
	unhex_exact(argv[2], (unsigned char *)&token, sizeof token, "TOKENHEX");
	unhex_exact(argv[3], sk, sizeof sk, "BEARER_SKHEX");
	ssize_t plen = unhex(argv[4], strlen(argv[4]), payload, sizeof payload);
	if (plen < 0) { fputs("lctoken: PAYLOADHEX is not hex\n", stderr); return 2; }

	lc_ctx_t *ctx = lc_ctx_new();
	if (!ctx) die("lc_ctx_new", 0);
	lc_socket_t *sock;
	lc_channel_t *chan = bound_channel(ctx, &sock, argv[0], argv[1]);
	lc_key_t key = { .key = sk, .keylen = sizeof sk };
	int rc = lc_channel_setkey(chan, &key, LC_CODE_SIGN);
	if (rc) die("lc_channel_setkey", rc);
	lc_channel_token_set(chan, &token);
	for (long i = 0; i < count; i++) printf("sent=%zd\n", send_payload(chan, payload, plen, msg, i));
	fflush(stdout);
	lc_ctx_free(ctx);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	if (argc != 6) usage();
	static unsigned char keys[MAXKEYS][crypto_sign_PUBLICKEYBYTES];
	size_t nkeys = 0;
	for (const char *p = argv[2]; *p; ) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (nkeys == MAXKEYS || unhex(p, n, keys[nkeys], crypto_sign_PUBLICKEYBYTES) != crypto_sign_PUBLICKEYBYTES) usage();
		nkeys++;
		p += n + (comma ? 1 : 0);
	}
	long cap = parse_long(argv[3], 0, 255);
	long count = parse_long(argv[4], 0, 1000000);
	long timeout_s = parse_long(argv[5], 0, 86400);

	lc_ctx_t *ctx = lc_ctx_new();
	if (!ctx) die("lc_ctx_new", 0);
	lc_socket_t *sock;
	lc_channel_t *chan = bound_channel(ctx, &sock, argv[0], argv[1]);
	static lc_keyring_t keyring;
	if (lc_keyring_init(&keyring, nkeys ? nkeys : 1)) die("lc_keyring_init", 0);
	for (size_t i = 0; i < nkeys; i++)
		if (lc_keyring_add(&keyring, keys[i]) < 0) die("lc_keyring_add", 0);
	static lc_filter_t filter;
	filter.keyring = &keyring;
	filter.capbits = (uint8_t)cap;
	lc_channel_filter_set(chan, &filter);
	join_ready(chan);

	static unsigned char buf[DGRAM_MAX];
	int fd = lc_socket_raw(sock);
	int64_t deadline = now_ms() + timeout_s * 1000;
	long got = 0;
	while (got < count) {
		if (!wait_next(fd, deadline, got)) continue;
		/* The library drops what fails its filter and keeps waiting: a
		 * rejected datagram never returns from here. MSG_DONTWAIT would
		 * report it; the blocking call is what a librecast program does,
		 * so a poll timeout inside lc_socket_recv is not possible: use a
		 * nonblocking receive and go back to poll on EAGAIN. */
		errno = 0;
		ssize_t n = lc_socket_recv(sock, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
			printf("error errno=%d\n", errno);
		} else {
			printf("len=%zd data=", n);
			print_hex(buf, (size_t)n);
			putchar('\n');
		}
		fflush(stdout);
		got++;
	}
	lc_keyring_free(&keyring);
	lc_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) usage();
	if (sodium_init() < 0) { fputs("lctoken: sodium_init failed\n", stderr); return 1; }
	if (!strcmp(argv[1], "keypair")) return cmd_keypair();
	if (!strcmp(argv[1], "token")) return cmd_token(argc - 2, argv + 2);
	if (!strcmp(argv[1], "send")) return cmd_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "recv")) return cmd_recv(argc - 2, argv + 2);
	usage();
	return 2;
}
