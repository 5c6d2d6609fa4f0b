using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// A node without Internet NTP (issue 22, point 1): it publishes at once without a clock (no SenML
/// <c>bt</c>, never a 1970 one), takes the site's time from lcgw's beacon on SITE/time (sealed with
/// the site key on a keyed site, forward only), and its Wi-Fi link never reconnects while it has an
/// address. In memory on the node's own code, then the twin and the real lcgw in the test namespace.
/// </summary>
[Collection(NetworkCollection.Name)]
public class FirmwareTimeTests
{
    private const ulong Ms = 1_000_000;
    private const long T0 = 1_795_000_123_456; // a gateway's time, Unix ms
    private static readonly DateTimeOffset Year2020 = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Recorder : INodeLog, IIndicator
    {
        public readonly List<string> Lines = new();
        public void Line(string text) { lock (Lines) Lines.Add(text); }
        public void Set(bool on) { }
    }

    // A board after power-on: its wall clock 5 s after 1970.
    private static (MemoryPlatform, Context, SensorNode, Recorder) Board(byte[]? key = null)
    {
        var platform = new MemoryPlatform { Now = 5_000 * Ms };
        var ctx = new Context(new NodeClock(platform));
        var settings = new NodeSettings { Site = "site1", Node = "n1", IntervalSeconds = 10, Ipv6 = true, Key = key };
        var rec = new Recorder();
        var node = new SensorNode(ctx, settings, new SimulatedBme280(3), rec, rec);
        node.Start();
        return (platform, ctx, node, rec);
    }

    // What a gateway on the same wire sends: a framed beacon on SITE/time (sealed if key).
    private static void Beacon(MemoryPlatform platform, long unixMs, byte[]? key = null, string channel = "site1/time")
    {
        using var gw = new Context(platform);
        Channel ch = gw.CreateChannel(channel);
        if (key != null) ch.SetKey(key);
        Socket s = gw.CreateSocket();
        s.Bind(ch);
        var payload = new byte[TimeBeacon.MaxBytes];
        int n = TimeBeacon.Write(unixMs, payload, 0);
        ch.SendMessage(payload, 0, n);
    }

    // The node's telemetry packs so far, with their frames' timestamps.
    private static List<(JsonElement Pack, ulong Stamp)> Packs(MemoryPlatform platform, byte[]? key = null)
    {
        var list = new List<(JsonElement, ulong)>();
        var h = new FrameHeader();
        using var box = key == null ? null : new Librecast.Crypto.SecretBox(key);
        lock (platform.Sent)
            foreach (byte[] sent in platform.Sent)
            {
                byte[] d = sent;
                if (box != null)
                {
                    var plain = new byte[d.Length];
                    if (box.Open(d, 0, d.Length, plain, 0, out int length) != Librecast.Crypto.SecretBoxStatus.Ok) continue;
                    d = plain[..length];
                }
                if (Frame.TryDecode(d, 0, d.Length, h) != FrameStatus.Ok || h.PayloadLength == 0 || d[h.PayloadOffset] != '[') continue;
                list.Add((JsonDocument.Parse(Encoding.UTF8.GetString(d, h.PayloadOffset, h.PayloadLength)).RootElement.Clone(), h.Timestamp));
            }
        return list;
    }

    [Fact]
    public void Without_Any_Time_The_Node_Publishes_At_Once_Without_A_Base_Time()
    {
        var (platform, ctx, node, rec) = Board();
        using (ctx)
        {
            node.Step(0);
            Assert.Equal(1, node.Published);
            Assert.Equal(1, node.UntimedPublished);
            Assert.False(node.Clock.HasTime);
            var (pack, stamp) = Assert.Single(Packs(platform));
            Assert.False(pack[0].TryGetProperty("bt", out _), "a reading without a clock carries no bt: " + pack);
            Assert.Equal("temperature", pack[0].GetProperty("n").GetString());
            Assert.Equal(5_000 * Ms, stamp); // the frame carries the unset clock: outside any receiver's freshness bound
            Assert.True(node.TimeJoined);
            Assert.Contains(rec.Lines, l => l.Contains("no time yet") && l.Contains("without a base time"));
        }
    }

