using System.Threading;

namespace Librecast
{
    /// <summary>
    /// Transport counters of a <see cref="Context"/>: every datagram sent, received or rejected is
    /// counted, so nothing is lost silently.
    /// </summary>
    /// <remarks>
    /// Updated with Int32 <see cref="Interlocked"/> operations only, because that is all
    /// nanoFramework offers; a counter wraps after 2^31 events (readers should take differences).
    /// </remarks>
    public sealed class Counters
    {
        // Fields, not properties, so the core can pass them to Interlocked.Increment by ref.
        internal int published;
        internal int dropped;
        internal int sent;
        internal int sendErrors;
        internal int received;
        internal int malformed;
        internal int truncated;
        internal int filtered;
        internal int kernelDrops;
        internal int unauthenticated;
        internal int replayed;

        /// <summary>Messages accepted by a publisher's ring.</summary>
        public int Published { get { return published; } }
        /// <summary>Messages a publisher dropped under its overflow policy (DropNewest, DropOldest).</summary>
        public int Dropped { get { return dropped; } }
        /// <summary>Datagrams handed to the network.</summary>
        public int Sent { get { return sent; } }
        /// <summary>Sends that failed (the error was also reported to the caller).</summary>
        public int SendErrors { get { return sendErrors; } }
        /// <summary>Datagrams received and accepted (framed messages that decoded, or raw datagrams).</summary>
        public int Received { get { return received; } }
        /// <summary>Datagrams rejected because they were not a well-formed librecast frame.</summary>
        public int Malformed { get { return malformed; } }
        /// <summary>Datagrams larger than the receive buffer (also counted as malformed).</summary>
        public int Truncated { get { return truncated; } }
        /// <summary>Datagrams for groups no channel on the socket is bound to (not delivered).</summary>
        public int Filtered { get { return filtered; } }

        // nanoFramework's Interlocked has no Add: a compare-and-swap loop does it.
        internal static void Add(ref int counter, int amount)
        {
            while (true)
            {
                int seen = Interlocked.CompareExchange(ref counter, 0, 0);
                if (Interlocked.CompareExchange(ref counter, seen + amount, seen) == seen) return;
            }
        }

        /// <summary>Datagrams the kernel dropped because the socket's receive buffer was full (SO_RXQ_OVFL, Linux).</summary>
        public int KernelDrops { get { return kernelDrops; } }

        /// <summary>Datagrams on encrypted channels that did not open with the key (forged, tampered, wrong key, in clear), or could not be attributed to a channel.</summary>
        public int Unauthenticated { get { return unauthenticated; } }

        /// <summary>Framed messages the socket's replay window rejected (duplicates, replays, stale).</summary>
        public int Replayed { get { return replayed; } }

        /// <summary>One line, for logs and the CLI: <c>published=.. dropped=.. sent=.. send_errors=.. received=.. malformed=.. truncated=.. filtered=.. kernel_drops=.. unauthenticated=.. replayed=..</c>.</summary>
        public override string ToString()
        {
            return "published=" + Published + " dropped=" + Dropped + " sent=" + Sent + " send_errors=" + SendErrors + " received=" + Received +
                   " malformed=" + Malformed + " truncated=" + Truncated + " filtered=" + Filtered +
                   " kernel_drops=" + KernelDrops + " unauthenticated=" + Unauthenticated + " replayed=" + Replayed;
        }
    }
}
