/* What the C peers (lcsymm.c, lctoken.c) share: argument parsing, hex, a millisecond clock.
 * Included after the peer defines PEER_NAME (its name in error lines) and usage(). */
#ifndef PEERUTIL_H
#define PEERUTIL_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what, long rc)
{
	fprintf(stderr, PEER_NAME ": %s failed: rc=%ld errno=%s\n", what, rc, strerror(errno));
	exit(1);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static void print_hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static long parse_long(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) usage();
	return v;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable or the monotonic deadline (now_ms) passes: 1 readable, 0 deadline
 * passed, -1 woken for something else (poll again). */
static int wait_readable(int fd, int64_t deadline)
{
	int64_t left = deadline - now_ms();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (left <= 0 || poll(&pfd, 1, (int)left) == 0) return 0;
	return (pfd.revents & POLLIN) ? 1 : -1;
}

#endif