    [Fact]
    public void The_Gateways_Beacon_Sets_The_Time_And_Readings_And_Frames_Carry_It()
    {
        var (platform, ctx, node, rec) = Board();
        using (ctx)
        {
            node.Step(0);
            Beacon(platform, T0);
            node.Step(0);
            Assert.True(node.Clock.HasTime);
            Assert.Equal("gateway", node.Clock.Source);
            platform.Monotonic += 2_500;
            Assert.True(node.PublishNow());
            var (pack, stamp) = Packs(platform)[^1];
            Assert.Equal((T0 + 2_500) / 1000.0, pack[0].GetProperty("bt").GetDouble(), 3);
            Assert.Equal((ulong)(T0 + 2_500) * Ms, stamp);
            Assert.Equal(0, node.CommandsRejected);
            Assert.Contains(rec.Lines, l => l.Contains("from the gateway (site1/time)"));
            // The wall clock of the board (still 1970) is never used once the site's time is known.
            Assert.Equal(5_000 * Ms, platform.Now);
        }
    }

    [Fact]
    public void An_Older_Beacon_Replayed_Later_Is_Ignored_And_Counted()
    {
        var (platform, ctx, node, _) = Board();
        using (ctx)
        {
            Beacon(platform, T0 + 10_000);
            node.Step(0);
            Beacon(platform, T0); // an old beacon replayed by a neighbour
            node.Step(0);
            Assert.Equal(1, node.Clock.BeaconsTaken);
            Assert.Equal(1, node.Clock.BeaconsIgnored);
            Assert.True(node.PublishNow());
            Assert.Equal((T0 + 10_000) / 1000.0, Packs(platform)[^1].Pack[0].GetProperty("bt").GetDouble(), 3);
            Beacon(platform, 1_000); // a gateway with an unset clock of its own: never taken
            node.Step(0);
            Assert.Equal(2, node.Clock.BeaconsIgnored);
        }
    }

    [Fact]
    public void A_Keyed_Node_Takes_Only_Beacons_Sealed_With_The_Site_Key()
    {
        byte[] key = new byte[32], other = new byte[32];
        for (int i = 0; i < 32; i++) { key[i] = (byte)(i + 1); other[i] = (byte)(0x80 + i); }
        var (platform, ctx, node, rec) = Board(key);
        using (ctx)
        {
            node.Step(0);
            long unauthenticated = ctx.Counters.Unauthenticated;
            Beacon(platform, T0);               // in clear
            Beacon(platform, T0 + 1, other);    // forged: another key
            node.Step(0);
            Assert.False(node.Clock.HasTime);
            Assert.Equal(2, node.TimeRejected);
            Assert.Equal(unauthenticated + 2, ctx.Counters.Unauthenticated);
            Assert.Contains(rec.Lines, l => l.Contains("does not open with the site key") && l.Contains("clock is unchanged"));
            Beacon(platform, T0 + 2, key);
            node.Step(0);
            Assert.True(node.Clock.HasTime);
            Assert.True(node.PublishNow());
            Assert.Equal((T0 + 2) / 1000.0, Packs(platform, key)[^1].Pack[0].GetProperty("bt").GetDouble(), 3);
        }
    }

    [Fact]
    public void A_Beacon_Heard_On_The_Command_Socket_Is_Taken_Not_Rejected_As_A_Command()
    {
        // nanoFramework reports no destination and lwIP hands every socket on the port each joined
        // group's datagrams: the command socket hears the beacon too, attributed to the command channel.
        var (platform, ctx, node, _) = Board();
        using (ctx)
        {
            Beacon(platform, T0, channel: "site1/n1/cmd");
            node.Step(1000);
            Assert.Equal(0, node.CommandsRejected);
            Assert.True(node.Clock.HasTime);
        }
    }

