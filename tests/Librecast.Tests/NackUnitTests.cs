using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// NACK gap repair without a network: the gap detector (what it NACKs, when, how often at
/// most, what it delivers), the sent-datagram log (ring, age, torn reads), the resend rate
/// limit, and both halves on the in-memory wire (NACK bytes out, logged bytes back).
/// </summary>
public class NackUnitTests
{
    private static ulong[] Due(GapDetector d) => Enumerable.Range(0, d.DueCount).Select(i => d.DueAt(i)).ToArray();

    [Fact]
    public void In_Order_Stream_Asks_For_Nothing()
    {
        var d = new GapDetector();
        for (ulong s = 1; s <= 1000; s++)
        {
            Assert.Equal(GapVerdict.New, d.Observe(s, (long)s));
            Assert.Equal(0, d.DueCount);
        }
        Assert.Equal(0, d.Missing);
    }

    [Fact]
    public void A_Missing_Seq_Is_Nacked_On_The_Next_Arrival_And_Its_Repair_Delivered_Once()
    {
        var d = new GapDetector();
        d.Observe(1, 0);
        d.Observe(2, 0);
        Assert.Equal(GapVerdict.New, d.Observe(4, 0));
        Assert.Equal(new ulong[] { 3 }, Due(d));
        Assert.Equal(GapVerdict.New, d.Observe(5, 10)); // 10 ms later: not yet due again
        Assert.Empty(Due(d));
        Assert.Equal(GapVerdict.New, d.Observe(6, 10 + GapDetector.RetryMilliseconds));
        Assert.Equal(new ulong[] { 3 }, Due(d)); // second try, after the retry interval
        Assert.Equal(GapVerdict.Repaired, d.Observe(3, 100));
        Assert.Equal(GapVerdict.Duplicate, d.Observe(3, 101)); // a second resend: not delivered again
        Assert.Equal(GapVerdict.Duplicate, d.Observe(5, 102));
        Assert.Equal(0, d.Missing);
        d.Observe(7, 1000);
        Assert.Empty(Due(d));
    }

    [Fact]
    public void A_Missing_Seq_Is_Nacked_At_Most_MaxTries_Times()
    {
        var d = new GapDetector();
        d.Observe(1, 0);
        int nacks = 0;
        for (ulong s = 3; s < 200; s++)
        {
            d.Observe(s, (long)s * 1000); // a second apart: every arrival is past the retry interval
            nacks += Due(d).Count(x => x == 2);
        }
        Assert.Equal(GapDetector.MaxTries, nacks);
    }

    [Fact]
    public void One_Arrival_Asks_For_At_Most_MaxNacksPerArrival_And_The_Rest_Follow()
    {
        var d = new GapDetector();
        d.Observe(1, 0);
        d.Observe(102, 0); // 100 missing
        Assert.Equal(GapDetector.MaxNacksPerArrival, d.DueCount);
        Assert.Equal(Enumerable.Range(2, GapDetector.MaxNacksPerArrival).Select(x => (ulong)x), Due(d));
        d.Observe(103, 1);
        Assert.Equal(Enumerable.Range(2 + GapDetector.MaxNacksPerArrival, GapDetector.MaxNacksPerArrival).Select(x => (ulong)x), Due(d));
        Assert.Equal(100, d.Missing);
    }

    [Fact]
    public void Seqs_Before_The_First_Seen_Are_Never_Nacked()
    {
        var d = new GapDetector();
        d.Observe(50, 0);
        d.Observe(51, 0);
        Assert.Empty(Due(d));
        Assert.Equal(GapVerdict.Late, d.Observe(10, 0)); // delivered, not a repair
    }

    [Fact]
    public void A_Jump_Of_A_Window_Or_More_Nacks_Nothing_And_Abandons_What_Was_Missing()
    {
        var d = new GapDetector(64);
        d.Observe(1, 0);
        d.Observe(3, 0);
        Assert.Equal(new ulong[] { 2 }, Due(d));
        Assert.Equal(GapVerdict.New, d.Observe(1_000_000, 0));
        Assert.Equal(0, d.DueCount);
        Assert.Equal(1, d.TakeAbandoned());
        Assert.Equal(0, d.TakeAbandoned());
        Assert.Equal(0, d.Missing);
    }

