using System;

namespace Librecast.Gateway.Senml;

/// <summary>
/// The strings a receiver sees again and again (SenML names, units, senders' addresses) made
/// once and handed out again for the same UTF-8 bytes, so a pack whose names were seen before
/// costs no allocation. A table of buckets of <see cref="Ways"/> entries, the bucket chosen by a
/// seeded hash of the bytes. A string whose bucket is full doubles the table (up to its most
/// slots), so strings that happen to hash alike do not push each other out for ever: with a
/// fixed table, five of a site's names in one bucket (about one seed in 25 for 20 nodes' 86
/// strings) missed, and allocated, on every pack. At its most slots a new string takes the place
/// of its bucket's oldest, so memory stays bounded whatever arrives (at most that many entries of
/// at most <see cref="MaxBytes"/> bytes), and a hostile sender who makes every lookup miss only
/// costs the allocation there would have been without the table. One thread only.
/// </summary>
internal sealed class Utf8Strings
{
    /// <summary>Longest key kept, in bytes; longer strings are made every time (not kept).</summary>
    public const int MaxBytes = 128;

    /// <summary>Entries per bucket.</summary>
    public const int Ways = 4;

    private readonly int maxSlots;
    private int buckets;
    private int[] hashes;
    private byte[]?[] keys;
    private int[] lengths;
    private string?[] values;
    private byte[] oldest; // per bucket: the way to replace next

    /// <summary>
    /// A table of <paramref name="slots"/> entries that grows to at most <paramref name="maxSlots"/>
    /// (powers of two, at least <see cref="Ways"/>).
    /// </summary>
    public Utf8Strings(int slots, int maxSlots)
    {
        if (slots < Ways || (slots & (slots - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(slots), "a power of two, at least " + Ways);
        if (maxSlots < slots || (maxSlots & (maxSlots - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(maxSlots), "a power of two, at least slots");
        this.maxSlots = maxSlots;
        Allocate(slots);
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(hashes), nameof(keys), nameof(lengths), nameof(values), nameof(oldest))]
    private void Allocate(int slots)
    {
        buckets = slots / Ways;
        hashes = new int[slots];
        keys = new byte[slots][];
        lengths = new int[slots];
        values = new string?[slots];
        oldest = new byte[buckets];
    }

    /// <summary>Entries the table has room for now.</summary>
    public int Slots => values.Length;

    /// <summary>The string kept for <paramref name="utf8"/>, or null (then make it and <see cref="Keep"/> it).</summary>
    public string? Find(ReadOnlySpan<byte> utf8, out int hash)
    {
        hash = Hash(utf8);
        int first = (hash & (buckets - 1)) * Ways;
        for (int slot = first; slot < first + Ways; slot++)
        {
            string? value = values[slot];
            if (value != null && hashes[slot] == hash && utf8.SequenceEqual(new ReadOnlySpan<byte>(keys[slot]!, 0, lengths[slot])))
                return value;
        }
        return null;
    }

    /// <summary>
    /// Keeps <paramref name="value"/> for <paramref name="utf8"/> (hashed by <see cref="Find"/>):
    /// in a free way of its bucket; in a full one, in the table grown until its bucket has one,
    /// and at the most slots in place of its bucket's oldest.
    /// </summary>
    public void Keep(ReadOnlySpan<byte> utf8, int hash, string value)
    {
        if (utf8.Length > MaxBytes) return;
        int slot;
        while ((slot = Free(hash & (buckets - 1))) < 0 && values.Length < maxSlots) Grow();
        if (slot < 0)
        {
            int bucket = hash & (buckets - 1);
            slot = bucket * Ways + oldest[bucket];
            oldest[bucket] = (byte)((oldest[bucket] + 1) % Ways);
        }
        byte[] key = keys[slot] ??= new byte[MaxBytes];
        utf8.CopyTo(key);
        lengths[slot] = utf8.Length;
        hashes[slot] = hash;
        values[slot] = value;
    }

    private int Free(int bucket)
    {
        for (int slot = bucket * Ways; slot < (bucket + 1) * Ways; slot++)
            if (values[slot] == null) return slot;
        return -1;
    }

    // Twice the slots, every entry (and its key buffer) moved to its bucket in the new table:
    // a bucket splits in two, so every entry finds a free way.
    private void Grow()
    {
        int[] oldHashes = hashes, oldLengths = lengths;
        byte[]?[] oldKeys = keys;
        string?[] oldValues = values;
        Allocate(oldValues.Length * 2);
        for (int i = 0; i < oldValues.Length; i++)
        {
            if (oldValues[i] == null) continue;
            int slot = Free(oldHashes[i] & (buckets - 1));
            hashes[slot] = oldHashes[i];
            keys[slot] = oldKeys[i];
            lengths[slot] = oldLengths[i];
            values[slot] = oldValues[i];
        }
    }

    // Seeded per process, as System.HashCode is: a sender cannot aim its names at one bucket.
    // Not RandomNumberGenerator: that is OpenSSL on Linux, which the static image cannot load
    // (it crashed lcgw at start; see SocketsPlatform.FillRandom).
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();

    // Eight bytes a step, each step a multiply and a fold (System.HashCode's AddBytes takes four
    // a step through its general state machine: twice the time of the lookups it serves, perf),
    // then MurmurHash3's 64-bit finaliser, so that every input bit reaches the low bits that pick
    // the bucket. Without it, a multiply carries a bit only upwards: the last bytes of a string's
    // tail reached 3 of the low 8 bits, and "...:node1:" to "...:node9:" (or "sensor0" to
    // "sensorZ") shared 8 buckets whatever the table's size, so growing could not part them.
    internal static int Hash(ReadOnlySpan<byte> utf8)
    {
        ulong h = Seed ^ ((ulong)utf8.Length * 0x9E3779B97F4A7C15UL);
        int i = 0;
        for (; i + 8 <= utf8.Length; i += 8)
        {
            h = (h ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(utf8.Slice(i))) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
        }
        ulong tail = 0;
        for (int k = utf8.Length - 1; k >= i; k--) tail = tail << 8 | utf8[k];
        h ^= tail;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return (int)h;
    }
}
