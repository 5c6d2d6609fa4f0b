using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Librecast.Security;
using Xunit;
using Librecast.Tests.Support;

namespace Librecast.Tests;

/// <summary>
/// Replay and loss detection (<see cref="ReplayWindow"/>): exact counts over generated streams
/// with drops, duplicates and reordering; verdict-by-verdict agreement with a plain set-based
/// model over arbitrary permutations; window edges; sender restart; freshness; eviction.
/// </summary>
public class ReplayWindowTests
{
    private static readonly byte[] A = Addr(1), B = Addr(2), C = Addr(3), D = Addr(4);

    private static byte[] Addr(int n)
    {
        var a = new byte[16];
        a[0] = 0xfe; a[1] = 0x80; a[15] = (byte)n; a[14] = (byte)(n >> 8);
        return a;
    }

    private const ulong Second = 1_000_000_000;

    private static ReplayVerdict Check(ReplayWindow w, byte[] sender, ulong seq, ulong ts = 0, ulong now = 0) =>
        w.Check(sender, 0, 4242, 0, seq, ts, now);

    /// <summary>
    /// seq 1..N with drops (never the first or the last), each element displaced by less than
    /// the window, and duplicates arriving right after their original: every count is known
    /// from the construction alone.
    /// </summary>
    [Fact]
    public void Drops_Duplicates_And_Bounded_Reordering_Give_Exact_Counts()
    {
        var gen = Gen.Select(Gen.Int[2, 600], Gen.Int[0, 40], Gen.Int[0, 63], Gen.Int[0, 40], Gen.Int);
        gen.Sample((n, dropPercent, maxShift, dupPercent, seed) =>
        {
            var rnd = new Random(seed);
            var kept = new List<ulong>();
            for (ulong s = 1; s <= (ulong)n; s++)
                if (s == 1 || s == (ulong)n || rnd.Next(100) >= dropPercent) kept.Add(s);
            int dropped = n - kept.Count;

            // Bounded reordering: sort by seq + a random delay of at most maxShift (< window of 64),
            // so no message arrives after one more than 63 seqs above it. Seq 1 comes first, so
            // the window starts there and every drop lies between the first and the last seq.
            var arrival = kept.OrderBy(s => s == 1 ? -1.0 : (double)s + rnd.Next(maxShift + 1) + rnd.NextDouble() * 0.5).ToList();
            var stream = new List<ulong>();
            int duplicatesSent = 0;
            foreach (ulong s in arrival)
            {
                stream.Add(s);
                if (rnd.Next(100) < dupPercent) { stream.Add(s); duplicatesSent++; }
            }
            int expectedReordered = 0;
            ulong max = 0;
            foreach (ulong s in arrival) { if (s < max) expectedReordered++; else max = s; }

            var w = new ReplayWindow(4, 64, 0, 0);
            foreach (ulong s in stream) Check(w, A, s, s * 1000);

            return w.New + w.Reordered == kept.Count && w.Reordered == expectedReordered &&
                   w.Duplicates == duplicatesSent && w.TooOld == 0 && w.Restarts == 0 &&
                   w.Lost == dropped && w.Accepted + w.Rejected == stream.Count;
        }, iter: 2_000);
    }

    /// <summary>Set-based reference: what the window must decide, without the bitmap.</summary>
    private sealed class Model(int window)
    {
        private readonly HashSet<ulong> accepted = new();
        private ulong highest, first;
        private bool started;
        public long Lost;

        public ReplayVerdict Check(ulong s)
        {
            if (!started) { started = true; highest = first = s; accepted.Add(s); return ReplayVerdict.New; }
            if (s > highest) { Lost += (long)(s - highest - 1); highest = s; accepted.Add(s); return ReplayVerdict.New; }
            if (s < first || highest - s >= (ulong)window) return ReplayVerdict.TooOld;
            if (!accepted.Add(s)) return ReplayVerdict.Duplicate;
            Lost--;
            return ReplayVerdict.Reordered;
        }
    }

