using System;

namespace Librecast.Security
{
    /// <summary>
    /// A budget for signature verification, shared by the <see cref="TokenFilter"/>s that use it
    /// (<see cref="TokenFilter.Limiter"/>): one verification at a time, and at most
    /// <see cref="Percent"/> percent of the time spent verifying. After a check that took d
    /// milliseconds (timed on the platform's monotonic clock) every datagram that would need a
    /// verification is dropped unverified for d x (100 - Percent) / Percent ms
    /// (<see cref="TokenVerdict.RateLimited"/>, counted). So a flood of forged datagrams naming a
    /// trusted signer costs the receiver at most that share of its time, whatever its processor:
    /// an ESP32 that takes 10-20 s per command (docs/security.md) verifies one and then drops for
    /// 30-60 s at 25%; a host that takes a millisecond drops for 3 ms.
    /// </summary>
    /// <remarks>A genuine datagram that arrives while the budget is spent is dropped too: a sender
    /// repeats (commands are a few a day, and the node obeys late rather than wrongly). Thread-safe.</remarks>
    public sealed class VerifyLimiter
    {
        private readonly IPlatform clock;
        private readonly int percent;
        private readonly object gate = new object();
        private bool busy;
        private long startedMs;
        private long blockedUntilMs;

        /// <summary>A budget of <paramref name="percent"/> (1..100) of the time, timed on <paramref name="clock"/>'s monotonic clock.</summary>
        public VerifyLimiter(IPlatform clock, int percent)
        {
            if (clock == null) throw new ArgumentNullException("clock");
            if (percent < 1 || percent > 100) throw new ArgumentOutOfRangeException("percent", "1..100");
            this.clock = clock;
            this.percent = percent;
        }

        /// <summary>The share of the time verification may take, in percent.</summary>
        public int Percent { get { return percent; } }

        /// <summary>Checks run under this budget (each one or two verifications).</summary>
        public int Checks { get; private set; }

        /// <summary>Milliseconds spent in them, in all.</summary>
        public long SpentMs { get; private set; }

        /// <summary>The longest single check, in milliseconds.</summary>
        public long LongestMs { get; private set; }

        /// <summary>Datagrams dropped unverified because the budget was spent (or a check was running).</summary>
        public int Refused { get; private set; }

        // True (and busy) if a check may start now.
        internal bool TryBegin()
        {
            long now = clock.MonotonicMilliseconds();
            lock (gate)
            {
                if (busy || now < blockedUntilMs)
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
                long took = now - startedMs;
                if (took < 0) took = 0;
                Checks++;
                SpentMs += took;
                if (took > LongestMs) LongestMs = took;
                blockedUntilMs = now + took * (100 - percent) / percent;
                busy = false;
            }
        }
    }
}
