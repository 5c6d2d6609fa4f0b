using System;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// A bounded, lock-free, many-producer many-consumer queue of non-negative ints (buffer
    /// indices). The publish ring and the buffer pool's free list are both one of these.
    /// </summary>
    /// <remarks>
    /// <para>Layout: <c>capacity</c> cells, a power of two; cell i holds a sequence number
    /// <c>sequence[i]</c> and a value <c>values[i]</c>; two counters, <c>tail</c> (next write
    /// position) and <c>head</c> (next read position). Positions grow without bound and wrap
    /// around Int32 (all comparisons are differences, which stay correct across the wrap as long
    /// as fewer than 2^31 operations are in flight — the capacity bounds that).</para>
    /// <para>Protocol (D. Vyukov's bounded MPMC queue): cell <c>p &amp; mask</c> is free for the
    /// writer of position p when its sequence equals p, and full for the reader of position p
    /// when its sequence equals p + 1. A writer claims position p by CAS on <c>tail</c>, stores
    /// the value, then publishes by setting the sequence to p + 1. A reader claims p by CAS on
    /// <c>head</c>, takes the value, then frees the cell for the next lap by setting its sequence
    /// to p + capacity.</para>
    /// <para>Memory ordering: the value store must become visible before the sequence store that
    /// publishes it (release), and a reader must see the sequence before it reads the value
    /// (acquire). Every shared read and write here goes through <see cref="Interlocked"/>, which
    /// is a full fence on .NET and on nanoFramework — stronger than needed, and the only atomic
    /// nanoFramework offers (Int32 Increment, Decrement, Exchange, CompareExchange), so the same
    /// code is correct on both. Claiming a position by CAS makes each cell owned by exactly one
    /// writer and then exactly one reader per lap: nothing is lost or duplicated. Writes never
    /// block: <see cref="TryEnqueue"/> returns false when full.</para>
    /// </remarks>
    public sealed class IndexRing
    {
        private readonly int[] sequence;
        private readonly int[] values;
        private readonly int mask;
        private int tail;
        private int head;

        /// <summary>Creates an empty ring of <paramref name="capacity"/> cells (a power of two, at least 2).</summary>
        /// <exception cref="ArgumentOutOfRangeException">capacity is not a power of two of at least 2.</exception>
        public IndexRing(int capacity)
        {
            if (capacity < 2 || (capacity & (capacity - 1)) != 0)
                throw new ArgumentOutOfRangeException("capacity", "must be a power of two, at least 2");
            sequence = new int[capacity];
            values = new int[capacity];
            mask = capacity - 1;
            for (int i = 0; i < capacity; i++) sequence[i] = i;
        }

        /// <summary>Number of cells.</summary>
        public int Capacity { get { return mask + 1; } }

        /// <summary>Approximate number of queued values (exact when no operation is in flight).</summary>
        public int Count
        {
            get
            {
                int n = Interlocked.CompareExchange(ref tail, 0, 0) - Interlocked.CompareExchange(ref head, 0, 0);
                return n < 0 ? 0 : (n > mask + 1 ? mask + 1 : n);
            }
        }

        /// <summary>Queues <paramref name="value"/>; false (and nothing changed) if the ring is full.</summary>
        public bool TryEnqueue(int value)
        {
            int pos = Interlocked.CompareExchange(ref tail, 0, 0);
            while (true)
            {
                int cell = pos & mask;
                int seq = Interlocked.CompareExchange(ref sequence[cell], 0, 0);
                int dif = seq - pos;
                if (dif == 0)
                {
                    int seen = Interlocked.CompareExchange(ref tail, pos + 1, pos);
                    if (seen == pos)
                    {
                        Interlocked.Exchange(ref values[cell], value);
                        Interlocked.Exchange(ref sequence[cell], pos + 1);
                        return true;
                    }
                    pos = seen;
                }
                else if (dif < 0) return false; // the reader of the previous lap has not freed it: full
                else pos = Interlocked.CompareExchange(ref tail, 0, 0);
            }
        }

        /// <summary>Takes the oldest value; false if the ring is empty.</summary>
        public bool TryDequeue(out int value)
        {
            int pos = Interlocked.CompareExchange(ref head, 0, 0);
            while (true)
            {
                int cell = pos & mask;
                int seq = Interlocked.CompareExchange(ref sequence[cell], 0, 0);
                int dif = seq - (pos + 1);
                if (dif == 0)
                {
                    int seen = Interlocked.CompareExchange(ref head, pos + 1, pos);
                    if (seen == pos)
                    {
                        value = Interlocked.CompareExchange(ref values[cell], 0, 0);
                        Interlocked.Exchange(ref sequence[cell], pos + mask + 1);
                        return true;
                    }
                    pos = seen;
                }
                else if (dif < 0)
                {
                    value = -1;
                    return false; // not yet written: empty
                }
                else pos = Interlocked.CompareExchange(ref head, 0, 0);
            }
        }
    }
}
