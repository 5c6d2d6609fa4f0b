using System;
using CsCheck;
using Librecast.Security;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Fuzzing the replay window with what a network (or an attacker without the key) can put in a
/// frame header: seqs near the window and anywhere in 64 bits, timestamps near now and anywhere,
/// more senders than the table holds. Zero exceptions; every input counted under exactly one
/// verdict; an accepted message replayed at once is always a Duplicate; forged seqs anywhere in
/// 64 bits are counted as jumps, so Lost stays within New x MaxCountedGap instead of saturating.
/// <c>LIBRECAST_FUZZ_ITERATIONS</c> (default 50,000) inputs; the long run is <c>tests/fuzz</c>.
/// </summary>
public class ReplayWindowFuzzTests
{
    private static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("LIBRECAST_FUZZ_ITERATIONS"), out long n) && n > 0 ? n : 50_000;

    private const ulong Now = 1_800_000_000_000_000_000;
    private const ulong Second = 1_000_000_000;

    // A seq is mostly a step from the sender's highest seq so far (ahead a little, or behind by
    // up to a bit more than the window), sometimes anything in 64 bits or an edge value.
    private static readonly Gen<(int Kind, long Step, ulong Raw)> Seqs = Gen.Select(
        Gen.Frequency((8, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2))),
        Gen.Long[-160, 3],
        Gen.Frequency((3, Gen.ULong), (1, Gen.OneOf(0UL, 1UL, ulong.MaxValue, ulong.MaxValue - 1, (ulong)long.MaxValue))));

    private static readonly Gen<ulong> Timestamps = Gen.Frequency(
        (8, Gen.Long[-9_000_000_000, 1_000_000_000].Select(d => (ulong)((long)Now + d))), // inside the 10 s / 2 s bound
        (1, Gen.Long[-30_000_000_000, 30_000_000_000].Select(d => (ulong)((long)Now + d))),
        (1, Gen.Frequency((3, Gen.ULong), (1, Gen.OneOf(0UL, ulong.MaxValue, Now)))));

    [Fact]
    public void Check_Never_Throws_Counts_Every_Input_And_Rejects_An_Immediate_Replay()
    {
        var w = new ReplayWindow(24, 128, 10 * Second, 2 * Second);
        var addresses = new byte[12][];                      // 12 x 3 channels: more senders than the table holds
        for (int i = 0; i < addresses.Length; i++) { addresses[i] = new byte[16]; addresses[i][15] = (byte)i; }
        long inputs = 0, replays = 0;
        var counts = new long[6];
        var highest = new ulong[addresses.Length * 3];
        Gen.Select(Gen.Int[0, 11], Gen.Int[0, 2], Seqs, Timestamps, Gen.Long[-1_000_000_000, 1_000_000_000]).Sample((who, channel, pick, ts, nowDelta) =>
        {
            ulong now = (ulong)((long)Now + nowDelta);
            ref ulong h = ref highest[who * 3 + channel];
            ulong seq = pick.Kind == 0 ? unchecked(h + (ulong)pick.Step) : pick.Raw;
            if (seq > h) h = seq;
            ReplayVerdict v = w.Check(addresses[who], 0, 4242, channel, seq, ts, now);
            inputs++;
            counts[(int)v]++;
            if (ReplayWindow.IsAccepted(v))
            {
                // The same datagram again, at the same moment: it must never get through twice.
                ReplayVerdict again = w.Check(addresses[who], 0, 4242, channel, seq, ts, now);
                replays++;
                if (again != ReplayVerdict.Duplicate)
                    throw new InvalidOperationException($"replay of an accepted message got {again}: sender {who}/{channel} seq {seq} ts {ts} now {now}");
            }
            if (w.Senders > w.Capacity) throw new InvalidOperationException("table grew past its capacity");
        }, iter: Iterations, threads: 1);

        Assert.Equal(Iterations, inputs);
        Assert.Equal(inputs + replays, w.Accepted + w.Rejected);
        Assert.Equal(counts[0], w.New);
        Assert.Equal(counts[1], w.Reordered);
        Assert.Equal(counts[2], w.Restarts);
        Assert.Equal(counts[3] + replays, w.Duplicates);
        Assert.Equal(counts[4], w.TooOld);
        Assert.Equal(counts[5], w.Stale);
        Assert.True(w.Evictions > 0, "the table never filled: the eviction path was not exercised");
        // Each New adds at most MaxCountedGap to Lost (before the cap, one forged seq pinned it at long.MaxValue).
        Assert.InRange(w.Lost, 0, w.New * ReplayWindow.MaxCountedGap);
        Assert.InRange(w.Jumps, 1, w.New);
        foreach (ReplayVerdict v in Enum.GetValues<ReplayVerdict>())
            Assert.True(counts[(int)v] > 0, "verdict " + v + " never produced: the generator is too narrow");
        TestContext.Current.SendDiagnosticMessage(
            $"replay window fuzz: {inputs} inputs (+{replays} immediate replays, all Duplicate): new {counts[0]}, reordered {counts[1]}, " +
            $"restarted {counts[2]}, duplicate {counts[3]}, too old {counts[4]}, stale {counts[5]}, evictions {w.Evictions}, lost {w.Lost} (bound {w.New * ReplayWindow.MaxCountedGap}), jumps {w.Jumps}; 0 exceptions");
    }
}
