using System;

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

    // The remembered keys, oldest at `next` once full; and an open-addressing index of them
    // (linear probing, at most half full, removal by backward shift): slot value = position in
    // `order` + 1, 0 = empty. One probe or two a message, where a HashSet's Add and Remove cost
    // 4 % of lcgw's time a pack (perf, docs/performance.md).
    private readonly Key[] order;
    private readonly int[] slots;
    private readonly int mask;
    private int next, count;

    /// <summary>Remembers up to <paramref name="capacity"/> messages.</summary>
    public RecentMessages(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity));
        order = new Key[capacity];
        int size = 2;
        while (size < 2 * capacity) size <<= 1;
        slots = new int[size];
        mask = size - 1;
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
        int i = Home(key);
        for (int at = slots[i]; at != 0; at = slots[i])
        {
            if (order[at - 1] == key) return false;
            i = (i + 1) & mask;
        }
        if (count == order.Length)
        {
            Forget(next); // the oldest
            i = Home(key); // the removal may have moved entries: probe again
            while (slots[i] != 0) i = (i + 1) & mask;
        }
        else count++;
        order[next] = key;
        slots[i] = next + 1;
        next = next + 1 == order.Length ? 0 : next + 1;
        return true;
    }

    // Seeded per process (System.HashCode): senders cannot make the keys collide on purpose.
    private int Home(Key key) => HashCode.Combine(key.Timestamp, key.Sequence, key.Random) & mask;

    // Removes order[position] from the index; entries after it in its probe run move back so
    // every remaining key is still found from its home slot.
    private void Forget(int position)
    {
        int i = Home(order[position]);
        while (slots[i] != position + 1) i = (i + 1) & mask;
        slots[i] = 0;
        for (int j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask)
        {
            int home = Home(order[slots[j] - 1]);
            // Stays if its home lies cyclically in (i, j]: it is still reachable without slot i.
            bool stays = i <= j ? i < home && home <= j : i < home || home <= j;
            if (stays) continue;
            slots[i] = slots[j];
            slots[j] = 0;
            i = j;
        }
    }
}
