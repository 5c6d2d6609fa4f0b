using System;
using System.Collections.Generic;
using System.Linq;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The core's unbound send on a transport that lists interfaces and sends by interface, without a
/// network: which sends fan out (0.9+ wire, socket bound to no interface, IPv6 group), that every
/// copy is the same bytes, that a copy failing on one interface is counted and reported while the
/// others still go, that the interface list is re-read once a second, and that the publisher's
/// fan-out allocates nothing. The wire itself is checked against librecast in UnboundSendTests.
/// </summary>
public class UnboundFanOutTests
{
    /// <summary>A transport with interfaces <see cref="Up"/>; sends on <see cref="Failing"/> fail.</summary>
    private sealed class FanOutTransport : ITransport, IMulticastInterfaces, IInterfaceSend
    {
        public int[] Up = { 2, 3, 5 };
        public int Failing = -1;
        public bool Record = true;
        public int Lists;
        public readonly List<(int Via, byte[] Data)> Sent = new();

        public int ListMulticastInterfaces(int[] indices)
        {
            Lists++;
            for (int i = 0; i < Up.Length && i < indices.Length; i++) indices[i] = Up[i];
            return Up.Length;
        }

        public int SendVia(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port, int interfaceIndex)
        {
            if (interfaceIndex == Failing) throw new LibrecastException("cannot send via interface " + interfaceIndex + ": injected");
            if (Record) Sent.Add((interfaceIndex, buffer.AsSpan(offset, count).ToArray()));
            return count;
        }

        public int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port) =>
            SendVia(buffer, offset, count, group, groupOffset, port, 0);

