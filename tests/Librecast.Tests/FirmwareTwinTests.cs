using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The firmware's host twin (sensornode: the ESP32 node's own code with a simulated BME280 and
/// the Linux transport) in the test namespace: the real librecast C library hears its SenML, it
/// obeys commands sent over the wire, and its IPv4 mode works.
/// </summary>
[Collection(NetworkCollection.Name)]
public class FirmwareTwinTests
{
    private static string SensorNodeDll => Path.Combine(AppContext.BaseDirectory, "sensornode.dll");

    private static PeerProcess StartNode(string args) => new("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} {args}");

    private static string Unique() => "twin" + Guid.NewGuid().ToString("N")[..12];

    private const string Site = "site1";

    /// <summary>Our side of a twin node: a listener joined to its telemetry channel, its command channel to send on, the twin itself.</summary>
    private sealed class TwinLink(Context ctx, Socket listener, Channel commands, PeerProcess twin) : IDisposable
    {
        public Socket Listener { get; } = listener;

        public Channel Commands { get; } = commands;

        public PeerProcess Twin { get; } = twin;

        public void Deconstruct(out Socket listener, out Channel commands, out PeerProcess twin) =>
            (listener, commands, twin) = (Listener, Commands, Twin);

        public void Dispose()
        {
            Twin.Dispose();
            ctx.Dispose();
        }
    }

    // Listens on node's telemetry channel, binds its command channel, then starts the twin with
    // --site site1 --node NODE and `args`: the listener is joined before the first reading.
    private static TwinLink StartWithCommands(string node, string args)
    {
        var (ctx, s, _) = Endpoints.Open(Netns.RecvIf, NodeNames.Telemetry(Site, node), join: true);
        Channel cmd = ctx.CreateChannel(NodeNames.Commands(Site, node));
        s.Bind(cmd);
        return new TwinLink(ctx, s, cmd, StartNode($"--site {Site} --node {node} {args}"));
    }

