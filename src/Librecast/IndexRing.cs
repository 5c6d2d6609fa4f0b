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
    /// (acquire). nanoFramework offers no <c>Volatile</c> and no memory barrier, only
    /// <see cref="Interlocked"/> (Int32 Increment, Decrement, Exchange, CompareExchange), which is
    /// a full fence there and on .NET. So each operation makes exactly two of them: the CAS that
    /// claims the position, and the Exchange that publishes (writer) or frees (reader) the cell.
    /// Everything else is a plain access placed by those fences. The first read of
    /// <c>tail</c>/<c>head</c> is a guess the CAS checks: a stale one finds a cell whose sequence
    /// is not the one it needs, or fails the CAS, and goes round with the position re-read
    /// through Interlocked. The plain sequence read that says "free"/"written" only leads to
    /// that CAS (a sequence only grows, so it cannot make anyone claim a cell that is not theirs);
    /// one that says "full"/"empty" is confirmed by an Interlocked read before it is answered, so
    /// no loop, here or a caller's, spins on a cached value. The writer's value store comes
    /// before its publishing Exchange, the reader's value load after its claiming CAS, and
    /// neither can pass a fence. (Before, every access was an Interlocked call, five per
    /// operation; the cost is measured in docs/performance.md.) <see cref="TryEnqueueMany"/> and
    /// <see cref="TryDequeueMany"/> claim a run of cells with one CAS when each cell's plain-read
    /// sequence says it is ready (the CAS proves none was taken meanwhile), then publish or free
    /// the first through Interlocked and the rest with plain stores after that fence. Claiming a
    /// position by CAS makes each cell owned by exactly one writer and then exactly one reader
    /// per lap: nothing is lost or duplicated. Writes never block: <see cref="TryEnqueue"/>
    /// returns false when full.</para>
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
            int pos = tail; // a guess: the CAS checks it
            while (true)
            {
                int cell = pos & mask;
                int seq = sequence[cell]; // followed by a fence on every path that goes round again
                int dif = seq - pos;
                if (dif == 0)
                {
                    int seen = Interlocked.CompareExchange(ref tail, pos + 1, pos);
                    if (seen == pos)
                    {
                        values[cell] = value; // published by the Exchange below
                        Interlocked.Exchange(ref sequence[cell], pos + 1);
                        return true;
                    }
                    pos = seen;
                }
                else if (dif < 0)
                {
                    // The reader of the previous lap has not freed it: full, if a fenced read
                    // agrees (a caller may spin on this: its answer must never be a cached one).
                    if (Interlocked.CompareExchange(ref sequence[cell], 0, 0) - pos < 0) return false;
                    pos = Interlocked.CompareExchange(ref tail, 0, 0);
                }
                else pos = Interlocked.CompareExchange(ref tail, 0, 0);
            }
        }

        /// <summary>Takes the oldest value; false if the ring is empty.</summary>
        public bool TryDequeue(out int value)
        {
            int pos = head; // a guess: the CAS checks it
            while (true)
            {
                int cell = pos & mask;
                int seq = sequence[cell]; // followed by a fence on every path that goes round again
                int dif = seq - (pos + 1);
                if (dif == 0)
                {
                    int seen = Interlocked.CompareExchange(ref head, pos + 1, pos);
                    if (seen == pos)
                    {
                        value = values[cell]; // after the claiming CAS, which it cannot pass
                        Interlocked.Exchange(ref sequence[cell], pos + mask + 1);
                        return true;
                    }
                    pos = seen;
                }
                else if (dif < 0)
                {
                    // Not yet written: empty, if a fenced read agrees (as in TryEnqueue).
                    if (Interlocked.CompareExchange(ref sequence[cell], 0, 0) - (pos + 1) < 0)
                    {
                        value = -1;
                        return false;
                    }
                    pos = Interlocked.CompareExchange(ref head, 0, 0);
                }
                else pos = Interlocked.CompareExchange(ref head, 0, 0);
            }
        }

        /// <summary>
        /// Queues <paramref name="count"/> values from <paramref name="from"/>[offset..], or as many
        /// as fit: returns how many were queued, in order (0: full). One CAS claims them all.
        /// </summary>
        public int TryEnqueueMany(int[] from, int offset, int count)
        {
            if (count <= 0) return 0;
            while (true)
            {
                int pos = Interlocked.CompareExchange(ref tail, 0, 0);
                int k = 0;
                while (k < count && sequence[(pos + k) & mask] == pos + k) k++; // free for this lap
                if (k == 0) return TryEnqueue(from[offset]) ? 1 : 0; // decides "full" with a fenced read
                if (Interlocked.CompareExchange(ref tail, pos + k, pos) != pos) continue;
                for (int i = 0; i < k; i++) values[(pos + i) & mask] = from[offset + i];
                // Publish: the first through Interlocked, a fence after every value store; the
                // others after that fence, which they cannot pass.
                Interlocked.Exchange(ref sequence[pos & mask], pos + 1);
                for (int i = 1; i < k; i++) sequence[(pos + i) & mask] = pos + i + 1;
                return k;
            }
        }

        /// <summary>
        /// Takes up to <paramref name="max"/> of the oldest values into <paramref name="into"/>[offset..]:
        /// returns how many (0: empty). One CAS claims them all.
        /// </summary>
        public int TryDequeueMany(int[] into, int offset, int max)
        {
            if (max <= 0) return 0;
            while (true)
            {
                int pos = Interlocked.CompareExchange(ref head, 0, 0);
                int k = 0;
                while (k < max && sequence[(pos + k) & mask] == pos + k + 1) k++; // written, not yet taken
                if (k == 0)
                {
                    int value;
                    if (!TryDequeue(out value)) return 0; // decides "empty" with a fenced read
                    into[offset] = value;
                    return 1;
                }
                if (Interlocked.CompareExchange(ref head, pos + k, pos) != pos) continue;
                for (int i = 0; i < k; i++) into[offset + i] = values[(pos + i) & mask];
                // Free for the next lap: the first through Interlocked, a fence after every value
                // load; the others after that fence, which they cannot pass.
                Interlocked.Exchange(ref sequence[pos & mask], pos + mask + 1);
                for (int i = 1; i < k; i++) sequence[(pos + i) & mask] = pos + i + mask + 1;
                return k;
            }
        }
    }
}
