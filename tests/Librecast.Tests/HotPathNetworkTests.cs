using System;
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
}