    [Fact]
    public void A_Missing_Seq_Leaving_The_Window_Is_Abandoned()
    {
        var d = new GapDetector(64);
        d.Observe(1, 0);
        for (ulong s = 3; s <= 65; s++) d.Observe(s, 0); // the window is 2..65
        Assert.Equal(1, d.Missing);
        Assert.Equal(0, d.TakeAbandoned());
        d.Observe(66, 0); // 2 leaves: the window is 3..66
        Assert.Equal(1, d.TakeAbandoned());
        Assert.Equal(0, d.Missing);
        Assert.Equal(GapVerdict.Late, d.Observe(2, 0));
    }

    [Fact]
    public void A_Restarted_Sender_Is_Tracked_Again_After_RestartAfter_Low_Seqs()
    {
        var d = new GapDetector(64);
        for (ulong s = 1000; s < 1010; s++) d.Observe(s, 0);
        for (int i = 1; i < GapDetector.RestartAfter; i++) Assert.Equal(GapVerdict.Late, d.Observe((ulong)i, 0));
        Assert.Equal(GapVerdict.Restarted, d.Observe(GapDetector.RestartAfter, 0));
        Assert.Equal(GapVerdict.New, d.Observe(GapDetector.RestartAfter + 2, 0));
        Assert.Equal(new ulong[] { GapDetector.RestartAfter + 1 }, Due(d));
    }

    /// <summary>
    /// Over random streams (drops, duplicates, reorders within a few seqs): every seq is
    /// delivered at most once while it is inside the window, every dropped seq inside the
    /// window is NACKed at least once, and NACKs never exceed MaxTries per seq.
    /// </summary>
    [Fact]
    public void Random_Streams_Deliver_Each_Seq_At_Most_Once_And_Nack_Each_Loss_Within_Bounds()
    {
        Gen.Int[1, 400].Array[Gen.Int[0, 9]].Select(Gen.Int[0, 3]).Sample(t =>
        {
            var (draws, _) = t;
            var d = new GapDetector(256);
            var order = new List<ulong>();
            ulong s = 1;
            foreach (int r in draws)
            {
                if (r == 0) { s++; continue; }                      // dropped
                order.Add(s);
                if (r == 1 && s > 1) order.Add(s - 1);                 // a late one (or a copy)
                if (r == 2) order.Add(s);                              // a copy
                s++;
            }
            var delivered = new Dictionary<ulong, int>();
            var nacked = new Dictionary<ulong, int>();
            long now = 0;
            foreach (ulong x in order)
            {
                GapVerdict v = d.Observe(x, now += 100);
                if (v != GapVerdict.Duplicate) delivered[x] = delivered.GetValueOrDefault(x) + 1;
                foreach (ulong n in Due(d))
                {
                    Assert.DoesNotContain(n, delivered.Keys); // never NACK what arrived
                    nacked[n] = nacked.GetValueOrDefault(n) + 1;
                }
            }
            Assert.All(delivered.Values, c => Assert.Equal(1, c));
            Assert.All(nacked.Values, c => Assert.InRange(c, 1, GapDetector.MaxTries));
            if (order.Count > 0)
            {
                ulong top = order.Max(), first = order[0];
                for (ulong m = first + 1; m < top; m++)
                    if (!delivered.ContainsKey(m) && order.Any(o => o > m)) Assert.True(nacked.ContainsKey(m), $"seq {m} lost and never NACKed");
            }
        }, iter: 300);
    }

