namespace Librecast
{
    /// <summary>One transport counter of <see cref="Counters"/>; the value is its index in the table.</summary>
    public enum Counter
    {
        /// <summary>Messages accepted by a publisher's ring.</summary>
        Published = 0,
        /// <summary>Messages a publisher dropped under its overflow policy.</summary>
        Dropped = 1,
        /// <summary>Datagrams handed to the network.</summary>
        Sent = 2,
        /// <summary>Sends that failed.</summary>
        SendErrors = 3,
        /// <summary>Datagrams received and accepted.</summary>
        Received = 4,
        /// <summary>Datagrams that were not well-formed librecast frames.</summary>
        Malformed = 5,
        /// <summary>Datagrams larger than the receive buffer.</summary>
        Truncated = 6,
        /// <summary>Datagrams for groups no channel on the socket is bound to.</summary>
        Filtered = 7,
        /// <summary>Datagrams the kernel dropped because the receive buffer was full.</summary>
        KernelDrops = 8,
        /// <summary>Datagrams on encrypted channels that did not open with the key.</summary>
        Unauthenticated = 9,
        /// <summary>Framed messages rejected as duplicates, replays or stale.</summary>
        Replayed = 10,
        /// <summary>Datagrams sent one by one because segmentation offload (UDP GSO) was refused.</summary>
        GsoFallbacks = 11,
        /// <summary>Receive calls of a listener that failed.</summary>
        ReceiveErrors = 12,
        /// <summary>Framed messages dropped as another interface's copy of one already received (an unbound librecast 0.9+ sender).</summary>
        Duplicates = 13,
    }

    /// <summary>
    /// Transport counters of a <see cref="Context"/>: every datagram sent, received or rejected is
    /// counted, so nothing is lost silently. One table names each counter once (<see cref="NameOf"/>,
    /// <see cref="HelpOf"/>) for <see cref="ToString"/>, the CLI and lcgw's /metrics.
    /// </summary>
    /// <remarks>64-bit, never-decreasing, lock-free totals on Int32 operations: <see cref="CounterCells"/>.</remarks>
    public sealed class Counters
    {
        /// <summary>How many counters the table has.</summary>
        public const int Count = 14;

        private static readonly string[] Names = new string[]
        {
            "published", "dropped", "sent", "send_errors", "received", "malformed", "truncated",
            "filtered", "kernel_drops", "unauthenticated", "replayed", "gso_fallbacks", "receive_errors",
            "duplicates",
        };

        private static readonly string[] Helps = new string[]
        {
            "Messages accepted by a publisher ring.",
            "Messages a publisher dropped under its overflow policy (DropWrite, DropOldest).",
            "Datagrams handed to the network.",
            "Sends that failed (the error was also reported to the caller).",
            "Datagrams received and accepted (framed messages that decoded, or raw datagrams).",
            "Datagrams that were not well-formed librecast frames.",
            "Datagrams larger than the receive buffer (also counted as malformed).",
            "Datagrams for groups no channel on the socket is bound to (not delivered).",
            "Packets the kernel dropped because the socket's receive buffer was full (SO_RXQ_OVFL, Linux); with UDP GRO one packet may hold up to 64 datagrams.",
            "Datagrams on encrypted channels that did not open with the key (forged, tampered, other key, in clear), or on restricted channels that failed the token check, or could not be attributed to a channel.",
            "Framed messages the replay window or nonce filter rejected (duplicates, replays, stale).",
            "Datagrams sent one by one because the kernel refused to segment them (UDP GSO).",
            "Receive calls of a listener that failed (the listener goes on; the error also goes to its error handler, if it has one).",
            "Framed messages dropped because the same frame (channel, timestamp, seq, rnd) already arrived on another interface: the copies an unbound librecast 0.9+ sender puts on every interface.",
        };

        private readonly CounterCells cells = new CounterCells(Count);

        /// <summary>The counter's name in snake_case (<c>kernel_drops</c>); lcgw exports it as <c>lc_transport_NAME_total</c>.</summary>
        public static string NameOf(Counter counter) { return Names[(int)counter]; }

