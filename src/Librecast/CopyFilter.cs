using System;

namespace Librecast
{
    /// <summary>
    /// Recognises the extra copies an unbound librecast 0.9+ sender puts on every interface: the
    /// same frame (channel, timestamp, seq, rnd) arriving again on another interface than the
    /// first copy. Remembers the last <see cref="Capacity"/> distinct frames in preallocated
    /// arrays; nothing is allocated per message.
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
        /// <summary>The window a socket starts with: 128 frames (4 KiB).</summary>
        public const int DefaultCapacity = 128;

        private readonly ulong[] random;
        private readonly ulong[] sequence;
        private readonly ulong[] timestamp;
        private readonly int[] channel;
        private readonly int[] arrivedOn;
        private int next; // the oldest entry, overwritten by the next distinct frame
        private int used;

        /// <summary>A filter remembering the last <paramref name="capacity"/> distinct frames.</summary>
        /// <exception cref="ArgumentOutOfRangeException">Capacity is not 1..65536.</exception>
        public CopyFilter(int capacity)
        {
            if (capacity < 1 || capacity > 65536) throw new ArgumentOutOfRangeException("capacity", "capacity is 1..65536 frames");
            random = new ulong[capacity];
            sequence = new ulong[capacity];
            timestamp = new ulong[capacity];
            channel = new int[capacity];
            arrivedOn = new int[capacity];
        }

        /// <summary>How many distinct frames it remembers.</summary>
        public int Capacity { get { return random.Length; } }

        /// <summary>
        /// True if this frame already arrived on another interface (a copy: drop it); otherwise it
        /// is remembered (if new) and false is returned.
        /// </summary>
        public bool IsCopy(int channelId, ulong ts, ulong seq, ulong rnd, int interfaceIndex)
        {
            // Newest first: a copy usually follows its original closely. rnd first: it is random,
            // so nearly every comparison ends there.
            int at = next;
            for (int k = 0; k < used; k++)
            {
                at = at == 0 ? random.Length - 1 : at - 1;
                if (random[at] != rnd || sequence[at] != seq || timestamp[at] != ts || channel[at] != channelId) continue;
                return arrivedOn[at] != interfaceIndex;
            }
            random[next] = rnd;
            sequence[next] = seq;
            timestamp[next] = ts;
            channel[next] = channelId;
            arrivedOn[next] = interfaceIndex;
            next = next + 1 == random.Length ? 0 : next + 1;
            if (used < random.Length) used++;
            return false;
        }
    }
}
