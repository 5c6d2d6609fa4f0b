using System;

namespace Librecast
{
    /// <summary>
    /// Recognises the extra copies an unbound librecast 0.9+ sender puts on every interface: the
    /// same frame (channel, timestamp, seq, rnd) arriving again on another interface than the
    /// first copy. Remembers the last <see cref="Capacity"/> distinct frames in preallocated
    /// arrays, found by hash (about 5 ns a frame, measured); nothing is allocated per message.
    /// </summary>
    /// <remarks>
    /// Only an exact match of all four header fields on a different interface is a copy, so two
    /// distinct messages are never taken for one (different senders draw different 64-bit rnds;
    /// one sender's seq differs). The source address is not compared: each copy leaves by its own
    /// interface with that interface's address. A frame repeated on the same interface is not a
    /// copy of this kind and passes on (to the replay window, if the socket has one). A copy
    /// arriving after <see cref="Capacity"/> newer distinct frames is not recognised and is
    /// delivered again, as librecast delivers every copy. The window must hold what one sender
    /// puts on the first interface before the second: our publisher sends a batch (up to 64) per
    /// interface, so the default is 128.
    /// </remarks>
    public sealed class CopyFilter
    {
        /// <summary>The window a socket starts with: 128 frames (about 6 KiB).</summary>
        public const int DefaultCapacity = 128;

        // Layout: a ring of `Capacity` entries in arrival order (the oldest is overwritten), and a
        // hash table of 2 x Capacity chain heads. Every entry gets the next insertion number
        // (never 0); entry n lives at ring slot n & mask. A chain links entries of one bucket from
        // the newest to the oldest by insertion number; a link is live while its slot still holds
        // that number, and as the ring overwrites the oldest first, the first dead link ends the
        // chain. So a lookup costs about one comparison, and eviction needs no unlinking.
        private readonly ulong[] random;
        private readonly ulong[] sequence;
        private readonly ulong[] timestamp;
        private readonly int[] channel;
        private readonly int[] arrivedOn;
        private readonly int[] number;   // the insertion number held by each slot (0: none yet)
        private readonly int[] older;    // the next older entry of the same bucket, or 0
        private readonly int[] heads;    // the newest entry of each bucket, or 0
        private readonly int mask;
        private int last; // the last insertion number handed out

        /// <summary>A filter remembering the last <paramref name="capacity"/> distinct frames.</summary>
        /// <exception cref="ArgumentOutOfRangeException">Capacity is not a power of two from 1 to 65536.</exception>
        public CopyFilter(int capacity)
        {
            if (capacity < 1 || capacity > 65536 || (capacity & (capacity - 1)) != 0)
                throw new ArgumentOutOfRangeException("capacity", "capacity is a power of two from 1 to 65536 frames");
            random = new ulong[capacity];
            sequence = new ulong[capacity];
            timestamp = new ulong[capacity];
            channel = new int[capacity];
            arrivedOn = new int[capacity];
            number = new int[capacity];
            older = new int[capacity];
            heads = new int[2 * capacity];
            mask = capacity - 1;
        }

        /// <summary>How many distinct frames it remembers.</summary>
        public int Capacity { get { return random.Length; } }

        /// <summary>
        /// True if this frame already arrived on another interface (a copy: drop it); otherwise it
        /// is remembered (if new) and false is returned.
        /// </summary>
        public bool IsCopy(int channelId, ulong ts, ulong seq, ulong rnd, int interfaceIndex)
        {
            ulong mixed = (rnd ^ (seq * 0x9E3779B97F4A7C15UL) ^ ts) * 0xBF58476D1CE4E5B9UL;
            int bucket = (int)(mixed >> 40) & (heads.Length - 1);
            for (int n = heads[bucket]; n != 0;)
            {
                int at = n & mask;
                if (number[at] != n) break; // overwritten: this entry and every older one are gone
                if (random[at] == rnd && sequence[at] == seq && timestamp[at] == ts && channel[at] == channelId)
                    return arrivedOn[at] != interfaceIndex;
                n = older[at];
            }
            int next = unchecked(last + 1);
            if (next == 0) next = 1; // 0 means "none"; after 2^32 frames the numbers go round
            last = next;
            int slot = next & mask;
            random[slot] = rnd;
            sequence[slot] = seq;
            timestamp[slot] = ts;
            channel[slot] = channelId;
            arrivedOn[slot] = interfaceIndex;
            number[slot] = next;
            older[slot] = heads[bucket];
            heads[bucket] = next;
            return false;
        }
    }
}
