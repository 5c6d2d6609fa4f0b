namespace Librecast
{
    /// <summary>One transport counter of <see cref="Counters"/>; the value is its row in the table.</summary>
    /// <remarks>Each summary here is the counter's help text, word for word (a test compares them).</remarks>
    public enum Counter
    {
        /// <summary>Messages accepted by a publisher ring.</summary>
        Published = 0,
        /// <summary>Messages a publisher dropped under its overflow policy (DropWrite, DropOldest).</summary>
        Dropped = 1,
        /// <summary>Datagrams handed to the network.</summary>
        Sent = 2,
        /// <summary>Sends that failed (the error was also reported to the caller).</summary>
        SendErrors = 3,
        /// <summary>Datagrams received and accepted (framed messages that decoded, or raw datagrams).</summary>
        Received = 4,
        /// <summary>Datagrams that were not well-formed librecast frames.</summary>
        Malformed = 5,
        /// <summary>Datagrams larger than the receive buffer (also counted as malformed).</summary>
        Truncated = 6,
        /// <summary>Datagrams for groups no channel on the socket is bound to (not delivered).</summary>
        Filtered = 7,
        /// <summary>Packets the kernel dropped because the socket's receive buffer was full (SO_RXQ_OVFL, Linux); with UDP GRO one packet may hold up to 64 datagrams.</summary>
        /// <remarks>
        /// Without GRO one packet is one datagram; with GRO (<see cref="ListenOptions.Gro"/>) the
        /// kernel counts a coalesced packet once, however many datagrams it held (measured: 561
        /// drops for 35,904 missing 97-byte datagrams sent 64 per GSO packet).
        /// </remarks>
        KernelDrops = 8,
        /// <summary>Datagrams on encrypted channels that did not open with the key (forged, tampered, other key, in clear), or on restricted channels that failed the token check, or could not be attributed to a channel.</summary>
        Unauthenticated = 9,
        /// <summary>Framed messages the replay window, nonce filter or NACK gap repair rejected (duplicates, replays, stale).</summary>
        Replayed = 10,
        /// <summary>Datagrams sent one by one because the kernel refused to segment them (UDP GSO).</summary>
        GsoFallbacks = 11,
        /// <summary>Receive calls of a listener that failed (the listener goes on; the error also goes to its error handler, if it has one).</summary>
        ReceiveErrors = 12,
        /// <summary>Framed messages dropped because the same frame (channel, timestamp, seq, rnd) already arrived on another interface: the copies an unbound librecast 0.9+ sender puts on every interface.</summary>
        /// <remarks>See <see cref="CopyFilter"/>.</remarks>
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
        // The table: one row per Counter, in its order: the name (snake_case; lcgw exports it as
        // lc_transport_NAME_total) and one sentence of help (the Counter member's summary).
        // Strings only, in this type's own static: nanoCLR runs static constructors in no order.
        private static readonly string[] Table = new string[]
        {
            "published", "Messages accepted by a publisher ring.",
            "dropped", "Messages a publisher dropped under its overflow policy (DropWrite, DropOldest).",
            "sent", "Datagrams handed to the network.",
            "send_errors", "Sends that failed (the error was also reported to the caller).",
            "received", "Datagrams received and accepted (framed messages that decoded, or raw datagrams).",
            "malformed", "Datagrams that were not well-formed librecast frames.",
            "truncated", "Datagrams larger than the receive buffer (also counted as malformed).",
            "filtered", "Datagrams for groups no channel on the socket is bound to (not delivered).",
            "kernel_drops", "Packets the kernel dropped because the socket's receive buffer was full (SO_RXQ_OVFL, Linux); with UDP GRO one packet may hold up to 64 datagrams.",
            "unauthenticated", "Datagrams on encrypted channels that did not open with the key (forged, tampered, other key, in clear), or on restricted channels that failed the token check, or could not be attributed to a channel.",
            "replayed", "Framed messages the replay window, nonce filter or NACK gap repair rejected (duplicates, replays, stale).",
            "gso_fallbacks", "Datagrams sent one by one because the kernel refused to segment them (UDP GSO).",
            "receive_errors", "Receive calls of a listener that failed (the listener goes on; the error also goes to its error handler, if it has one).",
            "duplicates", "Framed messages dropped because the same frame (channel, timestamp, seq, rnd) already arrived on another interface: the copies an unbound librecast 0.9+ sender puts on every interface.",
        };

        /// <summary>How many counters the table has (its rows).</summary>
        public static int Count { get { return Table.Length / 2; } }

        private readonly CounterCells cells = new CounterCells(Count);

        /// <summary>The counter's name in snake_case (<c>kernel_drops</c>); lcgw exports it as <c>lc_transport_NAME_total</c>.</summary>
        public static string NameOf(Counter counter) { return Table[2 * (int)counter]; }

        /// <summary>One sentence saying what the counter counts.</summary>
        public static string HelpOf(Counter counter) { return Table[2 * (int)counter + 1]; }

        /// <summary>The counter's total since the context was created: 64-bit, never decreasing.</summary>
        public long Get(Counter counter) { return cells.Get((int)counter); }

        internal void Increment(Counter counter) { cells.Increment((int)counter); }

        // amount is 0..2^31-1.
        internal void Add(Counter counter, int amount) { cells.Add((int)counter, amount); }

        /// <summary>
        /// Adds what a kernel's running 32-bit count (SO_RXQ_OVFL) grew by since
        /// <paramref name="last"/>, the value last seen for that socket, and remembers the new one.
        /// A value behind <paramref name="last"/> is an older reading and changes nothing: a
        /// datagram's SO_RXQ_OVFL is the count when it was queued, older than the socket's count
        /// read on a quiet poll (SO_MEMINFO) after drops that came with no datagram; taking it as
        /// the new mark made every later quiet poll count those drops again.
        /// One caller per <paramref name="last"/>.
        /// </summary>
        internal void AddKernelDrops(ref int last, int raw)
        {
            int delta = unchecked(raw - last);
            if (delta <= 0) return;
            last = raw;
            Add(Counter.KernelDrops, delta);
        }

        /// <inheritdoc cref="Counter.Published"/>
        public long Published { get { return Get(Counter.Published); } }
        /// <inheritdoc cref="Counter.Dropped"/>
        public long Dropped { get { return Get(Counter.Dropped); } }
        /// <inheritdoc cref="Counter.Sent"/>
        public long Sent { get { return Get(Counter.Sent); } }
        /// <inheritdoc cref="Counter.SendErrors"/>
        public long SendErrors { get { return Get(Counter.SendErrors); } }
        /// <inheritdoc cref="Counter.Received"/>
        public long Received { get { return Get(Counter.Received); } }
        /// <inheritdoc cref="Counter.Malformed"/>
        public long Malformed { get { return Get(Counter.Malformed); } }
        /// <inheritdoc cref="Counter.Truncated"/>
        public long Truncated { get { return Get(Counter.Truncated); } }
        /// <inheritdoc cref="Counter.Filtered"/>
        public long Filtered { get { return Get(Counter.Filtered); } }
        /// <inheritdoc cref="Counter.KernelDrops"/>
        public long KernelDrops { get { return Get(Counter.KernelDrops); } }
        /// <inheritdoc cref="Counter.Unauthenticated"/>
        public long Unauthenticated { get { return Get(Counter.Unauthenticated); } }
        /// <inheritdoc cref="Counter.Replayed"/>
        public long Replayed { get { return Get(Counter.Replayed); } }
        /// <inheritdoc cref="Counter.GsoFallbacks"/>
        public long GsoFallbacks { get { return Get(Counter.GsoFallbacks); } }
        /// <inheritdoc cref="Counter.ReceiveErrors"/>
        public long ReceiveErrors { get { return Get(Counter.ReceiveErrors); } }
        /// <inheritdoc cref="Counter.Duplicates"/>
        public long Duplicates { get { return Get(Counter.Duplicates); } }

        /// <summary>One line, for logs and the CLI: <c>published=.. dropped=.. sent=.. ...</c>, every counter of the table in order.</summary>
        public override string ToString()
        {
            string line = "";
            for (int i = 0; i < Count; i++)
                line += (i == 0 ? "" : " ") + Table[2 * i] + "=" + Get((Counter)i);
            return line;
        }
    }
}
