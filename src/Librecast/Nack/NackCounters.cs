namespace Librecast
{
    /// <summary>One counter of <see cref="NackCounters"/>; the value is its index in the table.</summary>
    public enum NackCounter
    {
        /// <summary>Receiver: NACK datagrams sent for missing sequence numbers.</summary>
        Sent = 0,
        /// <summary>Receiver: missing messages that arrived after a NACK asked for them (delivered once).</summary>
        Repaired = 1,
        /// <summary>Receiver: repeated copies of a message already received within the gap window (a second resend), not delivered.</summary>
        Duplicates = 2,
        /// <summary>Receiver: missing sequence numbers given up: they left the gap window unreceived.</summary>
        Abandoned = 3,
        /// <summary>Sender: well-formed NACKs (8 bytes) received on a channel's NACK group.</summary>
        Received = 4,
        /// <summary>Sender: logged datagrams sent again, byte for byte, in answer to a NACK.</summary>
        Resent = 5,
        /// <summary>Sender: NACKs not answered because of the resend rate limit or because the same message was resent moments ago.</summary>
        Refused = 6,
        /// <summary>Sender: NACKs for a sequence number the log does not hold (never sent, overwritten, expired).</summary>
        Unknown = 7,
        /// <summary>Sender: datagrams on the NACK group that are not 8 bytes (not a NACK).</summary>
        Malformed = 8,
        /// <summary>Sender: sent messages not logged because they are larger than a log slot.</summary>
        NotLogged = 9,
    }

    /// <summary>
    /// NACK gap-repair counters of a <see cref="Context"/>, receiver and sender side: every NACK
    /// sent, received, answered or refused is counted. The same 64-bit, never-decreasing, lock-free
    /// cells as <see cref="Counters"/> (<see cref="CounterCells"/>), kept apart so the transport table stays
    /// what it is; lc prints them, lcgw can export them as <c>lc_nack_NAME_total</c>.
    /// </summary>
    public sealed class NackCounters
    {
        /// <summary>How many counters the table has.</summary>
        public const int Count = 10;

        private static readonly string[] Names = new string[]
        {
            "sent", "repaired", "duplicates", "abandoned", "received", "resent", "refused", "unknown", "malformed", "not_logged",
        };

        private readonly CounterCells cells = new CounterCells(Count);

        /// <summary>The counter's name in snake_case (<c>resent</c>).</summary>
        public static string NameOf(NackCounter counter) { return Names[(int)counter]; }

        /// <summary>The counter's total since the context was created: 64-bit, never decreasing.</summary>
        public long Get(NackCounter counter) { return cells.Get((int)counter); }

        internal void Increment(NackCounter counter) { cells.Increment((int)counter); }

        /// <summary>One line: <c>nack_sent=.. nack_repaired=.. ...</c>, every counter in order.</summary>
        public override string ToString()
        {
            string line = "";
            for (int i = 0; i < Count; i++)
                line += (i == 0 ? "" : " ") + "nack_" + Names[i] + "=" + Get((NackCounter)i);
            return line;
        }
    }
}