        public void Bind(int port) { }
        public void SetInterface(int interfaceIndex) { }
        public void SetHopLimit(int hops) { }
        public void SetLoopback(bool enabled) { }
        public void Join(byte[] group, int offset, int interfaceIndex) { }
        public void Leave(byte[] group, int offset, int interfaceIndex) { }
        public int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info) => -1;
        public void Dispose() { }
    }

    private sealed class FanOutPlatform : IPlatform
    {
        public readonly FanOutTransport Transport = new();
        private readonly MemoryPlatform clock = new();
        public long Monotonic = 1_000;
        public ITransport OpenTransport() => Transport;
        public ulong NowNanoseconds() => clock.NowNanoseconds();
        public long MonotonicMilliseconds() => Monotonic;
        public void FillRandom(byte[] buffer, int offset, int count) => clock.FillRandom(buffer, offset, count);
    }

    private static (FanOutPlatform, Context, Socket, Channel) Open(WireProfile wire, int bindTo = 0, bool ipv4 = false)
    {
        var platform = new FanOutPlatform();
        var ctx = new Context(platform) { Wire = wire };
        Socket s = ctx.CreateSocket();
        s.Bind(bindTo);
        Channel c = ipv4 ? ctx.CreateIpv4Channel("fan/out") : ctx.CreateChannel("fan/out");
        s.Bind(c);
        return (platform, ctx, s, c);
    }

    [Theory]
    [InlineData("0.9")]
    [InlineData("0.11")]
    public void Unbound_Send_Goes_Once_Per_Interface_With_The_Same_Bytes(string wireName)
    {
        var (p, ctx, s, c) = Open(WireProfile.Parse(wireName)!);
        byte[] payload = { 1, 2, 3 };
        c.SendMessage(payload, 0, 3);
        c.Send(payload, 0, 3);
        Assert.Equal(new[] { 2, 3, 5, 2, 3, 5 }, p.Transport.Sent.Select(x => x.Via));
        for (int i = 1; i < 3; i++)
        {
            Assert.Equal(p.Transport.Sent[0].Data, p.Transport.Sent[i].Data); // same ts, seq, rnd
            Assert.Equal(p.Transport.Sent[3].Data, p.Transport.Sent[3 + i].Data);
        }
        Assert.Equal(1UL, c.Sequence);
        Assert.Equal(6, ctx.Counters.Sent);
        Assert.Equal(new[] { 2, 3, 5 }, s.SendInterfaces(c));
    }

    [Fact]
    public void Wire_0_5_Bound_Socket_And_Ipv4_Group_Send_Once_As_The_Socket_Chose()
    {
        foreach (var (wire, bindTo, ipv4) in new[] { (WireProfile.V0_5, 0, false), (WireProfile.V0_11, 3, false), (WireProfile.V0_11, 0, true) })
        {
            var (p, ctx, s, c) = Open(wire, bindTo, ipv4);
            c.SendMessage(new byte[] { 9 }, 0, 1);
            Assert.Equal(new[] { 0 }, p.Transport.Sent.Select(x => x.Via));
            Assert.Empty(s.SendInterfaces(c));
            Assert.Equal(1, ctx.Counters.Sent);
        }
    }

    [Fact]
    public void A_Copy_That_Fails_Is_Counted_And_Reported_And_The_Others_Still_Go()
    {
        var (p, ctx, s, c) = Open(WireProfile.V0_11);
        p.Transport.Failing = 3;
        var errors = new List<string>();
        s.SendErrorHandler = e => errors.Add(e.Message);
        c.SendMessage(new byte[] { 7 }, 0, 1); // does not throw: two copies went
        Assert.Equal(new[] { 2, 5 }, p.Transport.Sent.Select(x => x.Via));
        Assert.Equal(2, ctx.Counters.Sent);
        Assert.Equal(1, ctx.Counters.SendErrors);
        Assert.Contains("interface 3", Assert.Single(errors));

        // The publisher's path: every failed copy counted and reported too.
        s.StartPublisher(new PublisherOptions { Capacity = 16, BufferSize = 128, StartThread = false });
        for (int i = 0; i < 4; i++) Assert.True(c.Publish(new byte[] { (byte)i }, 0, 1));
        while (s.Publisher!.DoWork() > 0) { }
        Assert.Equal(2 + 8, p.Transport.Sent.Count);
        Assert.Equal(2 + 8, ctx.Counters.Sent);
        Assert.Equal(1 + 4, ctx.Counters.SendErrors);
        Assert.Equal(1 + 4, errors.Count);

        // Every copy failing: the direct send throws, as a bound one would.
        var (p2, ctx2, s2, c2) = Open(WireProfile.V0_11);
        p2.Transport.Up = new[] { 3 };
        p2.Transport.Failing = 3;
        Assert.Throws<LibrecastException>(() => c2.SendMessage(new byte[] { 1 }, 0, 1));
        Assert.Equal(1, ctx2.Counters.SendErrors);
        Assert.Equal(0, ctx2.Counters.Sent);
    }

    [Fact]
    public void Publisher_Sends_Each_Message_On_Every_Interface_In_Order_Beside_A_0_5_Channel()
    {
        var (p, ctx, s, c) = Open(WireProfile.V0_11);
        Channel old = ctx.CreateChannel("fan/old", WireProfile.V0_5); // one socket, two wires (a bridge)
        s.Bind(old);
        s.StartPublisher(new PublisherOptions { Capacity = 64, BufferSize = 128, StartThread = false, BatchSize = 8 });
        for (int i = 0; i < 10; i++)
        {
            Assert.True(c.Publish(new byte[] { (byte)i }, 0, 1));
            Assert.True(old.Publish(new byte[] { (byte)(100 + i) }, 0, 1));
        }
        while (s.Publisher!.DoWork() > 0) { }
        var header = new FrameHeader();
        foreach (int via in new[] { 2, 3, 5 })
        {
            var frames = p.Transport.Sent.Where(x => x.Via == via).Select(x => x.Data).ToList();
            Assert.Equal(10, frames.Count);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(frames[i], 0, frames[i].Length, header));
                Assert.Equal((ulong)(i + 1), header.Sequence);
                Assert.Equal((byte)i, frames[i][Frame.HeaderSize]);
            }
            Assert.Equal(p.Transport.Sent.Where(x => x.Via == 2).Select(x => Convert.ToHexString(x.Data)), frames.Select(Convert.ToHexString));
        }
        var once = p.Transport.Sent.Where(x => x.Via == 0).Select(x => x.Data).ToList();
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (byte)i), once.Select(d => d[Frame.HeaderSize]));
        Assert.Equal(40, ctx.Counters.Sent);
    }

    [Fact]
    public void Interfaces_Are_Reread_Once_A_Second()
    {
        var (p, ctx, s, c) = Open(WireProfile.V0_11);
        c.SendMessage(new byte[] { 1 }, 0, 1);
        int lists = p.Transport.Lists;
        p.Transport.Up = new[] { 7 };
        p.Monotonic += Socket.InterfaceRefreshMs - 1;
        c.SendMessage(new byte[] { 2 }, 0, 1);
        Assert.Equal(lists, p.Transport.Lists);
        Assert.Equal(new[] { 2, 3, 5, 2, 3, 5 }, p.Transport.Sent.Select(x => x.Via));
        p.Monotonic += 1;
        c.SendMessage(new byte[] { 3 }, 0, 1);
        Assert.Equal(7, p.Transport.Sent[^1].Via);
        Assert.Equal(7, p.Transport.Sent.Count);
    }

    [Fact]
    public void Publisher_Fan_Out_Allocates_Nothing()
    {
        var (p, ctx, s, c) = Open(WireProfile.V0_11);
        p.Transport.Record = false;
        s.StartPublisher(new PublisherOptions { Capacity = 256, BufferSize = 128, StartThread = false, BatchSize = 64 });
        byte[] payload = new byte[32];
        void Round()
        {
            for (int i = 0; i < 200; i++) c.Publish(payload, 0, payload.Length);
            while (s.Publisher!.DoWork() > 0) { }
        }
        Round(); // warm-up: JIT, the interface list read once
        p.Monotonic += Socket.InterfaceRefreshMs; // a re-read that finds the same interfaces allocates nothing either
        long before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(3 * 400, ctx.Counters.Sent);
    }
}
