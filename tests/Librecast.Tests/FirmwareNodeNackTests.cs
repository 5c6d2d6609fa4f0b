using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The ESP32 node's NACK repair on the in-memory wire: the device file's <c>nack SECONDS</c>, the
/// fixed 8 KiB log, a NACK answered with the telemetry datagram byte for byte, the node's own
/// rate limit, and IPv4 nodes (no NACK group) saying so.
/// </summary>
public class FirmwareNodeNackTests
{
    private sealed class Recorder : INodeLog, IIndicator
    {
        public readonly List<string> Lines = new();
        public void Line(string text) { lock (Lines) Lines.Add(text); }
        public void Set(bool on) { }
    }

    private static (MemoryPlatform, Context, SensorNode, Recorder) Start(bool ipv6, int nackSeconds)
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        var settings = new NodeSettings { Site = "site1", Node = "n1", Ipv6 = ipv6, NackSeconds = nackSeconds };
        var rec = new Recorder();
        var node = new SensorNode(ctx, settings, new SimulatedBme280(7), rec, rec);
        node.Start();
        return (platform, ctx, node, rec);
    }

    private static byte[] Nack(ulong seq)
    {
        var n = new byte[8];
        Frame.WriteUInt64(n, 0, seq);
        return n;
    }

    private static int Count(MemoryPlatform p, Func<byte[], bool> match) { lock (p.Sent) return p.Sent.Count(match); }

    private static void WaitFor(Func<bool> done, string what)
    {
        for (int i = 0; i < 300 && !done(); i++) Thread.Sleep(10);
        Assert.True(done(), what);
    }

    [Fact]
    public void A_Nack_Gets_The_Telemetry_Datagram_Again_Byte_For_Byte()
    {
        var (platform, ctx, node, rec) = Start(ipv6: true, nackSeconds: 60);
        using (ctx)
        {
            node.Step(0);
            platform.Monotonic += 10_000;
            node.Step(0);
            Assert.Equal(2, node.Published);
            byte[] second;
            lock (platform.Sent) second = platform.Sent.Single(d => d.Length > 8 && Frame.ReadUInt64(d, 8) == 2);
            NackResponder r = Assert.IsType<NackResponder>(node.Nacks);
            Assert.Equal(NodeSettings.NackLogBytes / NodeSettings.NackSlotBytes, r.Log.Slots); // the fixed budget
            var group = new byte[16];
            r.NackChannel.CopyGroupTo(group, 0);
            platform.Inject(Nack(2), group, 4242);
            WaitFor(() => Count(platform, d => d.AsSpan().SequenceEqual(second)) == 2, "the node did not resend seq 2");
            Assert.Equal(1, ctx.NackCounters.Get(NackCounter.Resent));
            Assert.Contains(rec.Lines, l => l.Contains("answering NACKs for 60 s"));
            node.GoOffline();
            Assert.Null(node.Nacks);
        }
    }

    [Fact]
    public void A_Nack_Flood_Gets_At_Most_The_Nodes_Burst_And_Rate()
    {
        var (platform, ctx, node, _) = Start(ipv6: true, nackSeconds: 3600); // all ten stay in the log
        using (ctx)
        {
            for (int i = 0; i < 10; i++) { node.Step(0); platform.Monotonic += 10_000; }
            var group = new byte[16];
            node.Nacks!.NackChannel.CopyGroupTo(group, 0);
            int before = Count(platform, d => d.Length > 8);
            for (int i = 0; i < 1000; i++) platform.Inject(Nack((ulong)(1 + i % 10)), group, 4242); // the monotonic clock stands still
            WaitFor(() => ctx.NackCounters.Get(NackCounter.Received) == 1000, "the NACKs were not all read");
            Assert.Equal(NodeSettings.NackBurst, ctx.NackCounters.Get(NackCounter.Resent));
            Assert.Equal(1000 - NodeSettings.NackBurst, ctx.NackCounters.Get(NackCounter.Refused));
            Assert.Equal(0, ctx.NackCounters.Get(NackCounter.Unknown));
            Assert.Equal(before + NodeSettings.NackBurst, Count(platform, d => d.Length > 8));
        }
    }

    [Fact]
    public void An_Ipv4_Node_Says_Nack_Is_Ignored()
    {
        var (_, ctx, node, rec) = Start(ipv6: false, nackSeconds: 60);
        using (ctx)
        {
            Assert.Null(node.Nacks);
            Assert.Contains(rec.Lines, l => l.Contains("nack ignored: IPv4 channels have no NACK group"));
        }
    }

    [Fact]
    public void The_Device_File_Sets_Nack_And_Refuses_What_Cannot_Work()
    {
        var s = new NodeSettings();
        byte[] b = Encoding.ASCII.GetBytes("site s\nnack 120\n");
        NodeConfig.Apply(b, b.Length, s);
        Assert.Equal(120, s.NackSeconds);
        foreach (var (text, why) in new[]
        {
            ("nack 0\n", "line 1: nack must be a whole number of seconds, 1..3600"),
            ("nack 3601\n", "line 1: nack must be"),
            ("wire 0.5\nnack 30\n", "nack needs the 0.9 or 0.11 wire"),
        })
        {
            var fresh = new NodeSettings();
            byte[] t = Encoding.ASCII.GetBytes(text);
            var e = Assert.Throws<ArgumentException>(() => NodeConfig.Apply(t, t.Length, fresh));
            Assert.Contains(why, e.Message);
            Assert.Equal(0, fresh.NackSeconds);
        }
    }
}
