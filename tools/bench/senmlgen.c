/* senmlgen: SenML telemetry at a steady rate, for tools/bench/lcgw-rss.
 *
 *   senmlgen IFNAME RATE SECONDS CHANNEL...
 *
 * Sends RATE packs a second in total for SECONDS, round robin over the CHANNELs, each the pack an
 * ESP32 node publishes (three records: temperature, humidity, pressure; base name and time; values
 * that change with every pack) in a librecast 0.5.1 message frame. librecast sets up the socket
 * and the channels (lc_socket_bind to IFNAME, lc_channel_bind: group address, port 4242, hop
 * limit, loop off); the frames are built here with the header lc_msg_send writes (shared/WIRE.md:
 * 33 bytes, big-endian timestamp in ns, per-channel seq from 1, random nonce, op 0 = DATA, length)
 * and sent up to 64 per sendmmsg(2) call, the nonces of a batch read with one getrandom(2).
 * lc_msg_send itself costs four system calls a pack (it opens, reads and closes /dev/urandom for
 * every nonce, then sendto): the sender managed 14,600 packs/s beside lcgw in the last soak, and
 * 5,900 unpaced on the loaded 2-core build machine. lcgw-rss prints what lcgw decoded, so a frame
 * lcgw did not take as librecast's would show there.
 * Paced in 1 ms slots against CLOCK_MONOTONIC: each slot sends every pack due by then (so a late
 * slot catches up and the average rate holds), then sleeps to the next slot. Prints
 * "N packs in T s = R packs/s (E send errors)". */
#define _GNU_SOURCE
#include <librecast/net.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define HEADER 33
#define PACK_MAX 480

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (unsigned char)v;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: senmlgen IFNAME RATE SECONDS CHANNEL...\n");
		return 2;
	}
	unsigned ifx = if_nametoindex(argv[1]);
	long rate = atol(argv[2]);
	double seconds = atof(argv[3]);
	int n = argc - 4;
	if (!ifx || rate <= 0 || seconds <= 0) {
		fprintf(stderr, "senmlgen: bad interface, rate or duration\n");
		return 2;
	}
	lc_ctx_t *ctx = lc_ctx_new();
	lc_socket_t *sock = lc_socket_new(ctx);
	if (!ctx || !sock || lc_socket_bind(sock, ifx)) {
		fprintf(stderr, "senmlgen: socket: %s\n", strerror(errno));
		return 1;
	}
	lc_channel_t **chan = calloc((size_t)n, sizeof *chan);
	uint64_t *seq = calloc((size_t)n, sizeof *seq);
	for (int i = 0; i < n; i++) {
		chan[i] = lc_channel_new(ctx, argv[4 + i]);
		if (!chan[i] || lc_channel_bind(sock, chan[i])) {
			fprintf(stderr, "senmlgen: channel %s: %s\n", argv[4 + i], strerror(errno));
			return 1;
		}
	}
	int fd = lc_socket_raw(sock);

	static unsigned char frame[BATCH][HEADER + PACK_MAX];
	static unsigned char nonce[BATCH][8];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	long sent = 0, errors = 0;
	double t0 = mono(), end = t0 + seconds;
	struct timespec slot;
	clock_gettime(CLOCK_MONOTONIC, &slot);
	for (;;) {
		double now = mono();
		if (now >= end) break;
		long due = (long)((now - t0) * rate);
		while (sent < due) {
			int k = due - sent < BATCH ? (int)(due - sent) : BATCH;
			if (getrandom(nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce) {
				fprintf(stderr, "senmlgen: getrandom: %s\n", strerror(errno));
				return 1;
			}
			struct timespec wall;
			clock_gettime(CLOCK_REALTIME, &wall);
			for (int j = 0; j < k; j++) {
				long p = sent + j;
				int c = (int)(p % n);
				unsigned char *f = frame[j];
				int len = snprintf((char *)f + HEADER, PACK_MAX,
					"[{\"bn\":\"urn:dev:lc:site1:node%d:\",\"bt\":%ld.%03ld,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":%.2f},"
					"{\"n\":\"humidity\",\"u\":\"%%RH\",\"v\":%.1f},{\"n\":\"pressure\",\"u\":\"Pa\",\"v\":%ld}]",
					c + 1, (long)wall.tv_sec, wall.tv_nsec / 1000000, 20 + (p % 500) / 100.0,
					40 + (p % 100) / 10.0, 101000 + p % 600);
				put64(f, (uint64_t)wall.tv_sec * 1000000000u + (uint64_t)wall.tv_nsec);
				put64(f + 8, ++seq[c]);
				memcpy(f + 16, nonce[j], 8);
				f[24] = 0; /* DATA */
				put64(f + 25, (uint64_t)len);
				iov[j] = (struct iovec){ .iov_base = f, .iov_len = (size_t)(HEADER + len) };
				msgs[j] = (struct mmsghdr){ .msg_hdr = {
					.msg_name = lc_channel_sockaddr(chan[c]), .msg_namelen = sizeof(struct sockaddr_in6),
					.msg_iov = &iov[j], .msg_iovlen = 1 } };
			}
			int done = 0;
			while (done < k) {
				int r = sendmmsg(fd, msgs + done, (unsigned)(k - done), 0);
				if (r < 0) {
					if (errno == EINTR) continue;
					errors++; /* counted as one lost pack: skip it and go on */
					r = 1;
				}
				done += r;
			}
			sent += k;
		}
		slot.tv_nsec += 1000000;
		if (slot.tv_nsec >= 1000000000) { slot.tv_sec++; slot.tv_nsec -= 1000000000; }
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &slot, NULL);
	}
	double t = mono() - t0;
	printf("%ld packs in %.3f s = %.0f packs/s (%ld send errors)\n", sent, t, sent / t, errors);
	lc_ctx_free(ctx);
	return errors ? 1 : 0;
}
