/* lcside - librecast's derived channels, for tests/Librecast.Tests/ChannelDerivedTests.cs and
 * WireProfileTests.cs. Built against 0.5.1 (the system's) or, by CPeer, 0.9.1/0.11.2 with
 * -DLCPEER_LIBRECAST=9 or 11.
 * stdin lines:
 *   "sideband NAME BAND" | "sidehash NAME KEYHEX" | "copy NAME" | "random" | "rawsideband NAME BAND"
 *   "xsideband NAMEHEX BAND" | "xsidehash NAMEHEX KEYHEX"   (base from lc_channel_nnew; "-" = empty name)
 *   "init GROUP PORT" | "initsidehash GROUP PORT KEYHEX"     (base from lc_channel_init_grp)
 * KEYHEX is any number of bytes ("-" = none) and is passed with its length; the buffer behind it
 * is 32 zero bytes at least, since 0.5.1 reads 32 whatever keylen says.
 * stdout per line: "<group> <port>" (inet_ntop), for random also "name=<null|set>".
 * The base channel's address is resolved (lc_channel_in6addr, as a bind or send does) before a
 * channel is derived from it: 0.9+ fills a channel's sockaddr lazily, and a sideband taken from
 * a base never resolved gets the base's own group whatever the band (measured on 0.9.1 and
 * 0.11.2), which is not how a program that uses its channels meets it. "rawsideband" skips that. */
#include <librecast/net.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LCPEER_LIBRECAST
#define LCPEER_LIBRECAST 5
#endif

/* 0.9+ fills a channel's sockaddr when lc_channel_in6addr() (or a bind) runs, not at creation;
 * 0.5.1 has no lc_channel_in6addr and fills it at once. */
static struct sockaddr_in6 *channel_sa(lc_channel_t *c)
{
#if LCPEER_LIBRECAST >= 9
	lc_channel_in6addr(c);
#endif
	return lc_channel_sockaddr(c);
}

static void print(lc_channel_t *c)
{
	if (!c) { fprintf(stderr, "lcside: the library returned no channel\n"); exit(1); }
	struct sockaddr_in6 *sa = channel_sa(c);
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &sa->sin6_addr, s, sizeof s);
	printf("%s %u\n", s, ntohs(sa->sin6_port));
}

/* Hex to bytes; "-" is empty. Returns the length. */
static size_t unhex(const char *hex, unsigned char *out, size_t max)
{
	if (!strcmp(hex, "-")) return 0;
	size_t n = strlen(hex) / 2;
	if (n > max) { fprintf(stderr, "lcside: hex longer than %zu bytes\n", max); exit(2); }
	for (size_t i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &out[i]);
	return n;
}

static lc_channel_t *init_grp(lc_ctx_t *ctx, const char *grp, const char *port)
{
	struct in6_addr a;
	if (inet_pton(AF_INET6, grp, &a) != 1) { fprintf(stderr, "lcside: not an IPv6 address: %s\n", grp); exit(2); }
	return lc_channel_init_grp(ctx, &a, (short)atoi(port));
}

static void sidehash(lc_channel_t *base, const char *keyhex)
{
	static unsigned char key[4096];
	memset(key, 0, sizeof key);
	size_t keylen = unhex(keyhex, key, sizeof key);
	print(lc_channel_sidehash(base, key, keylen));
}

int main(void)
{
	lc_ctx_t *ctx = lc_ctx_new();
	static char op[32], name[8192], arg[8192], arg2[8192];
	static unsigned char bytes[4096];
	static char line[3 * 8192];
	while (fgets(line, sizeof line, stdin)) {
		int n = sscanf(line, "%31s %8191s %8191s %8191s", op, name, arg, arg2);
		if (n < 1) continue;
		if (!strcmp(op, "random")) { print(lc_channel_random(ctx)); continue; }
		if (!strcmp(op, "init")) { print(init_grp(ctx, name, arg)); continue; }
		if (!strcmp(op, "initsidehash")) { sidehash(init_grp(ctx, name, arg), arg2); continue; }
		lc_channel_t *base;
		if (op[0] == 'x') {
			size_t len = unhex(name, bytes, sizeof bytes);
			base = lc_channel_nnew(ctx, bytes, len);
		}
		else base = lc_channel_new(ctx, name);
		const char *what = op[0] == 'x' ? op + 1 : op;
		if (!strcmp(what, "rawsideband")) { print(lc_channel_sideband(base, strtoull(arg, NULL, 10))); continue; }
		channel_sa(base);
		if (!strcmp(what, "sideband")) print(lc_channel_sideband(base, strtoull(arg, NULL, 10)));
		else if (!strcmp(what, "sidehash")) sidehash(base, arg);
		else if (!strcmp(what, "copy")) print(lc_channel_copy(ctx, base));
		else { fprintf(stderr, "unknown op %s\n", op); return 2; }
	}
	fflush(stdout);
	lc_ctx_free(ctx);
	return 0;
}
