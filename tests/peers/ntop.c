/* ntop: reads lines of 32 hex digits (16 address bytes) on stdin and prints each address as
 * glibc's inet_ntop(AF_INET6) writes it, one per line. Lets the tests check our formatter
 * against the C library's own text form, not against our idea of it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256], text[INET6_ADDRSTRLEN];
	unsigned char addr[16];

	while (fgets(line, sizeof line, stdin)) {
		for (int i = 0; i < 16; i++) {
			unsigned int b;
			if (sscanf(line + 2 * i, "%2x", &b) != 1) {
				fprintf(stderr, "ntop: bad line: %s", line);
				return 2;
			}
			addr[i] = (unsigned char)b;
		}
		if (!inet_ntop(AF_INET6, addr, text, sizeof text)) {
			perror("inet_ntop");
			return 1;
		}
		puts(text);
	}
	return 0;
}