    [Fact]
    public void A_Board_Clock_Set_By_Sntp_Is_Used_As_It_Is()
    {
        var (platform, ctx, node, _) = Board();
        using (ctx)
        {
            platform.Now = (ulong)T0 * Ms; // nanoFramework's SNTP answered (Internet, or the configured server)
            node.Step(0);
            Assert.Equal("platform", node.Clock.Source);
            Assert.Equal(T0 / 1000.0, Packs(platform)[^1].Pack[0].GetProperty("bt").GetDouble(), 3);
            Assert.Equal(0, node.UntimedPublished);
        }
    }

    [Fact]
    public void Wifi_Never_Reconnects_While_The_Station_Has_An_Address_Nor_When_AutoConnect_Is_Stored()
    {
        // Up with an address but no clock for ten minutes: the link is up, nothing to reconnect.
        var p = new WifiReconnectPolicy();
        for (long t = 0; t <= 600_000; t += 500) Assert.False(p.ShouldConnect(true, false, t));
        // Down for ten minutes with AutoConnect stored (tools/flash): the firmware reconnects by itself.
        for (long t = 0; t <= 600_000; t += 500) Assert.False(p.ShouldConnect(false, true, t));
        Assert.Equal(0, p.Connects);
        // Without AutoConnect: one connect after a minute without an address, then never again
        // (Automatic: the native layer reconnects from then on).
        var q = new WifiReconnectPolicy();
        int connects = 0;
        for (long t = 0; t <= 600_000; t += 500) if (q.ShouldConnect(false, false, t)) { connects++; Assert.True(t >= WifiReconnectPolicy.ConnectAfterMs); }
        Assert.Equal(1, connects);
        Assert.False(q.ShouldConnect(true, false, 700_000));
        Assert.False(q.ShouldConnect(false, false, 900_000));
    }

    [Fact]
    public void Beacon_Payload_Round_Trips_And_Refuses_Anything_Else()
    {
        var b = new byte[TimeBeacon.MaxBytes];
        int n = TimeBeacon.Write(T0, b, 0);
        Assert.Equal("time 1795000123456", Encoding.ASCII.GetString(b, 0, n));
        Assert.True(TimeBeacon.TryParse(b, 0, n, out long t));
        Assert.Equal(T0, t);
        foreach (string s in new[] { "time ", "time x1", "time 1 ", "Time 1", "interval 5", "time 1234567890123456789", "" })
        {
            byte[] x = Encoding.ASCII.GetBytes(s);
            Assert.False(TimeBeacon.TryParse(x, 0, x.Length, out _), s);
        }
    }

    // ---- the twin and the real lcgw, in the test namespace ----

    private static string SensorNodeDll => Path.Combine(AppContext.BaseDirectory, "sensornode.dll");

    private static string Unique() => "clk" + Guid.NewGuid().ToString("N")[..10];

    private static DaemonProcess Lcgw(string site, string? keyFile, double every = 1)
    {
        string config = $"""
            config gateway
            	option interface '{Netns.RecvIf}'
            	option site '{site}'
            	option node 'gw'
            	option time_beacon '{every.ToString(System.Globalization.CultureInfo.InvariantCulture)}'
            {(keyFile == null ? "" : $"\toption key_file '{keyFile}'\n")}
            """;
        return GatewayTests.StartLcgw(config, out _);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string KeyFile(byte[] key)
    {
        string dir = Directory.CreateTempSubdirectory("clock-key-").FullName;
        string path = Path.Combine(dir, "site.key");
        File.WriteAllBytes(path, key);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Twin_With_Unset_Clock_Publishes_Within_10_s_And_Takes_Lcgws_Time(bool keyed)
    {
        Netns.Require();
        string site = Unique();
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        string? keyFile = keyed ? KeyFile(key) : null;
        string configArg = "";
        if (keyed)
        {
            string conf = Path.Combine(Path.GetDirectoryName(keyFile)!, "node.conf");
            File.WriteAllText(conf, $"site {site}\nnode n1\nkey {Convert.ToHexString(key).ToLowerInvariant()}\n");
            configArg = $"--config {conf} ";
        }
        var (ctx, s, telemetry) = Endpoints.Open(Netns.RecvIf, $"{site}/n1/telemetry", join: true);
        using var _ctx = ctx;
        if (keyed) telemetry.SetKey(key);
        var started = DateTime.UtcNow;
        using var twin = new PeerProcess("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --site {site} --node n1 {configArg}--interval 1 --clock unset --seed 9");
        var m = new Message(2048);
        Assert.True(s.ReceiveMessage(m, 10_000) == ReceiveResult.Ok, "no reading within 10 s; twin stderr: " + twin.Stderr);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0, 10);
        using (JsonDocument first = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength)))
            Assert.False(first.RootElement[0].TryGetProperty("bt", out _), "first reading of an unset clock carries a bt");

