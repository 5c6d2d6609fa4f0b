using System;

namespace Librecast
{
    /// <summary>
    /// A token bucket for NACK resends: <see cref="Rate"/> a second, <see cref="Burst"/> at once,
    /// on a monotonic millisecond clock, integer arithmetic only. However many NACKs arrive,
    /// resends over any interval T (ms) number at most Burst + Rate × T / 1000.
    /// </summary>
    /// <remarks>Credit is kept in thousandths of a resend: each millisecond adds Rate of them, a
    /// resend costs 1000, the bucket holds Burst × 1000. Not thread-safe: the responder's thread owns it.</remarks>
    public sealed class ResendLimiter
    {
        private readonly long cap;
        private long credit;
        private long last;

        /// <summary>A full bucket at <paramref name="nowMs"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException">rate or burst below 1 or above 1,000,000.</exception>
        public ResendLimiter(int rate, int burst, long nowMs)
        {
            if (rate < 1 || rate > 1000000) throw NackOptions.Range("ResendsPerSecond", "1..10^6", rate);
            if (burst < 1 || burst > 1000000) throw NackOptions.Range("Burst", "1..10^6", burst);
            Rate = rate;
            Burst = burst;
            cap = (long)burst * 1000;
            credit = cap;
            last = nowMs;
        }

        /// <summary>Resends a second, sustained.</summary>
        public int Rate { get; }

        /// <summary>Resends at once.</summary>
        public int Burst { get; }

        /// <summary>Takes one resend's credit at <paramref name="nowMs"/> if there is one; false: refuse.</summary>
        public bool TryTake(long nowMs)
        {
            if (nowMs > last)
            {
                long elapsed = nowMs - last;
                // Saturate before multiplying: a long idle fills the bucket, never overflows it.
                credit = elapsed >= cap / Rate + 1 ? cap : credit + elapsed * Rate;
                if (credit > cap) credit = cap;
                last = nowMs;
            }
            if (credit < 1000) return false;
            credit -= 1000;
            return true;
        }
    }
}
