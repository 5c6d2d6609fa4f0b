using System;

namespace Librecast.Security
{
    /// <summary>
    /// Remembers the 64-bit random nonce (the frame header's rnd) of recent messages, whatever
    /// their source, so that a captured message replayed from a spoofed source address is caught:
    /// the <see cref="ReplayWindow"/> keys senders by source address and port, which nobody
    /// authenticates, and would take such a replay for a new sender's first message.
    /// </summary>
    /// <remarks>
    /// <para>Only meaningful on an encrypted channel, where rnd is authenticated: librecast (and
    /// this project) draw a fresh random rnd for every message, so a repeat is a copy. Two
    /// genuine messages share an rnd with odds about n²/2^65.</para>
    /// <para>Two generations of open-addressing tables of 64-bit keys, each with room for
    /// <see cref="Capacity"/> nonces at half load: the current one fills; when full it becomes
    /// the previous one and the old previous one is cleared. So at least the last Capacity
    /// nonces, and at most 2×Capacity, are remembered; a replay of an older message from a new
    /// source gets past this filter (the window's freshness bound, maxAge, is what catches it).
    /// Memory: 4 × Capacity × 8 bytes, allocated here. Not thread-safe; allocation-free.</para>
    /// </remarks>
    public sealed class NonceFilter
    {
        private readonly int capacity;
        private readonly int mask;
        private ulong[] current;
        private ulong[] previous;
        private int count;
        private long seen, repeats;

        /// <summary>A filter that remembers at least the last <paramref name="capacity"/> nonces (16 to 1,048,576).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is out of range.</exception>
        public NonceFilter(int capacity)
        {
            if (capacity < 16 || capacity > 1 << 20)
                throw new ArgumentOutOfRangeException("capacity", "between 16 and 1048576 nonces; got " + capacity);
            int slots = 32;
            while (slots < 2 * capacity) slots <<= 1;
            this.capacity = capacity;
            mask = slots - 1;
            current = new ulong[slots];
            previous = new ulong[slots];
        }

        /// <summary>Nonces remembered at least (the most recent ones).</summary>
        public int Capacity { get { return capacity; } }

        /// <summary>Nonces checked.</summary>
        public long Seen { get { return seen; } }

        /// <summary>Nonces that had been seen before (rejected as copies).</summary>
        public long Repeats { get { return repeats; } }

        /// <summary>
        /// Records <paramref name="nonce"/> and returns true if it is new; returns false (and
        /// records nothing) if it was seen among the recent nonces.
        /// </summary>
        public bool Add(ulong nonce)
        {
            seen++;
            // 0 marks an empty slot: nonce 0 is stored as 1 (a false match with odds 2^-64).
            ulong key = nonce == 0 ? 1 : nonce;
            if (Contains(previous, key) || Contains(current, key))
            {
                repeats++;
                return false;
            }
            if (count == capacity)
            {
                ulong[] old = previous;
                previous = current;
                for (int i = 0; i < old.Length; i++) old[i] = 0;
                current = old;
                count = 0;
            }
            int slot = Slot(key);
            while (current[slot] != 0) slot = (slot + 1) & mask;
            current[slot] = key;
            count++;
            return true;
        }

        private bool Contains(ulong[] table, ulong key)
        {
            // Load is at most one half: a probe ends at an empty slot within a few steps.
            for (int slot = Slot(key); table[slot] != 0; slot = (slot + 1) & mask)
            {
                if (table[slot] == key) return true;
            }
            return false;
        }

        private int Slot(ulong key)
        {
            // The nonce is random already; fold it so every bit matters for any table size.
            ulong h = key ^ (key >> 29) ^ (key >> 47);
            return (int)(h & (ulong)mask);
        }

        /// <summary>One line for logs: <c>nonces_seen=.. nonce_repeats=..</c>.</summary>
        public override string ToString()
        {
            return "nonces_seen=" + seen + " nonce_repeats=" + repeats;
        }
    }
}