        // A neighbour's forged beacon (another key, or in clear on a keyed site) never sets it.
        if (keyed)
        {
            var (fctx, fs, _) = Endpoints.Open(Netns.RecvIf, $"{site}/time", join: false);
            using (fctx)
            {
                Channel forged = fctx.CreateChannel($"{site}/time");
                forged.SetKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                fs.Bind(forged);
                var b = new byte[TimeBeacon.MaxBytes];
                int n = TimeBeacon.Write(DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds(), b, 0);
                for (int i = 0; i < 3; i++) { forged.SendMessage(b, 0, n); Thread.Sleep(300); }
            }
            WaitFor(() => twin.Stderr.Contains("does not open with the site key"), "the forged beacon was not rejected: " + twin.Stderr);
            Assert.True(s.ReceiveMessage(m, 3_000) == ReceiveResult.Ok);
            using JsonDocument still = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            Assert.False(still.RootElement[0].TryGetProperty("bt", out _), "a forged beacon set the clock");
        }

        using DaemonProcess gw = Lcgw(site, keyFile);
        bool timed = false;
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!timed && DateTime.UtcNow < until)
        {
            if (s.ReceiveMessage(m, 2_000) != ReceiveResult.Ok) continue;
            using JsonDocument pack = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            if (!pack.RootElement[0].TryGetProperty("bt", out JsonElement bt)) continue;
            double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            Assert.True(bt.GetDouble() >= Year2020.ToUnixTimeSeconds(), "a bt before 2020: " + bt);
            Assert.InRange(bt.GetDouble(), now - 5, now + 1); // the gateway's (here: this host's) time
            Assert.InRange(m.Header.Timestamp / 1e9, now - 5, now + 1); // and the frames too
            timed = true;
        }
        Assert.True(timed, "no timed reading within 15 s of lcgw's beacon; twin stderr: " + twin.Stderr + "\nlcgw: " + gw.Stderr);
        Assert.Contains("from the gateway (" + site + "/time)", twin.Stderr);
        Assert.DoesNotContain("cannot join the time channel", twin.Stderr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Lc_Listen_Reads_Lcgws_Time_Beacon_And_Counts_A_Wrong_Key(bool keyed)
    {
        Netns.Require();
        string site = Unique();
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        string? keyFile = keyed ? KeyFile(key) : null;
        using DaemonProcess gw = Lcgw(site, keyFile);
        var (code, output, err) = Lc.Run($"listen -i {Netns.SendIf} -n 2 -t 10 {(keyed ? "--key-file " + keyFile + " " : "")}{site}/time");
        Assert.True(code == 0, $"lc listen exited {code}: {err}\nlcgw: {gw.Stderr}");
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            byte[] b = Encoding.ASCII.GetBytes(line.Trim());
            Assert.True(TimeBeacon.TryParse(b, 0, b.Length, out long t), "not a beacon: " + line);
            Assert.InRange(t, DateTimeOffset.UtcNow.AddSeconds(-15).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
        if (!keyed) return;
        // With another key nothing opens: rejected and counted.
        string wrong = KeyFile(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var (code2, output2, err2) = Lc.Run($"listen -i {Netns.SendIf} -n 1 -t 4 -v --key-file {wrong} {site}/time");
        Assert.Equal(3, code2);
        Assert.Equal("", output2.Trim());
        Assert.Contains("does not open with the channel key", err2); // counted: lc: counters ... on stderr
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
