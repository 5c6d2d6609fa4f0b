using System;
using System.Threading;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>Faults on a live wire inside the test namespace: nothing crashes, everything is counted, traffic resumes.</summary>
[Collection(NetworkCollection.Name)]
public class FaultTests
{
    [Fact]
    public void Sender_Interface_Down_And_Up_Counts_Errors_And_Sending_Resumes()
    {
        Netns.Require();
        string name = $"fault/ifdown/{Guid.NewGuid():N}";
        var (rxCtx, rx, _) = Endpoints.Open(Netns.RecvIf, name, join: true);
        var (txCtx, tx, txChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (rxCtx)
        using (txCtx)
        {
            int errorsReported = 0;
            tx.SendErrorHandler = _ => Interlocked.Increment(ref errorsReported);
            tx.StartPublisher(new PublisherOptions { Capacity = 64, BufferSize = 128, Policy = OverflowPolicy.Block });
            ulong lastSeq = 0;
            int received = 0, receivedAfterUp = 0;
            bool up = true;
            rx.Listen(m =>
            {
                lastSeq = m.Header.Sequence;
                received++;
                if (Volatile.Read(ref up) && Volatile.Read(ref errorsReported) > 0) receivedAfterUp++;
            }, null, null, 2048);

            byte[] payload = new byte[16];
            void Publish(int n) { for (int i = 0; i < n; i++) { txChan.Publish(payload, 0, 16); Thread.Sleep(2); } }
            try
            {
                Publish(200);
                Volatile.Write(ref up, false);
                RoutedTopology.Ip($"link set {Netns.SendIf} down");
                Publish(200);
            }
            finally
            {
                RoutedTopology.Ip($"link set {Netns.SendIf} up");
            }
            Thread.Sleep(300);
            Volatile.Write(ref up, true);
            Publish(200);
            Thread.Sleep(500);
            rx.ListenCancel();

            Counters c = txCtx.Counters;
            Assert.True(c.SendErrors > 0, "sending on a downed interface produced no counted error: " + c);
            Assert.Equal(c.SendErrors, errorsReported);
            Assert.Equal(600, c.Published);
            Assert.Equal(600, c.Sent + c.SendErrors); // every message either sent or counted as failed
            Assert.True(receivedAfterUp > 0, $"nothing arrived after the interface came back ({received} before)");
            Assert.True(lastSeq > 400, $"last sequence {lastSeq}: sending did not resume");
        }
    }

    [Fact]
    public void Garbage_Flood_Is_Counted_While_Every_Valid_Message_Is_Delivered()
    {
        Netns.Require();
        string name = $"fault/garbage/{Guid.NewGuid():N}";
        var (rxCtx, rx, _) = Endpoints.Open(Netns.RecvIf, name, join: true);
        var (txCtx, _, txChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        var (junkCtx, _, junkChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (rxCtx)
        using (txCtx)
        using (junkCtx)
        {
            int valid = 0;
            rx.Listen(m => { if (m.PayloadLength == 5) Interlocked.Increment(ref valid); }, null, null, 2048);
            using var stop = new CancellationTokenSource();
            int junkSent = 0;
            var junk = new Thread(() =>
            {
                var random = new Random(7);
                byte[] bytes = new byte[200];
                while (!stop.IsCancellationRequested)
                {
                    int n = random.Next(0, 200);
                    random.NextBytes(bytes);
                    junkChan.Send(bytes, 0, n); // raw: no librecast frame (a random one decodes with odds 2^-64)
                    junkSent++;
                    if ((junkSent & 63) == 0) Thread.Sleep(1);
                }
            });
            junk.Start();
            for (int i = 0; i < 300; i++)
            {
                txChan.SendMessage("valid"u8.ToArray(), 0, 5);
                Thread.Sleep(3);
            }
            Thread.Sleep(300);
            stop.Cancel();
            junk.Join();
            Thread.Sleep(300);
            rx.ListenCancel();

            Counters c = rxCtx.Counters;
            Assert.True(junkSent > 1000, $"only {junkSent} garbage datagrams sent");
            // Every datagram that reached the socket was either a valid message or counted as
            // malformed, and the kernel's drops (if any) account for the rest.
            Assert.Equal(300 + junkSent, c.Received + c.Malformed + c.KernelDrops);
            Assert.True(valid == 300 || c.KernelDrops > 0, $"{300 - valid} valid messages missing with no kernel drop counted");
            Assert.Equal(valid, c.Received);
        }
    }
}
