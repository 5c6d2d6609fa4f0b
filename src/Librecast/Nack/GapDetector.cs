using System;

namespace Librecast
{
    /// <summary>
    /// Sequence-gap detection for one channel's framed messages (the receiver's half of librecast
    /// 0.6+'s NACK repair, <c>lc_channel_detect_gaps</c>): says for each received seq whether to
    /// deliver it, and which missing seqs to NACK now. No sockets, no clock of its own, no
    /// allocation after construction: <see cref="GapRepair"/> sends what it asks for.
    /// </summary>
    /// <remarks>
    /// <para>State: the highest seq seen H and a bitmap of the <see cref="WindowSize"/> seqs
    /// H-W+1..H, a ring of 64-bit words indexed by seq (as <see cref="Security.ReplayWindow"/>).
    /// Seqs below the first one seen (the floor) are not known to exist and are never NACKed.
    /// Like librecast, one window per channel, whatever the source: two senders on one channel
    /// confuse it (their seqs interleave).</para>
    /// <para>When NACKs go out: on the arrival of a seq above H (as librecast sends them "on
    /// arrival of later seqs"), for every unreceived seq in the window that is due. A seq is due
    /// if it was NACKed fewer than <see cref="MaxTries"/> times and not within the last
    /// <see cref="RetryMilliseconds"/>. librecast 0.11.2 NACKs every missing seq again on every
    /// later arrival and once more as it leaves its 64-seq window; we do not send the leaving one
    /// (its repair would land below the window, where duplicates cannot be told apart).</para>
    /// <para>What bounds the NACKs, so a receiver cannot storm its sender: at most
    /// <see cref="MaxNacksPerArrival"/> per arrival; at most MaxTries per missing seq over its
    /// life, at least RetryMilliseconds apart; only seqs within W of the highest; a jump of W or
    /// more (an outage, a restart, a forged seq) NACKs nothing and starts the window afresh. So
    /// NACKs sent ≤ min(MaxNacksPerArrival × arrivals, MaxTries × seqs lost).</para>
    /// <para>Restart: a seq below the window is delivered as Late; <see cref="RestartAfter"/> of
    /// them in a row mean the sender restarted (librecast numbers from 1 again) and the window
    /// starts at the last. Not thread-safe: one receive loop owns it.</para>
    /// </remarks>
    public sealed class GapDetector
    {
        /// <summary>Default window: 256 seqs (librecast's own is 64; a flood outruns 64 before a repair can come back).</summary>
        public const int DefaultWindowSize = 256;

        /// <summary>Most NACKs one arrival may ask for.</summary>
        public const int MaxNacksPerArrival = 16;

        /// <summary>How many times one missing seq is NACKed at most.</summary>
        public const int MaxTries = 3;

        /// <summary>Least time between two NACKs for the same seq, in milliseconds.</summary>
        public const long RetryMilliseconds = 50;

        /// <summary>How many seqs below the window in a row make a restart.</summary>
        public const int RestartAfter = 4;

        private readonly int windowSize;
        private readonly int words;
        private readonly ulong[] bits;
        private readonly byte[] tries;
        private readonly long[] lastNack;
        private readonly ulong[] due = new ulong[MaxNacksPerArrival];
        private int dueCount;
        private bool started;
        private ulong highest;
        private ulong floor;
        private int missing; // unreceived seqs in [max(floor, H-W+1), H)
        private int lateRun;

        /// <summary>A detector with a window of <see cref="DefaultWindowSize"/> seqs.</summary>
        public GapDetector() : this(DefaultWindowSize)
        {
        }

        /// <summary>A detector remembering the last <paramref name="windowSize"/> seqs (a multiple of 64, 64..4096).</summary>
        /// <exception cref="ArgumentOutOfRangeException">The window is not a multiple of 64 from 64 to 4096.</exception>
        public GapDetector(int windowSize)
        {
            if (windowSize < 64 || windowSize > 4096 || windowSize % 64 != 0)
                throw NackOptions.Range("windowSize", "64..4096, a multiple of 64", windowSize);
            this.windowSize = windowSize;
            words = windowSize / 64;
            bits = new ulong[words];
            tries = new byte[windowSize];
            lastNack = new long[windowSize];
        }

        /// <summary>How many seqs behind the highest one a gap is still tracked.</summary>
        public int WindowSize { get { return windowSize; } }