    [Fact]
    public void Any_Permutation_With_Drops_And_Duplicates_Matches_The_Set_Model()
    {
        // Any base (up to the top of the 64-bit range), any order: every verdict must agree.
        var gen = Gen.Select(Gen.ULong, Gen.Int[1, 400], Gen.Int[0, 3], Gen.Int);
        gen.Sample((baseSeq, n, windowWords, seed) =>
        {
            int window = 64 << windowWords; // 64..512
            ulong start = Math.Min(baseSeq, ulong.MaxValue - (ulong)n);
            var rnd = new Random(seed);
            var stream = new List<ulong>();
            for (int i = 0; i < n; i++)
            {
                if (rnd.Next(10) == 0) continue;                          // dropped
                stream.Add(start + (ulong)i);
                if (rnd.Next(8) == 0) stream.Add(start + (ulong)i);       // duplicated
            }
            // Mostly local shuffles, sometimes a full shuffle: both old and reordered arrivals.
            if (rnd.Next(4) == 0) stream = stream.OrderBy(_ => rnd.Next()).ToList();
            else stream = stream.Select((s, i) => (s, key: i + rnd.Next(window / 2 + 1) * rnd.Next(3))).OrderBy(p => p.key).Select(p => p.s).ToList();

            var w = new ReplayWindow(2, window, 0, 0);
            var model = new Model(window);
            foreach (ulong s in stream)
            {
                ReplayVerdict expected = model.Check(s), got = Check(w, A, s, 7);
                if (expected != got)
                    throw new InvalidOperationException($"seq {s}: expected {expected}, got {got} (window {window}, stream {string.Join(",", stream.Select(x => x - start))})");
            }
            return w.Lost == model.Lost && w.Accepted + w.Rejected == stream.Count;
        }, iter: 2_000);
    }

