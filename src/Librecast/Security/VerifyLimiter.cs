using System;

namespace Librecast.Security
{
    /// <summary>
    /// A budget for signature verification, shared by the <see cref="TokenFilter"/>s that use it
    /// (<see cref="TokenFilter.Limiter"/>): one verification at a time, and in the long run at most
    /// <see cref="Percent"/> percent of the time spent verifying, after a burst of
    /// <see cref="BurstMs"/>. A token bucket of milliseconds, timed on the platform's monotonic
    /// clock: it fills at Percent ms per 100 ms up to BurstMs; a check may start while it is not
    /// negative and takes out what the check took. While it is negative every datagram that would
    /// need a verification is dropped unverified (<see cref="TokenVerdict.RateLimited"/>, counted).
    /// So over any span T a flood of forged datagrams naming a trusted signer costs the receiver at
    /// most BurstMs + T x Percent / 100 + one check, whatever its processor.
    /// </summary>
    /// <remarks>A genuine datagram that arrives while the budget is spent is dropped too: a sender
    /// repeats (commands are a few a day, and the node obeys late rather than wrongly). Thread-safe.</remarks>
    public sealed class VerifyLimiter
    {
        private readonly IPlatform clock;
        private readonly int percent;
        private readonly long burstMs;
        private readonly object gate = new object();
        private bool busy, started;
        private long startedMs, lastMs, creditMs;

        /// <summary>A budget of <paramref name="percent"/> (1..100) of the time after a burst of <paramref name="burstMs"/> (0..; what a quiet spell saves up), timed on <paramref name="clock"/>'s monotonic clock.</summary>
        public VerifyLimiter(IPlatform clock, int percent, long burstMs)
        {
            if (clock == null) throw new ArgumentNullException("clock");
            if (percent < 1 || percent > 100) throw new ArgumentOutOfRangeException("percent", "1..100");
            if (burstMs < 0) throw new ArgumentOutOfRangeException("burstMs");
            this.clock = clock;
            this.percent = percent;
            this.burstMs = burstMs;
            creditMs = burstMs;
        }

        /// <summary>The share of the time verification may take in the long run, in percent.</summary>
        public int Percent { get { return percent; } }

        /// <summary>Milliseconds of verification a quiet spell saves up at most.</summary>
        public long BurstMs { get { return burstMs; } }

        /// <summary>Checks run under this budget (each one or two verifications).</summary>
        public int Checks { get; private set; }

        /// <summary>Milliseconds spent in them, in all.</summary>
        public long SpentMs { get; private set; }

        /// <summary>The longest single check, in milliseconds.</summary>
        public long LongestMs { get; private set; }

        /// <summary>Datagrams dropped unverified because the budget was spent (or a check was running).</summary>
        public int Refused { get; private set; }

        // Fills the bucket for the time since the last look (under gate).
        private void Fill(long now)
        {
            if (!started)
            {
                started = true;
                lastMs = now;
                return;
            }
            long elapsed = now - lastMs;
            if (elapsed > 0) creditMs += elapsed * percent / 100;
            if (creditMs > burstMs) creditMs = burstMs;
            lastMs = now;
        }

        // True (and busy) if a check may start now.
        internal bool TryBegin()
        {
            long now = clock.MonotonicMilliseconds();
            lock (gate)
            {
                Fill(now);
                if (busy || creditMs < 0)
                {
                    Refused++;
                    return false;
                }
                busy = true;
                startedMs = now;
                return true;
            }
        }

        internal void End()
        {
            long now = clock.MonotonicMilliseconds();
            lock (gate)
            {
                Fill(now);
                long took = now - startedMs;
                if (took < 0) took = 0;
                Checks++;
                SpentMs += took;
                if (took > LongestMs) LongestMs = took;
                creditMs -= took;
                busy = false;
            }
        }
    }
}