        /// <summary>The highest seq seen (0 before the first).</summary>
        public ulong Highest { get { return highest; } }

        /// <summary>Unreceived seqs in the window now.</summary>
        public int Missing { get { return missing; } }

        /// <summary>How many NACKs the last <see cref="Observe"/> asked for (<see cref="DueAt"/>).</summary>
        public int DueCount { get { return dueCount; } }

        /// <summary>The <paramref name="i"/>-th seq the last <see cref="Observe"/> asked to NACK.</summary>
        public ulong DueAt(int i)
        {
            if (i < 0 || i >= dueCount) throw new ArgumentOutOfRangeException("i");
            return due[i];
        }

        /// <summary>Missing seqs that left the window unreceived since the last call (the caller counts them), then zero.</summary>
        public int TakeAbandoned()
        {
            int n = abandoned;
            abandoned = 0;
            return n;
        }

        private int abandoned;

        /// <summary>
        /// Takes one received <paramref name="seq"/> at <paramref name="nowMs"/> (a monotonic clock)
        /// and says what it is; afterwards <see cref="DueCount"/>/<see cref="DueAt"/> list the seqs to NACK now.
        /// </summary>
        public GapVerdict Observe(ulong seq, long nowMs)
        {
            dueCount = 0;
            if (!started || (seq > highest && seq - highest >= (ulong)windowSize))
            {
                if (started) AbandonAll();
                Start(seq);
                return GapVerdict.New;
            }
            if (seq > highest)
            {
                lateRun = 0;
                Advance(seq);
                CollectDue(nowMs);
                return GapVerdict.New;
            }
            ulong behind = highest - seq;
            if (behind < (ulong)windowSize && seq >= floor)
            {
                lateRun = 0;
                int bit = (int)(seq % (ulong)windowSize);
                if (IsSet(bit)) return GapVerdict.Duplicate;
                Set(bit);
                missing--;
                return tries[bit] > 0 ? GapVerdict.Repaired : GapVerdict.Reordered;
            }
            if (behind < (ulong)windowSize) return GapVerdict.Late; // before the first seen, inside the window
            if (++lateRun < RestartAfter) return GapVerdict.Late;
            AbandonAll();
            Start(seq);
            return GapVerdict.Restarted;
        }

        private void Start(ulong seq)
        {
            started = true;
            Array.Clear(bits, 0, words);
            highest = seq;
            floor = seq;
            missing = 0;
            lateRun = 0;
            Set((int)(seq % (ulong)windowSize));
        }

        // Moves H up to seq (less than W above it): each seq passed is cleared and missing; each
        // slot reused belonged to seq-W, given up if it never came.
        private void Advance(ulong seq)
        {
            for (ulong s = highest + 1; s <= seq; s++)
            {
                int bit = (int)(s % (ulong)windowSize);
                ulong leaving = s - (ulong)windowSize; // no wrap: s > W here whenever leaving >= floor matters
                if (s >= (ulong)windowSize && leaving >= floor && !IsSet(bit))
                {
                    missing--;
                    abandoned++;
                }
                Clear(bit);
                tries[bit] = 0;
                lastNack[bit] = 0;
                if (s != seq) missing++;
            }
            Set((int)(seq % (ulong)windowSize));
            highest = seq;
        }

        private void AbandonAll()
        {
            abandoned += missing;
            missing = 0;
        }

        private void CollectDue(long nowMs)
        {
            if (missing == 0) return;
            ulong low = highest - (ulong)(windowSize - 1);
            if (highest < (ulong)(windowSize - 1) || low < floor) low = floor;
            for (ulong s = low; s < highest && dueCount < MaxNacksPerArrival; s++)
            {
                int bit = (int)(s % (ulong)windowSize);
                if (IsSet(bit) || tries[bit] >= MaxTries) continue;
                if (tries[bit] > 0 && nowMs - lastNack[bit] < RetryMilliseconds) continue;
                tries[bit]++;
                lastNack[bit] = nowMs;
                due[dueCount++] = s;
            }
        }

        private bool IsSet(int bit) { return (bits[bit >> 6] & (1UL << (bit & 63))) != 0; }

        private void Set(int bit) { bits[bit >> 6] |= 1UL << (bit & 63); }

        private void Clear(int bit) { bits[bit >> 6] &= ~(1UL << (bit & 63)); }
    }
}
