/* lcside - librecast 0.5.1's derived channels, for tests/Librecast.Tests/ChannelDerivedTests.cs.
 * stdin lines: "sideband NAME BAND" | "sidehash NAME KEYHEX" | "copy NAME" | "random"
 * stdout per line: "<group> <port>" (inet_ntop), for random also "name=<null|set>". */
#include <librecast/net.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print(lc_channel_t *c)
{
	struct sockaddr_in6 *sa = lc_channel_sockaddr(c);
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &sa->sin6_addr, s, sizeof s);
	printf("%s %u\n", s, ntohs(sa->sin6_port));
}

int main(void)
{
	lc_ctx_t *ctx = lc_ctx_new();
	char op[32], name[512], arg[256];
	char line[1024];
	while (fgets(line, sizeof line, stdin)) {
		int n = sscanf(line, "%31s %511s %255s", op, name, arg);
		if (n < 1) continue;
		if (!strcmp(op, "random")) { print(lc_channel_random(ctx)); continue; }
		lc_channel_t *base = lc_channel_new(ctx, name);
		if (!strcmp(op, "sideband")) print(lc_channel_sideband(base, strtoull(arg, NULL, 10)));
		else if (!strcmp(op, "sidehash")) {
			static unsigned char key[32];
			for (int i = 0; i < 32; i++) sscanf(arg + 2 * i, "%2hhx", &key[i]);
			print(lc_channel_sidehash(base, key, sizeof key));
		}
		else if (!strcmp(op, "copy")) print(lc_channel_copy(ctx, base));
		else { fprintf(stderr, "unknown op %s\n", op); return 2; }
	}
	fflush(stdout);
	lc_ctx_free(ctx);
	return 0;
}
