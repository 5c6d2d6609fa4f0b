using System;

namespace Librecast.Gateway.Senml;

/// <summary>
/// The strings a receiver sees again and again (SenML names, units, senders' addresses) made
/// once and handed out again for the same UTF-8 bytes, so a pack whose names were seen before
/// costs no allocation. A fixed table of buckets of <see cref="Ways"/> entries, the bucket chosen
/// by a seeded hash of the bytes; a new string takes the place of its bucket's oldest, so memory
/// stays bounded whatever arrives (at most <c>slots</c> entries of at most <see cref="MaxBytes"/>
/// bytes), and a few strings that hash alike do not push each other out. A hostile sender who
/// makes every lookup miss only costs the allocation there would have been without the table.
/// One thread only.
/// </summary>
internal sealed class Utf8Strings
{
    /// <summary>Longest key kept, in bytes; longer strings are made every time (not kept).</summary>
    public const int MaxBytes = 128;

    /// <summary>Entries per bucket.</summary>
    public const int Ways = 4;

    private readonly int buckets;
    private readonly int[] hashes;
    private readonly byte[][] keys;
    private readonly int[] lengths;
    private readonly string?[] values;
    private readonly byte[] oldest; // per bucket: the way to replace next

    /// <summary>A table of <paramref name="slots"/> entries (a power of two, at least <see cref="Ways"/>).</summary>
    public Utf8Strings(int slots)
    {
        if (slots < Ways || (slots & (slots - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(slots), "a power of two, at least " + Ways);
        buckets = slots / Ways;
        hashes = new int[slots];
        keys = new byte[slots][];
        lengths = new int[slots];
        values = new string?[slots];
        oldest = new byte[buckets];
    }

    /// <summary>The string kept for <paramref name="utf8"/>, or null (then make it and <see cref="Keep"/> it).</summary>
    public string? Find(ReadOnlySpan<byte> utf8, out int hash)
    {
        hash = Hash(utf8);
        int first = (hash & (buckets - 1)) * Ways;
        for (int slot = first; slot < first + Ways; slot++)
        {
            string? value = values[slot];
            if (value != null && hashes[slot] == hash && utf8.SequenceEqual(new ReadOnlySpan<byte>(keys[slot], 0, lengths[slot])))
                return value;
        }
        return null;
    }

    /// <summary>Keeps <paramref name="value"/> for <paramref name="utf8"/> (hashed by <see cref="Find"/>), in place of its bucket's oldest.</summary>
    public void Keep(ReadOnlySpan<byte> utf8, int hash, string value)
    {
        if (utf8.Length > MaxBytes) return;
        int bucket = hash & (buckets - 1);
        int slot = bucket * Ways + oldest[bucket];
        oldest[bucket] = (byte)((oldest[bucket] + 1) % Ways);
        byte[] key = keys[slot] ??= new byte[MaxBytes];
        utf8.CopyTo(key);
        lengths[slot] = utf8.Length;
        hashes[slot] = hash;
        values[slot] = value;
    }

    // Seeded per process, as System.HashCode is: a sender cannot aim its names at one bucket.
    // Not RandomNumberGenerator: that is OpenSSL on Linux, which the static image cannot load
    // (it crashed lcgw at start; see SocketsPlatform.FillRandom).
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();

    // Eight bytes a step, each step a multiply and a fold (System.HashCode's AddBytes takes four
    // a step through its general state machine: twice the time of the lookups it serves, perf).
    private static int Hash(ReadOnlySpan<byte> utf8)
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
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return (int)h ^ (int)(h >> 32);
    }
}