    private static void AssertSenml(string json, string node)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement pack = doc.RootElement;
        Assert.Equal(3, pack.GetArrayLength());
        Assert.Equal(NodeNames.BaseName(Site, node), pack[0].GetProperty("bn").GetString());
        double bt = pack[0].GetProperty("bt").GetDouble();
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(bt, now - 60, now + 1);
        Assert.Equal("temperature", pack[0].GetProperty("n").GetString());
        Assert.Equal("Cel", pack[0].GetProperty("u").GetString());
        Assert.Equal("humidity", pack[1].GetProperty("n").GetString());
        Assert.Equal("pressure", pack[2].GetProperty("n").GetString());
        Assert.Equal("Pa", pack[2].GetProperty("u").GetString());
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("0.9")]
    [InlineData("0.11")]
    public void Twin_SenML_Arrives_At_The_C_Librecast_Receiver(string profile)
    {
        Netns.Require();
        string node = Unique();
        using var peer = new PeerProcess(CPeer.Build("lcpeer", WireProfile.Parse(profile)!), $"recv {Netns.RecvIf} {NodeNames.Telemetry(Site, node)} 3 20");
        Assert.Equal("READY", peer.NextLine());
        using var twin = StartNode($"--site {Site} --node {node} --wire {profile} --interval 1 --count 3 --seed 5");
        for (int seq = 1; seq <= 3; seq++)
        {
            var fields = Fields(peer.NextLine(15_000));
            Assert.Equal(seq.ToString(), fields["seq"]);
            Assert.Equal("0", fields["op"]);
            AssertSenml(Encoding.UTF8.GetString(Convert.FromHexString(fields["data"])), node);
        }
        Assert.Equal(0, peer.WaitForExit());
        Assert.Equal(0, twin.WaitForExit());
    }

    [Fact]
    public void Twin_Obeys_Interval_And_Identify_Sent_Over_The_Wire()
    {
        Netns.Require();
        string node = Unique();
        // A long interval: after the first reading, only the command can bring more soon.
        using TwinLink link = StartWithCommands(node, "--interval 600 --seed 6");
        var (s, cmd, twin) = link;
        var m = new Message(2048);
        Assert.Equal(ReceiveResult.Ok, s.ReceiveMessage(m, 10_000));
        AssertSenml(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength), node);

        byte[] identify = Encoding.ASCII.GetBytes("identify 1");
        cmd.SendMessage(identify, 0, identify.Length);
        byte[] interval = Encoding.ASCII.GetBytes("interval 1");
        cmd.SendMessage(interval, 0, interval.Length);
        var started = DateTime.UtcNow;
        for (int i = 0; i < 3; i++)
        {
            Assert.True(s.ReceiveMessage(m, 5_000) == ReceiveResult.Ok, $"reading {i + 2} did not come after 'interval 1'; twin stderr: {twin.Stderr}");
            AssertSenml(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength), node);
        }
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 1.0, 6.0); // now, +1 s, +2 s
        Assert.Contains("interval 1 s", twin.Stderr);
        Assert.Contains("identify for 1 s", twin.Stderr);
        Assert.Contains("identify LED on", twin.Stderr);
        Assert.Contains("identify LED off", twin.Stderr);
    }

    [Fact]
    public void Twin_Refuses_Malformed_Commands_And_Reports_Them_In_Its_Next_Pack()
    {
        Netns.Require();
        string node = Unique();
        using TwinLink link = StartWithCommands(node, "--interval 2 --seed 13");
        var (s, cmd, twin) = link;
        var m = new Message(2048);
        Assert.Equal(ReceiveResult.Ok, s.ReceiveMessage(m, 10_000));
        Assert.DoesNotContain("commands_rejected", Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));

        foreach (string bad in new[] { "interval 0", "reboot now" })
        {
            byte[] b = Encoding.ASCII.GetBytes(bad);
            cmd.SendMessage(b, 0, b.Length);
        }
        // The next packs: the first one sent after both were refused carries commands_rejected 2
        // next to the reading; the one after it is a plain reading again; the interval is kept.
        var counts = new List<double>();
        int plainAfter = 0;
        for (int i = 0; i < 4 && plainAfter == 0; i++)
        {
            Assert.True(s.ReceiveMessage(m, 5_000) == ReceiveResult.Ok, $"pack {i + 2} did not come; twin stderr: {twin.Stderr}");
            using JsonDocument doc = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            JsonElement pack = doc.RootElement;
            Assert.Equal("temperature", pack[0].GetProperty("n").GetString());
            JsonElement last = pack[pack.GetArrayLength() - 1];
            if (last.GetProperty("n").GetString() == "commands_rejected")
            {
                Assert.Equal("count", last.GetProperty("u").GetString());
                counts.Add(last.GetProperty("v").GetDouble());
            }
            else if (counts.Count > 0 && counts[^1] == 2) plainAfter++;
        }
        Assert.Equal(2, counts[^1]);
        Assert.Equal(1, plainAfter);
        Assert.Equal(2, twin.Stderr.Split("ignored a command it does not understand").Length - 1);
        Assert.DoesNotContain("interval 0 s", twin.Stderr);
    }

    [Fact]
    public void Twin_In_Ipv4_Mode_Publishes_On_The_239_Group()
    {
        Netns.Require();
        string node = Unique();
        using var ctx = new Context(SocketsPlatform.Instance);
        Socket s = ctx.CreateSocket();
        s.Bind(Interfaces.Resolve(Netns.RecvIf));
        Channel telemetry = ctx.CreateIpv4Channel(NodeNames.Telemetry(Site, node));
        s.Bind(telemetry);
        telemetry.Join();

        using var twin = StartNode($"--site {Site} --node {node} --interval 1 --count 2 --ipv4 --seed 7");
        var m = new Message(2048);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(s.ReceiveMessage(m, 10_000) == ReceiveResult.Ok, "no IPv4 reading; twin stderr: " + twin.Stderr);
            Assert.Same(telemetry, m.Channel);
            Assert.StartsWith("::ffff:239.", GroupAddress.Format(m.Info.Destination, 0));
            AssertSenml(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength), node);
        }
        Assert.Equal(0, twin.WaitForExit());
        Assert.Contains("::ffff:239.", twin.Stderr);
    }

    [Fact]
    public void Twin_Usage_Errors_Exit_2_With_One_Line_Saying_Why()
    {
        var (code, _, err) = CPeer.Run("dotnet", $"{SensorNodeDll} --site {Site} --node a/b", null, 30_000);
        Assert.Equal(2, code);
        Assert.StartsWith("sensornode: Node 'a/b' may hold only letters", err);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = CPeer.Run("dotnet", $"{SensorNodeDll} --site {Site} --node n --interval soon", null, 30_000);
        Assert.Equal(2, code);
        Assert.Contains("--interval needs a whole number", err);
    }

    private static Dictionary<string, string> Fields(string line)
    {
        var fields = new Dictionary<string, string>();
        foreach (string part in line.Split(' '))
        {
            int eq = part.IndexOf('=');
            if (eq > 0) fields[part[..eq]] = part[(eq + 1)..];
        }
        return fields;
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("0.11")]
    public void Keyed_Twin_Readings_Open_At_A_C_Librecast_Receiver_With_The_Key(string profile)
    {
        // The device file's "wire" line chooses the groups; the C receiver is that release's library.
        Netns.Require();
        string node = Unique();
        byte[] key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        string config = Path.GetTempFileName();
        try
        {
            File.WriteAllText(config, $"# the device's I:\\librecast.conf\nsite {Site}\nnode {node}\nkey {Convert.ToHexString(key)}\nwire {profile}\n");
            using var peer = new PeerProcess(CPeer.Build("lcsymm", WireProfile.Parse(profile)!), $"recv {Netns.RecvIf} {NodeNames.Telemetry(Site, node)} {Convert.ToHexString(key)} 3 20");
            Assert.Equal("READY", peer.NextLine());
            using var twin = StartNode($"--config {config} --interval 1 --count 3 --seed 8");
            var seqs = new List<ulong>();
            for (int i = 0; i < 3; i++)
            {
                var f = Fields(peer.NextLine(15_000));
                Assert.True(f.ContainsKey("data"), "the C receiver could not open a reading; twin stderr: " + twin.Stderr);
                byte[] frame = Convert.FromHexString(f["data"]);
                var h = new FrameHeader();
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(frame, 0, frame.Length, h));
                seqs.Add(h.Sequence);
                AssertSenml(Encoding.UTF8.GetString(frame, h.PayloadOffset, h.PayloadLength), node);
            }
            Assert.Equal(new ulong[] { 1, 2, 3 }, seqs);
            Assert.Equal(0, peer.WaitForExit());
            Assert.Equal(0, twin.WaitForExit());
            Assert.Contains("encrypted", twin.Stderr);
            Assert.DoesNotContain(Convert.ToHexString(key), twin.Stderr, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public void Two_Twins_From_One_Build_Named_By_Their_MACs_Publish_On_Two_Channels()
    {
        Netns.Require();
        string suffix = Guid.NewGuid().ToString("N")[..6];
        string macA = "02:00:00:" + suffix[..2] + ":" + suffix[2..4] + ":" + suffix[4..6];
        string macB = "02:00:01:" + suffix[..2] + ":" + suffix[2..4] + ":" + suffix[4..6];
        string nodeA = "esp-020000" + suffix, nodeB = "esp-020001" + suffix;
        var (ctx, s, _) = Endpoints.Open(Netns.RecvIf, NodeNames.Telemetry(Site, nodeA), join: true);
        using var _ctx = ctx;
        Channel b = ctx.CreateChannel(NodeNames.Telemetry(Site, nodeB));
        s.Bind(b);
        b.Join();
        using var twinA = StartNode($"--mac {macA} --interval 1 --count 2 --seed 9");
        using var twinB = StartNode($"--mac {macB} --interval 1 --count 2 --seed 10");
        var heard = new HashSet<string>();
        var m = new Message(2048);
        var until = DateTime.UtcNow.AddSeconds(15);
        while (heard.Count < 2 && DateTime.UtcNow < until)
        {
            if (s.ReceiveMessage(m, 1000) != ReceiveResult.Ok) continue;
            string json = Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength);
            heard.Add(m.Channel == b ? "B" : "A");
            AssertSenml(json, m.Channel == b ? nodeB : nodeA);
        }
        Assert.True(heard.SetEquals(new[] { "A", "B" }), "heard " + string.Join(",", heard) + "; A: " + twinA.Stderr + " B: " + twinB.Stderr);
        Assert.Equal(0, twinA.WaitForExit());
        Assert.Equal(0, twinB.WaitForExit());
    }

    [Fact]
    public void Twin_Without_A_Sensor_Keeps_Publishing_Status_And_Retries_The_Sensor()
    {
        Netns.Require();
        string node = Unique();
        var (ctx, s, _) = Endpoints.Open(Netns.RecvIf, NodeNames.Telemetry(Site, node), join: true);
        using var _ctx = ctx;
        using var twin = StartNode($"--site {Site} --node {node} --interval 2 --count 4 --sensor-missing -1 --seed 11");
        var m = new Message(2048);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(s.ReceiveMessage(m, 10_000) == ReceiveResult.Ok, "no status pack " + (i + 1) + "; twin stderr: " + twin.Stderr);
            using JsonDocument doc = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            JsonElement pack = doc.RootElement;
            Assert.Equal(2, pack.GetArrayLength());
            Assert.Equal("sensor_ok", pack[0].GetProperty("n").GetString());
            Assert.Equal(0, pack[0].GetProperty("v").GetDouble());
            Assert.Equal("sensor_errors", pack[1].GetProperty("n").GetString());
        }
        Assert.Equal(0, twin.WaitForExit());
        Assert.Contains("cannot open BME280 at 0x76 (simulated): chip id", twin.Stderr);
        Assert.Contains("retrying in 5 s", twin.Stderr);
        Assert.Contains("retrying in 10 s", twin.Stderr); // a second attempt, backed off
    }

    [Fact]
    public void Twin_That_Loses_Its_Link_Rejoins_And_Obeys_Commands_Again()
    {
        Netns.Require();
        string node = Unique();
        using TwinLink link = StartWithCommands(node, "--interval 600 --seed 12");
        var (s, cmd, twin) = link;
        var m = new Message(2048);
        Assert.True(s.ReceiveMessage(m, 10_000) == ReceiveResult.Ok, "no first reading; twin stderr: " + twin.Stderr);
        try
        {
            // The ESP32's Wi-Fi lost: the twin's interface goes down, then comes back.
            Assert.Equal(0, CPeer.Run("ip", $"link set {Netns.SendIf} down", null, 10_000).Item1);
            WaitFor(() => twin.Stderr.Contains("network lost"), "the twin did not notice the link going down: " + twin.Stderr);
        }
        finally
        {
            CPeer.Run("ip", $"link set {Netns.SendIf} up", null, 10_000);
        }
        WaitFor(() => twin.Stderr.Contains("network back, joined"), "the twin did not re-join: " + twin.Stderr);
        // The new socket's membership is real: a command sent now is obeyed (a reading comes at once).
        var until = DateTime.UtcNow.AddSeconds(10);
        bool got = false;
        byte[] publish = Encoding.ASCII.GetBytes("publish");
        while (!got && DateTime.UtcNow < until)
        {
            cmd.SendMessage(publish, 0, publish.Length);
            got = s.ReceiveMessage(m, 1000) == ReceiveResult.Ok;
        }
        Assert.True(got, "no reading after 'publish' once re-joined; twin stderr: " + twin.Stderr);
        AssertSenml(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength), node);
    }

    private static void WaitFor(Func<bool> condition, string failure)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail(failure);
            Thread.Sleep(100);
        }
    }
}
