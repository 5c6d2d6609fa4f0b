using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>The publish ring: ordering, overflow policies with exact counts, and zero allocation.</summary>
public class PublisherTests
{
    private static (Context, MemoryPlatform, Channel, Publisher) Start(OverflowPolicy policy, int capacity = 8, bool thread = false,
        IIdleStrategy? blockIdle = null, MemoryPlatform? memory = null, bool singleWriter = true)
    {
        var platform = memory ?? new MemoryPlatform();
        var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("pub/test");
        s.Bind(c);
        Publisher p = s.StartPublisher(new PublisherOptions { Capacity = capacity, BufferSize = 256, Policy = policy, BatchSize = 4, StartThread = thread, BlockIdle = blockIdle, SingleWriter = singleWriter });
        return (ctx, platform, c, p);
    }

    private static List<(ulong Seq, int Value)> Decode(MemoryPlatform platform)
    {
        var list = new List<(ulong, int)>();
        var h = new FrameHeader();
        lock (platform.Sent)
            foreach (byte[] d in platform.Sent)
            {
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, d.Length, h));
                list.Add((h.Sequence, BitConverter.ToInt32(d, h.PayloadOffset)));
            }
        return list;
    }

    private static void Drain(Publisher p) { while (p.DoWork() > 0) { } }

    [Fact]
    public void DropWrite_Refuses_Exactly_What_Does_Not_Fit()
    {
        var (ctx, platform, c, p) = Start(OverflowPolicy.DropWrite);
        int accepted = 0;
        for (int i = 0; i < 20; i++) if (c.Publish(BitConverter.GetBytes(i), 0, 4)) accepted++;
        Assert.Equal(8, accepted);
        Assert.Equal(12, ctx.Counters.Dropped);
        Drain(p);
        Assert.Equal(8, ctx.Counters.Published); // counted by the sender, per batch
        Assert.Equal(8, ctx.Counters.Sent);
        var sent = Decode(platform);
        for (int i = 0; i < 8; i++) Assert.Equal(((ulong)i + 1, i), sent[i]); // the first 8, numbered 1..8
    }

    [Fact]
    public void DropOldest_Keeps_The_Newest_And_Counts_Every_Eviction()
    {
        var (ctx, platform, c, p) = Start(OverflowPolicy.DropOldest);
        for (int i = 0; i < 20; i++) Assert.True(c.Publish(BitConverter.GetBytes(i), 0, 4));
        Assert.Equal(12, ctx.Counters.Dropped);
        Drain(p);
        Assert.Equal(20, ctx.Counters.Published); // counted by the sender, per batch: the evicted too
        var sent = Decode(platform);
        Assert.Equal(8, sent.Count);
        for (int i = 0; i < 8; i++) Assert.Equal(((ulong)i + 1, 12 + i), sent[i]); // the last 8, numbered gap-free
    }

    [Fact]
    public void Block_Loses_Nothing()
    {
        var (ctx, platform, c, p) = Start(OverflowPolicy.Block);
        // No sender thread: a blocked producer drains the ring itself rather than deadlock.
        for (int i = 0; i < 20; i++) Assert.True(c.Publish(BitConverter.GetBytes(i), 0, 4));
        Drain(p);
        Assert.Equal(0, ctx.Counters.Dropped);
        var sent = Decode(platform);
        Assert.Equal(20, sent.Count);
        for (int i = 0; i < 20; i++) Assert.Equal(((ulong)i + 1, i), sent[i]);
    }

    /// <summary>Counts the waits; the first one lets the held sender go.</summary>
    private sealed class OpeningIdle(ManualResetEventSlim gate) : IIdleStrategy
    {
        public int Waits;
        public void Idle(int workCount)
        {
            if (workCount != 0) return;
            Interlocked.Increment(ref Waits);
            gate.Set();
            Thread.Sleep(0);
        }
        public void Reset() { }
    }

    [Fact]
    public async Task Block_Waits_With_Its_Idle_Strategy_And_Loses_Nothing()
    {
        // The sender thread is held in its first send, so at most 8 buffers (4 in that batch, 4
        // queued) can be filled: the 9th publish has to wait, and only BlockIdle's first wait
        // lets the sender go. Were Block not to wait with BlockIdle, it would never return (the
        // WaitAsync bound below is a hang guard, not a timing).
        using var gate = new ManualResetEventSlim(false);
        var memory = new MemoryPlatform { SendGate = gate };
        var idle = new OpeningIdle(gate);
        var (ctx, platform, c, p) = Start(OverflowPolicy.Block, capacity: 8, thread: true, blockIdle: idle, memory: memory);
        const int count = 40;
        await Task.Run(() =>
        {
            for (int i = 0; i < count; i++) Assert.True(c.Publish(BitConverter.GetBytes(i), 0, 4));
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.True(gate.IsSet, "the producer never waited with BlockIdle");
        Assert.True(idle.Waits >= 1);
        c.Socket!.Dispose(); // the sender sends everything queued, then stops
        Assert.Equal(0, ctx.Counters.Dropped);
        Assert.Equal(count, ctx.Counters.Sent);
        var sent = Decode(platform);
        Assert.Equal(count, sent.Count);
        for (int i = 0; i < count; i++) Assert.Equal(((ulong)i + 1, i), sent[i]);
    }

    [Fact]
    public async Task Concurrent_Producers_With_A_Sender_Thread_Lose_Nothing_And_Number_In_Wire_Order()
    {
        var (ctx, platform, c, p) = Start(OverflowPolicy.Block, capacity: 64, thread: true, singleWriter: false);
        const int producers = 4, each = 5_000;
        var tasks = new Task[producers];
        for (int t = 0; t < producers; t++)
        {
            int id = t;
            tasks[t] = Task.Run(() =>
            {
                byte[] payload = new byte[4];
                for (int i = 0; i < each; i++)
                {
                    BitConverter.TryWriteBytes(payload, (id << 24) | i);
                    c.Publish(payload, 0, 4);
                }
            }, TestContext.Current.CancellationToken);
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        c.Socket!.Dispose(); // stops the sender after it has sent everything queued
        var sent = Decode(platform);
        Assert.Equal(producers * each, sent.Count);
        var last = new int[producers];
        Array.Fill(last, -1);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal((ulong)i + 1, sent[i].Seq); // sequence = wire order, gap-free
            int id = sent[i].Value >> 24, n = sent[i].Value & 0xffffff;
            Assert.True(n == last[id] + 1, $"producer {id}: {n} after {last[id]}");
            last[id] = n;
        }
        Assert.Equal(0, ctx.Counters.Dropped);
        Assert.Equal(producers * each, ctx.Counters.Sent);
    }

    [Fact]
    public void SendMessage_On_A_Publishing_Socket_Goes_Through_The_Ring_In_Order()
    {
        var (ctx, platform, c, p) = Start(OverflowPolicy.DropWrite, capacity: 4);
        for (int i = 0; i < 10; i++) c.SendMessage(BitConverter.GetBytes(i), 0, 4); // waits for room, never drops
        Drain(p);
        Assert.Equal(0, ctx.Counters.Dropped);
        var sent = Decode(platform);
        for (int i = 0; i < 10; i++) Assert.Equal(((ulong)i + 1, i), sent[i]);
    }

    [Fact]
    public void Publishing_Without_A_Publisher_Says_What_To_Do()
    {
        var ctx = new Context(new MemoryPlatform());
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("x");
        s.Bind(c);
        var e = Assert.Throws<LibrecastException>(() => c.Publish(new byte[1], 0, 1));
        Assert.Contains("StartPublisher", e.Message);
    }

    [Fact]
    public void Oversized_Payload_Is_Refused_With_The_Limit()
    {
        var (_, _, c, _) = Start(OverflowPolicy.DropWrite);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => c.Publish(new byte[300], 0, 300));
        Assert.Contains("223", e.Message); // 256-byte buffers less the 33-byte header
    }

    [Fact]
    public void Publish_And_Send_Allocate_Nothing_Per_Message()
    {
        var platform = new NullPlatform();
        var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("alloc/test");
        s.Bind(c);
        Publisher p = s.StartPublisher(new PublisherOptions { Capacity = 256, BufferSize = 256, StartThread = false });
        byte[] payload = new byte[64];
        for (int i = 0; i < 1000; i++) { c.Publish(payload, 0, 64); p.DoWork(); } // warm up
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 100_000; i++)
        {
            c.Publish(payload, 0, 64);
            if ((i & 31) == 31) p.DoWork();
        }
        Drain(p);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(101_000, platform.Datagrams);
    }
}
