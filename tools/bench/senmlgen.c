/* senmlgen: SenML telemetry at a steady rate, for tools/bench/lcgw-rss.
 *
 *   senmlgen IFNAME RATE SECONDS CHANNEL...
 *
 * Sends RATE packs a second in total for SECONDS, round robin over the CHANNELs, each one
 * librecast 0.5.1 lc_msg_send of the pack an ESP32 node publishes (three records: temperature,
 * humidity, pressure; base name and time; values that change with every pack). Paced in 1 ms
 * slots against CLOCK_MONOTONIC, so a late slot catches up and the average rate holds. Prints
 * "N packs in T s = R packs/s". */
#define _GNU_SOURCE
#include <librecast/net.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
	for (int i = 0; i < n; i++) {
		chan[i] = lc_channel_new(ctx, argv[4 + i]);
		if (!chan[i] || lc_channel_bind(sock, chan[i])) {
			fprintf(stderr, "senmlgen: channel %s: %s\n", argv[4 + i], strerror(errno));
			return 1;
		}
	}
	char pack[512];
	long sent = 0, errors = 0;
	double t0 = mono(), end = t0 + seconds;
	struct timespec slot;
	clock_gettime(CLOCK_MONOTONIC, &slot);
	for (long ms = 1;; ms++) {
		double now = mono();
		if (now >= end) break;
		long due = (long)((now - t0) * rate);
		for (; sent < due; sent++) {
			struct timespec wall;
			clock_gettime(CLOCK_REALTIME, &wall);
			int len = snprintf(pack, sizeof pack,
				"[{\"bn\":\"urn:dev:lc:site1:node%d:\",\"bt\":%ld.%03ld,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":%.2f},"
				"{\"n\":\"humidity\",\"u\":\"%%RH\",\"v\":%.1f},{\"n\":\"pressure\",\"u\":\"Pa\",\"v\":%ld}]",
				(int)(sent % n) + 1, (long)wall.tv_sec, wall.tv_nsec / 1000000, 20 + (sent % 500) / 100.0,
				40 + (sent % 100) / 10.0, 101000 + sent % 600);
			lc_message_t msg;
			lc_msg_init_data(&msg, pack, (size_t)len, NULL, NULL);
			if (lc_msg_send(chan[sent % n], &msg) < 0) errors++;
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
