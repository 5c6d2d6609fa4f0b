namespace Librecast.Security
{

    /// <summary>What <see cref="ReplayWindow.Check"/> decided about one message (seq, timestamp) from one sender.</summary>
    /// <remarks>The first three values accept the message, the rest reject it: see <see cref="ReplayWindow.IsAccepted"/>.</remarks>
    public enum ReplayVerdict
    {
        /// <summary>Accepted: the highest seq seen from this sender so far, or its first message. Any seqs skipped over are counted as lost.</summary>
        New = 0,
        /// <summary>Accepted: arrived after a higher seq, inside the window and not seen before (fills a gap: one lost fewer).</summary>
        Reordered = 1,
        /// <summary>Accepted: the sender restarted (seq went back, timestamp newer than any seen from it); its window starts again here.</summary>
        Restarted = 2,
        /// <summary>Rejected: this seq was already accepted (a replay, or a duplicate made by the network).</summary>
        Duplicate = 3,
        /// <summary>Rejected: below the window or below the sender's first seq seen, or from before its last restart: cannot be told from a replay.</summary>
        TooOld = 4,
        /// <summary>Rejected: the timestamp is outside the freshness bound (too old, or too far in the future).</summary>
        Stale = 5,
    }
}
