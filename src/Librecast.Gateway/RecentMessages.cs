using System;
using System.Collections.Generic;

namespace Librecast.Gateway;

/// <summary>
/// The last <see cref="Capacity"/> librecast messages the IPv4/IPv6 bridge has seen, by their
/// header (timestamp, sequence, nonce): the bridge republishes datagrams verbatim, so a copy that
/// comes back (from a second gateway bridging the other way, or a routing loop) carries the same
/// header and is recognised. A fixed set, oldest forgotten first; one thread only (the listener's
/// dispatch thread); no allocation per message.
/// </summary>
internal sealed class RecentMessages
{
    private readonly record struct Key(ulong Timestamp, ulong Sequence, ulong Random);

    private readonly HashSet<Key> seen;
    private readonly Key[] order;
    private int next, count;

    /// <summary>Remembers up to <paramref name="capacity"/> messages.</summary>
    public RecentMessages(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        seen = new HashSet<Key>(capacity);
        order = new Key[capacity];
    }

    /// <summary>How many messages are remembered at most.</summary>
    public int Capacity => order.Length;

    /// <summary>
    /// Records the message with <paramref name="header"/>; false if it is already among the
    /// remembered ones (a copy of a message seen before).
    /// </summary>
    public bool Add(FrameHeader header)
    {
        var key = new Key(header.Timestamp, header.Sequence, header.Random);
        if (!seen.Add(key)) return false;
        if (count == order.Length) seen.Remove(order[next]);
        else count++;
        order[next] = key;
        next = next + 1 == order.Length ? 0 : next + 1;
        return true;
    }
}
