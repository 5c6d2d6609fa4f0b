using System.Threading;

namespace Librecast
{
    /// <summary>
    /// The cells behind a counter table (<see cref="Counters"/>, <see cref="NackCounters"/>):
    /// 64-bit totals that never go backwards, lock-free, on Int32 <see cref="Interlocked"/> only.
    /// </summary>
    /// <remarks>
    /// nanoFramework's <see cref="Interlocked"/> has Int32 operations only, yet totals must be
    /// 64-bit and never go backwards (Prometheus reads a drop as a counter reset). Each counter is
    /// two Int32 cells: <c>low</c>, the total modulo 2^32, and <c>halves</c>, how many times low
    /// crossed a multiple of 2^31 (bumped by the writer that crossed it, just after). A reader
    /// takes halves, then low: low's top bit must equal halves' parity; if it does not, the
    /// crossing writer has not bumped halves yet and the reader counts it. Exact and lock-free for
    /// 2^62 events, whatever the readers' timing; writers add less than 2^31 at a time.
    /// </remarks>
    internal sealed class CounterCells
    {
        private readonly int[] low;
        private readonly int[] halves;

        internal CounterCells(int count)
        {
            low = new int[count];
            halves = new int[count];
        }

        internal long Get(int id)
        {
            long h = Interlocked.CompareExchange(ref halves[id], 0, 0);
            uint l = (uint)Interlocked.CompareExchange(ref low[id], 0, 0);
            if ((l >> 31) != (uint)(h & 1)) h++; // the crossing writer has not bumped halves yet
            return ((h >> 1) << 32) + l;
        }

        internal void Increment(int id)
        {
            if ((Interlocked.Increment(ref low[id]) & 0x7FFFFFFF) == 0) Interlocked.Increment(ref halves[id]);
        }

        // nanoFramework's Interlocked has no Add: a compare-and-swap loop does it. amount is 0..2^31-1.
        internal void Add(int id, int amount)
        {
            if (amount <= 0) return;
            while (true)
            {
                int seen = Interlocked.CompareExchange(ref low[id], 0, 0);
                int next = unchecked(seen + amount);
                if (Interlocked.CompareExchange(ref low[id], next, seen) != seen) continue;
                if (((seen ^ next) & unchecked((int)0x80000000)) != 0) Interlocked.Increment(ref halves[id]);
                return;
            }
        }
    }
}