    [Fact]
    public void Log_Returns_The_Logged_Bytes_Until_Overwritten_Or_Expired()
    {
        var log = new NackLog(4 * 100 + 99, 100, 1000);
        Assert.Equal(4, log.Slots); // the largest power of two that fits the budget
        byte[] d = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();
        var out1 = new byte[100];
        Assert.True(log.Record(7, d, 0, 60, 0));
        Assert.Equal(60, log.TryCopy(7, 999, out1, 0));
        Assert.Equal(d, out1.AsSpan(0, 60).ToArray());
        Assert.Equal(-1, log.TryCopy(7, 1001, out1, 0)); // older than the age
        Assert.Equal(-1, log.TryCopy(3, 0, out1, 0));    // same slot, never logged
        Assert.Equal(-1, log.TryCopy(8, 0, out1, 0));    // empty slot
        Assert.True(log.Record(11, d, 0, 10, 0));        // 11 mod 4 = 7 mod 4
        Assert.Equal(-1, log.TryCopy(7, 0, out1, 0));
        Assert.Equal(10, log.TryCopy(11, 0, out1, 0));
        Assert.False(log.Record(12, new byte[101], 0, 101, 0)); // larger than a slot
        Assert.Throws<ArgumentOutOfRangeException>(() => new NackLog(99, 100, 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NackLog(1000, 100, 0));
    }

    [Fact]
    public void Log_Records_Without_Allocating()
    {
        var log = new NackLog(1 << 16, 256, 10_000);
        var d = new byte[200];
        var copy = new byte[256];
        log.Record(1, d, 0, 200, 0);
        log.TryCopy(1, 0, copy, 0);
        long before = ThreadAllocations.Baseline();
        for (ulong s = 2; s < 100_000; s++)
        {
            log.Record(s, d, 0, 200, 0);
            log.TryCopy(s - 1, 0, copy, 0);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>One writer overwriting slots as fast as it can, one reader copying: a copy is
    /// either refused or exactly the datagram logged for that seq, never a mix of two.</summary>
    [Fact]
    public void Log_Reader_Never_Sees_A_Torn_Datagram()
    {
        var log = new NackLog(8 * 512, 512, 1_000_000);
        long highest = 0;
        bool stop = false;
        var writer = new Thread(() =>
        {
            var d = new byte[512];
            for (ulong s = 1; !Volatile.Read(ref stop); s++)
            {
                int len = 64 + (int)(s % 400);
                for (int i = 0; i < len; i++) d[i] = (byte)(s + (ulong)i);
                log.Record(s, d, 0, len, 0);
                Volatile.Write(ref highest, (long)s);
            }
        });
        writer.Start();
        var copy = new byte[512];
        int whole = 0, refused = 0;
        var until = DateTime.UtcNow.AddMilliseconds(700);
        while (DateTime.UtcNow < until)
        {
            ulong s = (ulong)Volatile.Read(ref highest);
            if (s == 0) continue;
            int n = log.TryCopy(s, 0, copy, 0);
            if (n < 0) { refused++; continue; }
            whole++;
            Assert.Equal(64 + (int)(s % 400), n);
            for (int i = 0; i < n; i++) Assert.Equal((byte)(s + (ulong)i), copy[i]);
        }
        Volatile.Write(ref stop, true);
        writer.Join();
        Assert.True(whole > 100, $"only {whole} whole copies ({refused} refused)");
    }

    [Fact]
    public void Limiter_Allows_The_Burst_Then_The_Rate_And_No_More()
    {
        var l = new ResendLimiter(100, 10, 0);
        int ok = 0;
        for (int i = 0; i < 1000; i++) if (l.TryTake(0)) ok++;
        Assert.Equal(10, ok); // the burst
        ok = 0;
        for (long t = 1; t <= 1000; t++) for (int i = 0; i < 50; i++) if (l.TryTake(t)) ok++;
        Assert.Equal(100, ok); // one second at 100/s, 50,000 asks
        Assert.True(l.TryTake(long.MaxValue / 2)); // a long idle refills to the burst, no overflow
        ok = 1;
        while (l.TryTake(long.MaxValue / 2)) ok++;
        Assert.Equal(10, ok);
    }

    private static (MemoryPlatform Platform, Context Ctx, Channel Channel) Bound(string name)
    {
        var p = new MemoryPlatform();
        var ctx = new Context(p);
        var s = ctx.CreateSocket();
        var c = ctx.CreateChannel(name);
        s.Bind(c);
        return (p, ctx, c);
    }

    [Fact]
    public void Receiver_Sends_The_Missing_Seq_As_8_Bytes_Big_Endian_On_The_Nack_Sidehash()
    {
        var (p, ctx, c) = Bound("bench");
        c.Join();
        using var repair = c.DetectGaps();
        Assert.Equal("ff1e:ef2e:a410:88f8:50b:afde:ca3a:756c", repair.NackChannel.Address); // librecast 0.11.2's, WIRE-0.11.md section 8
        Assert.Equal(4242, repair.NackChannel.Port);
        var frame = new byte[40];
        var group = new byte[16];
        c.CopyGroupTo(group, 0);
        var m = new Message(1500);
        var got = new List<ulong>();
        foreach (ulong seq in new ulong[] { 1, 2, 4, 3, 3 })
        {
            int n = Frame.Encode(frame, 0, 1, seq, seq * 77, Opcode.Data, new byte[] { 1, 2, 3, 4, 5, 6, 7 }, 0, 7);
            p.Inject(frame.AsSpan(0, n).ToArray(), group, 4242);
            ReceiveResult r = c.Socket!.ReceiveMessage(m, 1000);
            if (r == ReceiveResult.Ok) got.Add(m.Header.Sequence);
            else Assert.Equal(ReceiveResult.Replayed, r);
        }
        Assert.Equal(new ulong[] { 1, 2, 4, 3 }, got); // the second 3 is not delivered
        byte[] nack = Assert.Single(p.Sent, d => d.Length == 8);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 3 }, nack);
        Assert.Equal(1, ctx.NackCounters.Get(NackCounter.Sent));
        Assert.Equal(1, ctx.NackCounters.Get(NackCounter.Repaired));
        Assert.Equal(1, ctx.NackCounters.Get(NackCounter.Duplicates));
    }

    [Fact]
    public void Sender_Answers_A_Nack_With_The_Logged_Datagram_Byte_For_Byte_And_Counts_Every_Nack()
    {
        var (p, ctx, c) = Bound("bench");
        using var responder = c.HandleNacks(new NackOptions { Seconds = 5, LogBytes = 64 * 1280, HoldoffMilliseconds = 100 });
        for (int i = 1; i <= 5; i++) c.SendMessage(new byte[] { (byte)i, 9, 9 }, 0, 3);
        byte[] third = p.Sent.Where(d => d.Length == 36).ElementAt(2);
        Assert.Equal(3UL, Frame.ReadUInt64(third, 8));
        int before = p.Sent.Count;
        var nack = new byte[8];
        Frame.WriteUInt64(nack, 0, 3);
        Assert.True(responder.Answer(nack, 0, 8));
        Assert.Equal(third, p.Sent[before]);                 // byte for byte: same ts, seq, rnd
        Assert.False(responder.Answer(nack, 0, 8));          // within the hold-off
        p.Monotonic += 100;
        Assert.True(responder.Answer(nack, 0, 8));           // after it
        Frame.WriteUInt64(nack, 0, 99);
        Assert.False(responder.Answer(nack, 0, 8));          // never sent
        Assert.False(responder.Answer(nack, 0, 7));          // not a NACK
        p.Monotonic += 5001;
        Frame.WriteUInt64(nack, 0, 4);
        Assert.False(responder.Answer(nack, 0, 8));          // expired
        NackCounters n = ctx.NackCounters;
        Assert.Equal((5L, 2L, 1L, 2L, 1L), (n.Get(NackCounter.Received), n.Get(NackCounter.Resent), n.Get(NackCounter.Refused), n.Get(NackCounter.Unknown), n.Get(NackCounter.Malformed)));
        Assert.Equal(before + 2, p.Sent.Count);
    }

    [Fact]
    public void Publisher_Logs_What_It_Stamps_So_A_Nack_Gets_The_Wire_Bytes()
    {
        var (p, ctx, c) = Bound("fleet/x");
        using var responder = c.HandleNacks(new NackOptions());
        var pub = c.Socket!.StartPublisher(new PublisherOptions { Capacity = 64, BufferSize = 256, StartThread = false });
        for (int i = 0; i < 20; i++) c.Publish(new byte[] { (byte)i }, 0, 1);
        while (pub.DoWork() > 0) { }
        byte[] seventh = p.Sent.Single(d => d.Length == 34 && Frame.ReadUInt64(d, 8) == 7);
        var nack = new byte[8];
        Frame.WriteUInt64(nack, 0, 7);
        Assert.True(responder.Answer(nack, 0, 8));
        Assert.Equal(seventh, p.Sent[^1]);
    }

    [Fact]
    public void A_Nack_Flood_Is_Answered_At_Most_Burst_Plus_Rate_Times_Seconds()
    {
        var (p, ctx, c) = Bound("flood");
        using var responder = c.HandleNacks(new NackOptions { ResendsPerSecond = 50, Burst = 5, HoldoffMilliseconds = 0 });
        for (int i = 0; i < 200; i++) c.SendMessage(new byte[] { 1 }, 0, 1);
        var nack = new byte[8];
        int resent = 0;
        for (int ms = 0; ms < 2000; ms++)
        {
            p.Monotonic++;
            for (int k = 0; k < 20; k++) // 20 NACKs a millisecond, 40,000 in all
            {
                Frame.WriteUInt64(nack, 0, (ulong)(1 + (ms * 20 + k) % 200));
                if (responder.Answer(nack, 0, 8)) resent++;
            }
        }
        Assert.InRange(resent, 5 + 50 * 2 - 1, 5 + 50 * 2);
        Assert.Equal(40_000, ctx.NackCounters.Get(NackCounter.Received));
        Assert.Equal(resent, ctx.NackCounters.Get(NackCounter.Resent));
        Assert.Equal(40_000 - resent, ctx.NackCounters.Get(NackCounter.Refused));
    }

    [Fact]
    public void Publishing_With_A_Nack_Log_Allocates_Nothing_Per_Message()
    {
        var platform = new NullPlatform();
        using var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("alloc/nack");
        s.Bind(c);
        using NackResponder r = c.HandleNacks(new NackOptions { LogBytes = 256 * 128, SlotSize = 128 });
        Publisher p = s.StartPublisher(new PublisherOptions { Capacity = 256, BufferSize = 128, StartThread = false });
        byte[] payload = new byte[64];
        for (int i = 0; i < 1000; i++) { c.Publish(payload, 0, 64); p.DoWork(); } // warm up
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 50_000; i++)
        {
            c.Publish(payload, 0, 64);
            if ((i & 31) == 31) p.DoWork();
        }
        while (p.DoWork() > 0) { }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var copy = new byte[128];
        Assert.Equal(97, r.Log.TryCopy(c.Sequence, platform.MonotonicMilliseconds(), copy, 0)); // the last one is logged
        Assert.Equal(0, ctx.NackCounters.Get(NackCounter.NotLogged));
    }

    [Fact]
    public void Gap_Detection_Allocates_Nothing()
    {
        var d = new GapDetector();
        d.Observe(1, 0);
        long before = ThreadAllocations.Baseline();
        for (ulong s = 2; s < 200_000; s++) if (s % 7 != 0) d.Observe(s, (long)s);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Wire_0_5_Has_No_Nack_Repair()
    {
        var p = new MemoryPlatform();
        using var ctx = new Context(p) { Wire = WireProfile.V0_5 };
        var s = ctx.CreateSocket();
        var c = ctx.CreateChannel("bench");
        s.Bind(c);
        var e = Assert.Throws<LibrecastException>(() => c.DetectGaps());
        Assert.Contains("0.5.1", e.Message);
        Assert.Throws<LibrecastException>(() => c.HandleNacks(new NackOptions()));
    }
}
