using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
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
                Netns.Ip($"link set {Netns.SendIf} down");
                Publish(200);
            }
            finally
            {
                Netns.Ip($"link set {Netns.SendIf} up");
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

    [Fact]
    public async System.Threading.Tasks.Task Garbage_Flood_At_The_Gateway_Every_Valid_Reading_Is_Delivered_And_The_Junk_Counted()
    {
        // lcgw (its own process) subscribed to a channel that carries, all at once: random bytes,
        // librecast frames whose payload is not SenML, broken SenML, and 200 valid readings.
        Netns.Require();
        string name = $"fault/gw-garbage/{Guid.NewGuid():N}";
        int metricsPort = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface '{Netns.RecvIf}'
            config subscribe
            	list channel '{name}'
            config jsonl
            	option path '-'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            """, out _);
        var (txCtx, _, txChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        var (junkCtx, _, junkChan) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (txCtx)
        using (junkCtx)
        {
            using var stop = new CancellationTokenSource();
            int junkRaw = 0, junkFrames = 0;
            var junk = new Thread(() =>
            {
                var random = new Random(11);
                byte[] bytes = new byte[300];
                string[] broken = { "[{\"n\":\"x\",\"v\":}]", "{}", "[", "[{\"n\":\"t\",\"v\":\"21\"}]", "not senml", "[{\"bn\":1}]" };
                while (!stop.IsCancellationRequested)
                {
                    int n = random.Next(0, bytes.Length);
                    random.NextBytes(bytes);
                    junkChan.Send(bytes, 0, n);
                    junkRaw++;
                    byte[] bad = Encoding.UTF8.GetBytes(broken[junkFrames % broken.Length]);
                    junkChan.SendMessage(bad, 0, bad.Length);
                    junkFrames++;
                    if ((junkRaw & 15) == 0) Thread.Sleep(1);
                }
            });
            junk.Start();
            for (int i = 0; i < 200; i++)
            {
                byte[] pack = Encoding.UTF8.GetBytes($"[{{\"n\":\"flood:reading\",\"u\":\"count\",\"v\":{i}}}]");
                txChan.SendMessage(pack, 0, pack.Length);
                Thread.Sleep(5);
            }
            Thread.Sleep(300);
            stop.Cancel();
            junk.Join();

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken);
            long Metric(string line) => long.Parse(Regex.Match(metrics, "^" + Regex.Escape(line) + " (\\d+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
            long kernelDrops = Metric("lc_transport_kernel_drops_total");

            var values = new HashSet<int>();
            foreach (string line in gw.WaitForLine(l => l.Contains("\"value\":199", StringComparison.Ordinal) || kernelDrops > 0, 15_000))
            {
                Match v = Regex.Match(line, "\"name\":\"flood:reading\".*\"value\":(\\d+)");
                if (v.Success) values.Add(int.Parse(v.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            gw.Terminate();
            Assert.Equal(0, gw.WaitForExit());

            Assert.True(junkRaw > 1000, $"only {junkRaw} garbage datagrams sent");
            Assert.True(values.Count == 200 || kernelDrops > 0, $"{200 - values.Count} valid readings missing, no kernel drop counted");
            // The transport counted the random bytes as malformed; the SenML reader counted the
            // frames that were not SenML; the gateway is still alive and answered /metrics.
            Assert.True(Metric("lc_transport_malformed_total") + kernelDrops >= junkRaw, metrics);
            long senmlRejected = 0;
            foreach (Match m in Regex.Matches(metrics, "^lcgw_senml_rejected_total\\{[^}]*\\} (\\d+)", RegexOptions.Multiline))
                senmlRejected += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(senmlRejected + kernelDrops >= junkFrames, $"{junkFrames} non-SenML frames sent, {senmlRejected} rejected: {metrics}");
            TestContext.Current.SendDiagnosticMessage($"gateway garbage flood: {junkRaw} random datagrams + {junkFrames} non-SenML frames; {values.Count}/200 readings delivered, kernel drops {kernelDrops}");
        }
    }
}