        /// <summary>One sentence saying what the counter counts.</summary>
        public static string HelpOf(Counter counter) { return Helps[(int)counter]; }

        /// <summary>The counter's total since the context was created: 64-bit, never decreasing.</summary>
        public long Get(Counter counter) { return cells.Get((int)counter); }

        internal void Increment(Counter counter) { cells.Increment((int)counter); }

        // amount is 0..2^31-1.
        internal void Add(Counter counter, int amount) { cells.Add((int)counter, amount); }

        /// <summary>
        /// Adds what a kernel's running 32-bit count (SO_RXQ_OVFL) grew by since
        /// <paramref name="last"/>, the value last seen for that socket, and remembers the new one.
        /// One caller per <paramref name="last"/>.
        /// </summary>
        internal void AddKernelDrops(ref int last, int raw)
        {
            int delta = unchecked(raw - last);
            last = raw;
            if (delta > 0) Add(Counter.KernelDrops, delta);
        }

        /// <summary>Messages accepted by a publisher's ring.</summary>
        public long Published { get { return Get(Counter.Published); } }
        /// <summary>Messages a publisher dropped under its overflow policy (DropWrite, DropOldest).</summary>
        public long Dropped { get { return Get(Counter.Dropped); } }
        /// <summary>Datagrams handed to the network.</summary>
        public long Sent { get { return Get(Counter.Sent); } }
        /// <summary>Sends that failed (the error was also reported to the caller).</summary>
        public long SendErrors { get { return Get(Counter.SendErrors); } }
        /// <summary>Datagrams received and accepted (framed messages that decoded, or raw datagrams).</summary>
        public long Received { get { return Get(Counter.Received); } }
        /// <summary>Datagrams rejected because they were not a well-formed librecast frame.</summary>
        public long Malformed { get { return Get(Counter.Malformed); } }
        /// <summary>Datagrams larger than the receive buffer (also counted as malformed).</summary>
        public long Truncated { get { return Get(Counter.Truncated); } }
        /// <summary>Datagrams for groups no channel on the socket is bound to (not delivered).</summary>
        public long Filtered { get { return Get(Counter.Filtered); } }
        /// <summary>
        /// Packets the kernel dropped because the socket's receive buffer was full (SO_RXQ_OVFL,
        /// Linux). Without GRO one packet is one datagram; with GRO (<see cref="ListenOptions.Gro"/>)
        /// the kernel counts a coalesced packet once, however many datagrams it held (measured:
        /// 561 drops for 35,904 missing 97-byte datagrams sent 64 per GSO packet).
        /// </summary>
        public long KernelDrops { get { return Get(Counter.KernelDrops); } }
        /// <summary>Datagrams on encrypted channels that did not open with the key (forged, tampered, wrong key, in clear), or could not be attributed to a channel.</summary>
        public long Unauthenticated { get { return Get(Counter.Unauthenticated); } }
        /// <summary>Framed messages the socket's replay window rejected (duplicates, replays, stale).</summary>
        public long Replayed { get { return Get(Counter.Replayed); } }
        /// <summary>Datagrams sent one by one because the kernel refused to segment them (UDP GSO); 0 where GSO works or is not used.</summary>
        public long GsoFallbacks { get { return Get(Counter.GsoFallbacks); } }
        /// <summary>Receive calls of a listener that failed (the listener goes on).</summary>
        public long ReceiveErrors { get { return Get(Counter.ReceiveErrors); } }
        /// <summary>Framed messages dropped as another interface's copy of one already received (<see cref="CopyFilter"/>).</summary>
        public long Duplicates { get { return Get(Counter.Duplicates); } }

        /// <summary>One line, for logs and the CLI: <c>published=.. dropped=.. sent=.. ...</c>, every counter of the table in order.</summary>
        public override string ToString()
        {
            string line = "";
            for (int i = 0; i < Count; i++)
                line += (i == 0 ? "" : " ") + Names[i] + "=" + Get((Counter)i);
            return line;
        }
    }
}
