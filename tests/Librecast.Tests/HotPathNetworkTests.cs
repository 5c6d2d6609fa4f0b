using System;
using System.Linq;
using System.Threading;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>The real Linux send/receive paths over the veth pair: batching, order, drops accounted, no allocation.</summary>
[Collection(NetworkCollection.Name)]
public class HotPathNetworkTests
{
    [Fact]
    public void Batched_Listener_Delivers_In_Order_Accounts_For_Every_Datagram_And_Allocates_Nothing()
    {
        Netns.Require();
        string name = $"hot/listen/{Guid.NewGuid():N}";
        const int total = 20_000, warm = 1_000;
        var (rxCtx, rx, rxChan) = Endpoints.Open(Netns.RecvIf, name, join: true);
        var (txCtx, tx, txChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (rxCtx)
        using (txCtx)
        {
            var seqs = new ulong[total];
            int received = 0;
            long allocAtWarm = 0, allocAtLast = 0;
            rx.Listen(m =>
            {
                int n = received;
                if (n < total) seqs[n] = m.Header.Sequence;
                Volatile.Write(ref received, n + 1);
                if (n + 1 == warm) allocAtWarm = ThreadAllocations.Baseline();
                if (n + 1 > warm) allocAtLast = GC.GetAllocatedBytesForCurrentThread();
            }, null, null, new ListenOptions { MessageCapacity = 2048, Gro = false });
            // GRO off: then the kernel counts drops per datagram, so the sum below is exact (with
            // GRO it counts a coalesced packet once; TransportTests covers that path).

            Publisher pub = tx.StartPublisher(new PublisherOptions { Capacity = 1024, BufferSize = 256, Policy = OverflowPolicy.Block });
            byte[] payload = new byte[64];
            for (int i = 0; i < total; i++)
            {
                txChan.Publish(payload, 0, payload.Length);
                if (i % 200 == 199) Thread.Sleep(1); // pace below what one core can receive
            }
            // Every datagram is either delivered or counted by the kernel as dropped (how many get
            // through depends on this shared machine's load: throughput belongs to tools/bench).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref received) + rxCtx.Counters.KernelDrops < total && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Thread.Sleep(300); // nothing more may arrive: no duplicates
            rx.ListenCancel();
            int got = Volatile.Read(ref received);
            Assert.Equal(total, txCtx.Counters.Sent);
            Assert.Equal(total, got + rxCtx.Counters.KernelDrops);
            Assert.True(got > warm, $"only {got} of {total} delivered");
            for (int i = 1; i < got; i++) Assert.True(seqs[i] > seqs[i - 1], $"seq {seqs[i]} after {seqs[i - 1]}");
            Assert.Equal(0, allocAtLast - allocAtWarm);
        }
    }

    [Fact]
    public void Send_And_Receive_On_The_Calling_Thread_Allocate_Nothing()
    {
        Netns.Require();
        string name = $"hot/sync/{Guid.NewGuid():N}";
        var (rxCtx, rx, rxChan) = Endpoints.Open(Netns.RecvIf, name, join: true);
        var (txCtx, _, txChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (rxCtx)
        using (txCtx)
        {
            var m = new Message(2048);
            byte[] payload = new byte[64];
            // Nothing inside the measured loop may allocate, xunit's Assert included: count instead.
            int ok = 0;
            void RoundTrips(int n)
            {
                for (int i = 0; i < n; i++)
                {
                    txChan.SendMessage(payload, 0, payload.Length);
                    if (rx.ReceiveMessage(m, 2000) == ReceiveResult.Ok) ok++;
                }
            }
            RoundTrips(200);
            long before = ThreadAllocations.Baseline();
            RoundTrips(2000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(2200, ok);
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void Unbound_Sends_A_Copy_Per_Interface_And_The_Receiver_Drops_It_Allocating_Nothing()
    {
        // Both ends unbound on the 0.11 wire, in the suite's namespace (lc0 <-> lc1): each message
        // leaves once by lc0 (arriving on lc1) and once by lc1 (arriving on lc0); the receiver,
        // joined on both, delivers it once and drops the other copy. The direct path (sendmsg with
        // IPV6_PKTINFO) and the publisher's (sendmmsg/GSO runs per interface), on the real
        // transport, allocate nothing once warm; nor does the receiver's copy filter.
        Netns.Require();
        string name = $"hot/unbound/{Guid.NewGuid():N}";
        using var rxCtx = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_11 };
        Socket rx = rxCtx.CreateSocket();
        Channel rc = rxCtx.CreateChannel(name);
        rx.Bind(rc);
        rc.Join();
        using var txCtx = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_11 };
        Socket tx = txCtx.CreateSocket(); // direct sends (a socket with a publisher queues every send)
        Channel tc = txCtx.CreateChannel(name);
        tx.Bind(tc);
        Socket txp = txCtx.CreateSocket();
        Channel pc = txCtx.CreateChannel(name);
        txp.Bind(pc);
        int lc0 = Interfaces.Resolve(Netns.SendIf), lc1 = Interfaces.Resolve(Netns.RecvIf);
        int[] both = new[] { lc0, lc1 }.Order().ToArray();
        Assert.Equal(both, tx.SendInterfaces(tc).Order());
        Assert.Equal(both, rc.JoinedInterfaces.Order());
        txp.StartPublisher(new PublisherOptions { Capacity = 256, BufferSize = 128, StartThread = false, BatchSize = 64 });
        var m = new Message(2048);
        byte[] payload = new byte[64];
        int ok = 0, copies = 0, other = 0;
        void Take(int datagrams)
        {
            for (int i = 0; i < datagrams; i++)
            {
                ReceiveResult r = rx.ReceiveMessage(m, 2000);
                if (r == ReceiveResult.Ok) ok++;
                else if (r == ReceiveResult.Duplicate) copies++;
                else other++;
            }
        }
        void Round()
        {
            for (int i = 0; i < 20; i++)
            {
                tc.SendMessage(payload, 0, payload.Length);
                Take(2);
            }
            for (int i = 0; i < 64; i++) pc.Publish(payload, 0, payload.Length);
            while (txp.Publisher!.DoWork() > 0) { }
            Take(128);
        }
        Round(); // warm-up
        long before = ThreadAllocations.Baseline();
        for (int r = 0; r < 10; r++) Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((0, 11 * 84, 11 * 84), (other, ok, copies));
        Assert.Equal(11 * 84, rxCtx.Counters.Duplicates);
        Assert.Equal(2 * 11 * 84, txCtx.Counters.Sent);
        Assert.Equal(0, allocated);
    }
}
