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
    public void A_Signed_Sealed_Full_Pack_Is_Logged_And_Resent_Signed_Byte_For_Byte()
    {
        // bearer_key + token + key + nack, names long enough to fill the 384-byte pack: the wire
        // datagram (token 128 + header 33 + pack + box 40 + signature 64) is larger than a
        // 512-byte slot, but the log keeps the datagram before the token (what the channel
        // stamped, as Publisher and the direct path both log it) and the resend is signed again
        // on the way out: the same bytes, Ed25519 being deterministic.
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        var settings = new NodeSettings
        {
            Site = "site-" + new string('s', 60), Node = "node-" + new string('n', 150), Ipv6 = true, NackSeconds = 60,
            Key = Enumerable.Range(0, 32).Select(i => (byte)(0x20 + i)).ToArray(),
        };
        var signerSeed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var bearerSeed = Enumerable.Range(0x40, 32).Select(i => (byte)i).ToArray();
        var ed = new Librecast.Crypto.Ed25519();
        var signerPk = new byte[32];
        var bearerPk = new byte[32];
        ed.PublicKey(signerSeed, 0, signerPk, 0);
        ed.PublicKey(bearerSeed, 0, bearerPk, 0);
        var hash = new byte[32];
        using (var named = new Context(new MemoryPlatform())) named.CreateChannel(settings.TelemetryChannel).CopyHashTo(hash, 0);
        var token = new byte[Librecast.Security.Token.Size];
        Librecast.Security.Token.Issue(ed, signerSeed, 0, signerPk, 0, bearerPk, 0, hash, 0, Librecast.Security.Token.Write, 0, token, 0);
        settings.BearerSeed = bearerSeed;
        settings.TelemetryToken = token;
        settings.BearerKeyFile = "node.key";
        settings.TokenFile = "node.token";
        var rec = new Recorder();
        var node = new SensorNode(ctx, settings, new SimulatedBme280(7), rec, rec);
        node.Start();
        using (ctx)
        {
            Assert.True(node.SignsTelemetry);
            node.Step(0);
            platform.Monotonic += 10_000;
            node.Step(0);
            Assert.Equal(2, node.Published);
            byte[] second; // the frame is in the box: seq 2 is the second telemetry datagram sent
            lock (platform.Sent) second = platform.Sent.Where(d => d.Length > NodeSettings.NackSlotBytes / 2).ElementAt(1);
            int pack = second.Length - Librecast.Security.TokenFilter.Overhead - Frame.HeaderSize - Librecast.Crypto.SecretBox.Overhead;
            Assert.True(pack > SensorNode.PacketBytes - 40, "the pack is " + pack + " bytes, not nearly full");
            Assert.True(second.Length > NodeSettings.NackSlotBytes, "the signed datagram (" + second.Length + " B) fits a slot anyway");
            Assert.Equal(0, ctx.NackCounters.Get(NackCounter.NotLogged));
            var group = new byte[16];
            node.Nacks!.NackChannel.CopyGroupTo(group, 0);
            platform.Inject(Nack(2), group, 4242);
            WaitFor(() => Count(platform, d => d.AsSpan().SequenceEqual(second)) == 2, "the node did not resend seq 2 signed");
            Assert.Equal(1, ctx.NackCounters.Get(NackCounter.Resent));
            var ring = new Librecast.Security.Keyring();
            ring.Add(signerPk, 0);
            var filter = new Librecast.Security.TokenFilter(ring, Librecast.Security.Token.Write);
            Assert.Equal(Librecast.Security.TokenVerdict.Accepted, filter.Check(second, 0, second.Length, hash, 0, 1));
            node.GoOffline();
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