    [Fact]
    public void Window_Edge_Is_Exact()
    {
        var w = new ReplayWindow(1, 64, 0, 0);
        Assert.Equal(ReplayVerdict.New, Check(w, A, 1));
        Assert.Equal(ReplayVerdict.New, Check(w, A, 100));
        Assert.Equal(98, w.Lost);
        Assert.Equal(ReplayVerdict.Reordered, Check(w, A, 37));   // 100 - 37 = 63: last seq inside
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 36));      // 64 behind: outside
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, A, 37));
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, A, 100));
        Assert.Equal(97, w.Lost);                                  // 37 arrived; 36 is still lost
        Assert.Equal(ReplayVerdict.New, Check(w, A, 1000));        // a jump beyond the whole ring
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 936));
        Assert.Equal(ReplayVerdict.Reordered, Check(w, A, 937));
        Assert.Equal("new=3 reordered=2 restarts=0 duplicates=2 too_old=2 stale=0 lost=995 jumps=0 evictions=0 senders=1", w.ToString());
    }

    [Fact]
    public void Seqs_Below_The_First_Seen_Are_Too_Old()
    {
        // A listener that joins mid-stream cannot tell a late message from a replay of one sent before it joined.
        var w = new ReplayWindow(1);
        Assert.Equal(ReplayVerdict.New, Check(w, A, 50, 50));
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 49, 49));
        Assert.Equal(ReplayVerdict.New, Check(w, A, 52, 52));
        Assert.Equal(ReplayVerdict.Reordered, Check(w, A, 51, 51));
        Assert.Equal(0, w.Lost);
    }

    [Fact]
    public void Sender_Restart_Is_Recognised_By_A_Newer_Timestamp_And_The_Old_Session_Cannot_Be_Replayed()
    {
        var w = new ReplayWindow(4);
        for (ulong s = 1; s <= 300; s++) Assert.Equal(ReplayVerdict.New, Check(w, A, s, s * 1000));

        // The sender restarts: seq 1 again, stamped after everything it sent before.
        Assert.Equal(ReplayVerdict.Restarted, Check(w, A, 1, 400_000));
        for (ulong s = 2; s <= 50; s++) Assert.Equal(ReplayVerdict.New, Check(w, A, s, 400_000 + s));
        Assert.Equal(1, w.Restarts);
        Assert.Equal(300 + 49, w.New);
        Assert.Equal(0, w.Lost);

        // Replays: old session (seq above and below the new H), new session.
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 280, 280_000));
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 20, 20_000));
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, A, 20, 400_020));
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 1, 1000));
        Assert.Equal(1, w.Restarts);
        Assert.Equal(1, w.Duplicates);
        Assert.Equal(3, w.TooOld);
    }

    [Fact]
    public void Restart_Is_Recognised_Inside_The_Window_And_When_The_First_Message_Is_Lost()
    {
        var w = new ReplayWindow(4);
        for (ulong s = 1; s <= 5; s++) Check(w, A, s, s);
        Assert.Equal(ReplayVerdict.Restarted, Check(w, A, 2, 10)); // seq 2 was seen: a duplicate, but newer than all
        Assert.Equal(ReplayVerdict.New, Check(w, A, 3, 11));
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 1, 9));      // below the new session's first seq, and not newer than all
        Assert.Equal(0, w.Lost);                                    // seq 1 of the new session predates what we saw
    }

    [Fact]
    public void Without_Timestamps_A_Restart_Is_Not_Guessed()
    {
        var w = new ReplayWindow(4);
        for (ulong s = 1; s <= 300; s++) Check(w, A, s);
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 1));
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, A, 299));
        Assert.Equal(0, w.Restarts);
    }

    [Fact]
    public void A_Forged_Huge_Seq_Is_A_Jump_Not_Lost_And_A_Restart_Recovers_The_Sender()
    {
        var w = new ReplayWindow(2);
        Check(w, A, 1, 10);
        Assert.Equal(ReplayVerdict.New, Check(w, A, 1UL << 63, 11));  // still New: classification unchanged
        Assert.Equal(0, w.Lost);                                      // was long.MaxValue: one datagram pinned the counter
        Assert.Equal(1, w.Jumps);
        Assert.Equal(ReplayVerdict.New, Check(w, A, ulong.MaxValue, 11));
        Assert.Equal(0, w.Lost);
        Assert.Equal(2, w.Jumps);
        Assert.Equal(ReplayVerdict.TooOld, Check(w, A, 2, 11));        // the real sender, stuck below...
        Assert.Equal(ReplayVerdict.Restarted, Check(w, A, 3, 12));     // ...until its next newer timestamp
        Assert.Equal(ReplayVerdict.New, Check(w, A, 4, 13));
        Assert.Equal(ReplayVerdict.New, Check(w, A, 10, 14));          // after recovery, real losses count again
        Assert.Equal(5, w.Lost);
        Assert.Equal("new=5 reordered=0 restarts=1 duplicates=0 too_old=1 stale=0 lost=5 jumps=2 evictions=0 senders=1", w.ToString());
    }

    [Fact]
    public void Gaps_Up_To_MaxCountedGap_Are_Lost_And_One_More_Is_A_Jump()
    {
        Assert.Equal(1L << 24, ReplayWindow.MaxCountedGap);
        var w = new ReplayWindow(1);
        Check(w, A, 1);
        Assert.Equal(ReplayVerdict.New, Check(w, A, 1002));             // a real outage of 1000 messages
        Assert.Equal(1000, w.Lost);
        ulong h = 1002 + (ulong)ReplayWindow.MaxCountedGap + 1;         // a gap of exactly MaxCountedGap: still counted
        Assert.Equal(ReplayVerdict.New, Check(w, A, h));
        Assert.Equal(1000 + ReplayWindow.MaxCountedGap, w.Lost);
        Assert.Equal(0, w.Jumps);
        Assert.Equal(ReplayVerdict.New, Check(w, A, h + (ulong)ReplayWindow.MaxCountedGap + 2)); // one more: a jump
        Assert.Equal(1000 + ReplayWindow.MaxCountedGap, w.Lost);
        Assert.Equal(1, w.Jumps);
    }

    [Fact]
    public void Late_Arrivals_Below_A_Jump_Do_Not_Take_Lost_Below_Zero()
    {
        var w = new ReplayWindow(1, 64, 0, 0);
        const ulong J = 1UL << 40;
        Check(w, A, 1, 7);
        Assert.Equal(ReplayVerdict.New, Check(w, A, J, 7));
        Assert.Equal(ReplayVerdict.Reordered, Check(w, A, J - 5, 7));   // inside the window, skipped by the jump: not counted either way
        Assert.Equal(0, w.Lost);
        Assert.Equal(ReplayVerdict.New, Check(w, A, J + 4, 7));         // J+1..J+3 counted
        Assert.Equal(3, w.Lost);
        Assert.Equal(ReplayVerdict.Reordered, Check(w, A, J + 2, 7));
        Assert.Equal(2, w.Lost);
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, A, J - 5, 7));
    }

    /// <summary>
    /// Streams of runs separated by small gaps or by jumps (MaxCountedGap+1 up to 2^40), locally
    /// shuffled so late arrivals land on both sides of a jump: Lost is exactly the never-accepted
    /// seqs between the first and the highest, outside the ranges the jumps skipped.
    /// </summary>
    [Fact]
    public void Lost_Counts_Exactly_The_Missing_Seqs_Outside_Jumps()
    {
        var gen = Gen.Select(Gen.Int[1, 8], Gen.Int[1, 120], Gen.Int);
        gen.Sample((runs, runLength, seed) =>
        {
            var rnd = new Random(seed);
            var sent = new List<ulong>();
            ulong s = 1;
            for (int r = 0; r < runs; r++)
            {
                if (r > 0) s += rnd.Next(3) == 0 ? (ulong)rnd.Next(1, 50) : (ulong)ReplayWindow.MaxCountedGap + 1 + (ulong)rnd.NextInt64(1L << 40);
                for (int i = 0; i < runLength; i++, s++) if (rnd.Next(6) != 0 || sent.Count == 0) sent.Add(s); // never an empty stream
            }
            var stream = sent.Select((x, i) => (x, key: i + rnd.Next(40))).OrderBy(p => p.key).Select(p => p.x).ToList();

            var w = new ReplayWindow(1, 64, 0, 0);
            var accepted = new HashSet<ulong>();
            var skipped = new List<(ulong From, ulong To)>();       // exclusive ranges jumped over
            ulong first = stream[0], high = stream[0];
            foreach (ulong x in stream)
            {
                if (x > high && x - high - 1 > (ulong)ReplayWindow.MaxCountedGap) skipped.Add((high, x));
                if (ReplayWindow.IsAccepted(Check(w, A, x, 7))) accepted.Add(x);
                if (x > high) high = x;
            }
            long expected = (long)(high - first + 1) - accepted.Count(x => x >= first);
            foreach ((ulong from, ulong to) in skipped)
                expected -= (long)(to - from - 1) - accepted.Count(x => x > from && x < to);
            return w.Lost == expected && w.Jumps == skipped.Count && w.Lost >= 0;
        }, iter: 2_000);
    }

    [Fact]
    public void Freshness_Bound_Rejects_Old_And_Future_Timestamps_Without_Touching_State()
    {
        var w = new ReplayWindow(4, 128, 5 * Second, 1 * Second);
        ulong now = 1_800_000_000 * Second;
        Assert.Equal(ReplayVerdict.Stale, Check(w, A, 1, now - 6 * Second, now));
        Assert.Equal(ReplayVerdict.Stale, Check(w, A, 1, now + 2 * Second, now));
        Assert.Equal(ReplayVerdict.Stale, Check(w, A, 1, 0, now));
        Assert.Equal(0, w.Senders);                                    // stale input creates no sender
        Assert.Equal(ReplayVerdict.New, Check(w, A, 1, now - 5 * Second, now));
        Assert.Equal(ReplayVerdict.New, Check(w, A, 2, now + 1 * Second, now));
        Assert.Equal(ReplayVerdict.Stale, Check(w, A, 1, now - 5 * Second, now + 1)); // a replay once it has aged out
        Assert.Equal(4, w.Stale);
        Assert.Equal(1, w.Senders);
    }

    [Fact]
    public void Full_Table_Evicts_The_Least_Recently_Seen_Sender_And_Counts_It()
    {
        var w = new ReplayWindow(3);
        Check(w, A, 10, 1); Check(w, B, 10, 1); Check(w, C, 10, 1);
        Check(w, A, 11, 2);                                            // B is now the least recently seen
        Assert.Equal(ReplayVerdict.New, Check(w, D, 1, 1));
        Assert.Equal(1, w.Evictions);
        Assert.Equal(3, w.Senders);
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, A, 11, 2));     // A kept its window
        Assert.Equal(ReplayVerdict.Duplicate, Check(w, C, 10, 1));     // so did C
        // B's window is gone: its old message is accepted as a new sender's first. Documented; the
        // freshness bound is what limits this (docs/security.md).
        Assert.Equal(ReplayVerdict.New, Check(w, B, 10, 1));
        Assert.Equal(2, w.Evictions);
        Assert.Equal(5, w.SendersSeen);
    }

    [Fact]
    public void Senders_Are_Told_Apart_By_Address_Port_And_Channel()
    {
        var w = new ReplayWindow(8);
        Assert.Equal(ReplayVerdict.New, w.Check(A, 0, 4242, 0, 5, 0, 0));
        Assert.Equal(ReplayVerdict.New, w.Check(A, 0, 4243, 0, 5, 0, 0));
        Assert.Equal(ReplayVerdict.New, w.Check(A, 0, 4242, 1, 5, 0, 0));
        Assert.Equal(ReplayVerdict.New, w.Check(B, 0, 4242, 0, 5, 0, 0));
        var copy = new byte[20];
        Array.Copy(A, 0, copy, 4, 16);
        Assert.Equal(ReplayVerdict.Duplicate, w.Check(copy, 4, 4242, 0, 5, 0, 0)); // same sender, address at an offset
        Assert.Equal(4, w.Senders);
        Assert.True(w.Forget(A, 0, 4242, 1));
        Assert.False(w.Forget(A, 0, 4242, 1));
        Assert.Equal(ReplayVerdict.New, w.Check(A, 0, 4242, 1, 5, 0, 0));
        w.Clear();
        Assert.Equal(0, w.Senders);
    }

    [Fact]
    public void Many_Senders_Through_A_Small_Table_Stay_Consistent()
    {
        // Chains, removal from the middle of a chain, reuse of freed entries.
        var w = new ReplayWindow(5);
        var rnd = new Random(7);
        var last = new Dictionary<int, ulong>();
        for (int i = 0; i < 20_000; i++)
        {
            int who = rnd.Next(12);
            ulong seq = last.TryGetValue(who, out ulong s) ? s + 1 : 1;
            last[who] = seq;
            ReplayVerdict v = w.Check(Addr(who), 0, 4242, 0, seq, 0, 0);
            Assert.Equal(ReplayVerdict.New, v);                         // always the next seq, or a new (evicted) sender
            Assert.Equal(ReplayVerdict.Duplicate, w.Check(Addr(who), 0, 4242, 0, seq, 0, 0));
            Assert.True(w.Senders <= 5);
        }
        Assert.Equal(w.SendersSeen - 5, w.Evictions);
    }

    [Fact]
    public void Constructor_Rejects_Bad_Sizes_With_Reasons()
    {
        Assert.Contains("multiple of 64", Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(4, 100, 0, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(4, 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(4, 8192, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(0));
        var w = new ReplayWindow(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Check(new byte[15], 0, 1, 0, 1, 0, 0));
        Assert.Throws<ArgumentNullException>(() => w.Check(null!, 0, 1, 0, 1, 0, 0));
    }

    [Fact]
    public void Check_Allocates_Nothing()
    {
        var w = new ReplayWindow(16, 256, 10 * Second, Second);
        var senders = new byte[32][];
        for (int i = 0; i < senders.Length; i++) senders[i] = Addr(i);
        var rnd = new Random(3);
        for (int i = 0; i < 1000; i++) w.Check(senders[i % 32], 0, 4242, 0, (ulong)i, 5 * Second, 6 * Second);
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 100_000; i++)
            w.Check(senders[rnd.Next(32)], 0, 4242, i & 1, (ulong)rnd.Next(5000), (ulong)rnd.Next(20) * Second, 10 * Second);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Lc_And_Lcgw_Share_One_Replay_SetUp()
    {
        // lc listen --replay and lcgw's option replay both call ReplayDefaults.Apply (they had
        // copies of it): a window for 1024 senders, a nonce filter only when encrypted.
        using var ctx = new Context(new NullPlatform());
        Socket clear = ctx.CreateSocket(), sealed_ = ctx.CreateSocket();
        ReplayDefaults.Apply(clear, 5_000_000_000, encrypted: false);
        ReplayDefaults.Apply(sealed_, 0, encrypted: true);
        Assert.Equal(ReplayDefaults.Senders, clear.ReplayWindow!.Capacity);
        Assert.Equal(ReplayWindow.DefaultWindowSize, clear.ReplayWindow.WindowSize);
        Assert.Null(clear.NonceFilter);
        Assert.Equal(ReplayDefaults.Nonces, sealed_.NonceFilter!.Capacity);
        Assert.Contains("ReplayDefaults.Apply", System.IO.File.ReadAllText(System.IO.Path.Combine(Repo.Root, "tools/lc/Session.cs")));
        Assert.Contains("ReplayDefaults.Apply", System.IO.File.ReadAllText(System.IO.Path.Combine(Repo.Root, "src/Librecast.Gateway/Gateway/Gateway.Network.cs")));
    }
}
