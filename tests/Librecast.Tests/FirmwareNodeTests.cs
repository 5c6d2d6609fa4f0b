using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The ESP32 node's own logic (firmware/LibrecastIoT.Sensor/Node, the code the device runs) on
/// the in-memory wire with a controlled clock: what it publishes, when, and what commands do.
/// </summary>
public class FirmwareNodeTests
{
    private const ulong Second = 1_000_000_000;

    private sealed class Recorder : INodeLog, IIndicator
    {
        public readonly List<string> Lines = new();
        public readonly List<bool> Led = new();
        public void Line(string text) => Lines.Add(text);
        public void Set(bool on) => Led.Add(on);
    }

    private static (MemoryPlatform, Context, SensorNode, SimulatedBme280, Recorder) Start(bool ipv6 = true, int interval = 10)
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        var settings = new NodeSettings { Site = "site1", Node = "n1", IntervalSeconds = interval, Ipv6 = ipv6 };
        var sensor = new SimulatedBme280(7);
        var rec = new Recorder();
        var node = new SensorNode(ctx, settings, sensor, rec, rec);
        node.Start();
        return (platform, ctx, node, sensor, rec);
    }

    private static JsonElement[] Packs(MemoryPlatform platform)
    {
        var packs = new List<JsonElement>();
        var h = new FrameHeader();
        lock (platform.Sent)
            foreach (byte[] d in platform.Sent)
            {
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, d.Length, h));
                packs.Add(JsonDocument.Parse(Encoding.UTF8.GetString(d, h.PayloadOffset, h.PayloadLength)).RootElement.Clone());
            }
        return packs.ToArray();
    }

    private static void Command(MemoryPlatform platform, SensorNode node, string text)
    {
        byte[] payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[Frame.HeaderSize + payload.Length];
        Frame.Encode(frame, 0, platform.Now, 1, 2, Opcode.Data, payload, 0, payload.Length);
        byte[] group = new byte[16];
        node.Commands!.CopyGroupTo(group, 0);
        platform.Inject(frame, group, 4242);
        node.Step(1000); // picks the command up
    }

    [Fact]
    public void First_Reading_Is_Valid_SenML_On_The_Telemetry_Channel()
    {
        var (platform, ctx, node, _, _) = Start();
        using (ctx)
        {
            node.Step(0);
            Assert.Equal(1, node.Published);
            JsonElement pack = Assert.Single(Packs(platform));
            Assert.Equal(3, pack.GetArrayLength());
            Assert.Equal("urn:dev:lc:site1:n1:", pack[0].GetProperty("bn").GetString());
            Assert.Equal(1_795_000_000.0, pack[0].GetProperty("bt").GetDouble(), 3);
            Assert.Equal(new[] { "temperature", "humidity", "pressure" }, new[] { pack[0], pack[1], pack[2] }.Select(r => r.GetProperty("n").GetString()));
            Assert.Equal(new[] { "Cel", "%RH", "Pa" }, new[] { pack[0], pack[1], pack[2] }.Select(r => r.GetProperty("u").GetString()));
            Assert.InRange(pack[0].GetProperty("v").GetDouble(), 10, 35);
            Assert.InRange(pack[1].GetProperty("v").GetDouble(), 0, 100);
            Assert.InRange(pack[2].GetProperty("v").GetDouble(), 90_000, 110_000);
            Assert.Equal(GroupAddress.Format(GroupAddress.FromName("site1/n1/telemetry", WireProfile.V0_11), 0), node.Telemetry!.Address); // the node's default wire
        }
    }

    [Fact]
    public void Readings_Follow_The_Interval_On_The_Monotonic_Clock_Whatever_The_Wall_Clock_Does()
    {
        var (platform, ctx, node, _, _) = Start(interval: 10);
        using (ctx)
        {
            node.Step(0);
            platform.Monotonic += 9_000;
            node.Step(0);
            Assert.Equal(1, node.Published);
            platform.Monotonic += 1_000;
            node.Step(0);
            Assert.Equal(2, node.Published);
            // SNTP setting the wall clock (back an hour, or forward a day) neither stalls nor hurries the schedule.
            platform.Now -= 3600 * Second;
            node.Step(0);
            platform.Now += 2 * 86400 * Second;
            node.Step(0);
            Assert.Equal(2, node.Published);
            platform.Monotonic += 10_000;
            node.Step(0);
            Assert.Equal(3, node.Published);
            // ...and the base time is the wall clock's.
            Assert.Equal((platform.Now / Second), (ulong)Packs(platform)[^1][0].GetProperty("bt").GetDouble());
        }
    }

    [Fact]
    public void Interval_Command_Publishes_Now_And_Then_Every_N_Seconds()
    {
        var (platform, ctx, node, _, rec) = Start(interval: 60);
        using (ctx)
        {
            node.Step(0);
            Command(platform, node, "interval 5");
            Assert.Equal(5, node.IntervalSeconds);
            Assert.Equal(1, node.CommandsHandled);
            node.Step(0);
            Assert.Equal(2, node.Published); // right away
            platform.Monotonic += 5_000;
            node.Step(0);
            Assert.Equal(3, node.Published);
            Assert.Contains(rec.Lines, l => l.Contains("interval 5 s"));
        }
    }

    [Fact]
    public void Identify_Blinks_The_Indicator_Then_Turns_It_Off()
    {
        var (platform, ctx, node, _, rec) = Start();
        using (ctx)
        {
            Command(platform, node, "identify 2");
            Assert.True(node.Identifying);
            for (int i = 0; i < 9; i++)
            {
                node.Step(0);
                platform.Monotonic += 250;
            }
            node.Step(0);
            Assert.False(node.Identifying);
            Assert.False(rec.Led[^1]);
            Assert.InRange(rec.Led.Count, 8, 10); // on/off every 250 ms for 2 s, then off
            Assert.Contains(true, rec.Led);
        }
    }

    [Theory]
    [InlineData("interval 30", CommandKind.Interval, 30)]
    [InlineData("  interval\t1 \n", CommandKind.Interval, 1)]
    [InlineData("interval 86400", CommandKind.Interval, 86400)]
    [InlineData("identify", CommandKind.Identify, 5)]
    [InlineData("identify 60", CommandKind.Identify, 60)]
    [InlineData("publish", CommandKind.Publish, 0)]
    [InlineData("interval", CommandKind.Invalid, 0)]
    [InlineData("interval 0", CommandKind.Invalid, 0)]
    [InlineData("interval 86401", CommandKind.Invalid, 0)]
    [InlineData("interval 10x", CommandKind.Invalid, 0)]
    [InlineData("interval 99999999999", CommandKind.Invalid, 0)]
    [InlineData("interval 5 6", CommandKind.Invalid, 0)]
    [InlineData("identify 61", CommandKind.Invalid, 0)]
    [InlineData("publish now", CommandKind.Invalid, 0)]
    [InlineData("Interval 5", CommandKind.Invalid, 0)]
    [InlineData("", CommandKind.Invalid, 0)]
    public void Commands_Parse_Exactly(string text, CommandKind kind, int value)
    {
        byte[] b = Encoding.UTF8.GetBytes("##" + text + "##");
        Assert.Equal(kind, LibrecastIoT.Sensor.Command.Parse(b, 2, b.Length - 4, out int got));
        if (kind != CommandKind.Invalid) Assert.Equal(value, got);
    }

    [Fact]
    public void Unknown_Commands_Are_Counted_And_Say_What_Is_Understood()
    {
        var (platform, ctx, node, _, rec) = Start();
        using (ctx)
        {
            Command(platform, node, "reboot");
            Assert.Equal(1, node.CommandsRejected);
            Assert.Equal(0, node.CommandsHandled);
            Assert.Contains(rec.Lines, l => l.Contains("interval SECONDS | identify [SECONDS] | publish"));
        }
    }

    [Fact]
    public void A_Refused_Command_Is_Reported_Once_In_The_Next_Scheduled_Pack()
    {
        var (platform, ctx, node, _, _) = Start(interval: 10);
        using (ctx)
        {
            node.Step(0);
            Command(platform, node, "interval 0");
            Command(platform, node, "reboot now");
            Assert.Equal(1, node.Published); // a refused command makes the node send nothing extra
            platform.Monotonic += 10_000;
            node.Step(0);
            platform.Monotonic += 10_000;
            node.Step(0);
            JsonElement[] packs = Packs(platform);
            Assert.Equal(3, packs.Length);
            Assert.Equal(new[] { "temperature", "humidity", "pressure" }, Names(packs[0]));
            Assert.Equal(new[] { "temperature", "humidity", "pressure", "commands_rejected" }, Names(packs[1]));
            Assert.Equal(2, packs[1][3].GetProperty("v").GetDouble());
            Assert.Equal("count", packs[1][3].GetProperty("u").GetString());
            Assert.Equal(new[] { "temperature", "humidity", "pressure" }, Names(packs[2])); // reported once
            Assert.Equal(10, node.IntervalSeconds);
            Assert.Equal(2, node.CommandsRejected);
        }
    }

    [Fact]
    public void A_Failing_Read_Publishes_No_Value_Only_The_Status()
    {
        var (platform, ctx, node, sensor, rec) = Start();
        using (ctx)
        {
            sensor.Broken = true;
            node.Step(0);
            Assert.Equal(1, node.SensorFailures);
            Assert.Equal(1, node.StatusPublished);
            JsonElement pack = Assert.Single(Packs(platform));
            Assert.Equal(new[] { "sensor_ok", "sensor_errors" }, Names(pack));
            Assert.Equal(0, pack[0].GetProperty("v").GetDouble());
            Assert.Equal(1, pack[1].GetProperty("v").GetDouble());
            Assert.Equal("count", pack[1].GetProperty("u").GetString());
            Assert.Contains(rec.Lines, l => l.Contains("sensor read failed"));
        }
    }

    private static string[] Names(JsonElement pack) => pack.EnumerateArray().Select(r => r.GetProperty("n").GetString()!).ToArray();

    [Fact]
    public void A_Value_The_Sensor_Marks_Invalid_Is_Left_Out_And_Counted()
    {
        var (platform, ctx, node, sensor, rec) = Start();
        using (ctx)
        {
            sensor.HumidityInvalid = true;
            node.Step(0);
            JsonElement pack = Assert.Single(Packs(platform));
            Assert.Equal(new[] { "temperature", "pressure", "sensor_ok", "sensor_errors" }, Names(pack));
            Assert.Equal(1, node.InvalidValues);
            Assert.Contains(rec.Lines, l => l.Contains("marked 1 value(s) invalid"));
            sensor.HumidityInvalid = false;
            platform.Monotonic += 10_000;
            node.Step(0);
            Assert.Equal(new[] { "temperature", "humidity", "pressure" }, Names(Packs(platform)[^1]));
        }
    }

    private static (MemoryPlatform, Context, SensorNode, SimulatedBme280Source, Recorder, TestLink) StartWithSource(int missingOpens)
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        var settings = new NodeSettings { Site = "site1", Node = "n1", IntervalSeconds = 10, Ipv6 = true };
        var source = new SimulatedBme280Source(7) { MissingOpens = missingOpens };
        var rec = new Recorder();
        var link = new TestLink();
        var node = new SensorNode(ctx, settings, source, rec, rec, link);
        node.Start();
        return (platform, ctx, node, source, rec, link);
    }

    private sealed class TestLink : INetworkLink
    {
        public bool Up = true;
        public bool IsUp() => Up;
        public bool WaitUp(int timeoutMs) => Up;
        public string Describe() => Up ? "up" : "test link down";
    }

    [Fact]
    public void A_Missing_Sensor_Never_Stops_The_Node_Status_Goes_Out_And_Opens_Back_Off()
    {
        var (platform, ctx, node, source, rec, _) = StartWithSource(missingOpens: 3);
        using (ctx)
        {
            // Constructor throws (IOException, as Bmxx80 does for a wrong chip id): status every interval.
            // Opens at t = 0 (fails, next in 5 s), 10 (fails, next in 10 s), 20 (fails, next in 20 s), 30 (not yet).
            for (int i = 0; i < 4; i++)
            {
                node.RunOnce(0);
                platform.Monotonic += 10_000;
            }
            Assert.Equal(4, node.Published);
            Assert.Equal(4, node.StatusPublished);
            Assert.All(Packs(platform), p => Assert.Equal(new[] { "sensor_ok", "sensor_errors" }, Names(p)));
            Assert.Equal(3, node.SensorOpenFailures);
            Assert.Equal(3, source.Opens);
            Assert.Contains(rec.Lines, l => l.Contains("cannot open BME280 at 0x76 (simulated): chip id") && l.Contains("retrying in 5 s"));
            Assert.Contains(rec.Lines, l => l.Contains("retrying in 10 s"));
            Assert.Contains(rec.Lines, l => l.Contains("retrying in 20 s"));
            node.RunOnce(0); // t = 40: the sensor is there now
            Assert.True(node.SensorOpen);
            Assert.Equal(4, source.Opens);
            Assert.Equal(new[] { "temperature", "humidity", "pressure" }, Names(Packs(platform)[^1]));
            Assert.Contains(rec.Lines, l => l.Contains("is back"));
        }
    }

    [Fact]
    public void A_Sensor_That_Stops_Answering_Is_Closed_And_Reopened()
    {
        var (platform, ctx, node, source, rec, _) = StartWithSource(missingOpens: 0);
        using (ctx)
        {
            node.RunOnce(0);
            Assert.True(node.SensorOpen);
            source.Sensor!.Broken = true;
            for (int i = 0; i < SensorNode.ReadFailuresBeforeReopen; i++)
            {
                platform.Monotonic += 10_000;
                node.RunOnce(0);
            }
            Assert.False(node.SensorOpen);
            Assert.Contains(rec.Lines, l => l.Contains("3 failed reads in a row; closing"));
            platform.Monotonic += 10_000;
            node.RunOnce(0);
            Assert.Equal(2, source.Opens);
            Assert.True(node.SensorOpen);
            Assert.Equal(new[] { "temperature", "humidity", "pressure" }, Names(Packs(platform)[^1]));
        }
    }

    [Fact]
    public void Link_Lost_Closes_The_Socket_And_Link_Back_Joins_The_Command_Channel_Again()
    {
        var (platform, ctx, node, _, rec, link) = StartWithSource(missingOpens: 0);
        using (ctx)
        {
            node.RunOnce(0);
            Assert.True(node.Online);
            link.Up = false;
            node.RunOnce(0);
            Assert.False(node.Online);
            Assert.Equal(1, node.LinkLosses);
            Assert.Contains(rec.Lines, l => l.Contains("network lost (test link down)"));
            link.Up = true;
            node.RunOnce(0);
            Assert.True(node.Online);
            Assert.Equal(1, node.Rejoins);
            Assert.Contains(rec.Lines, l => l.Contains("network back, joined"));
            // The new socket hears commands: the membership is really back.
            Command(platform, node, "interval 7");
            Assert.Equal(7, node.IntervalSeconds);
        }
    }

    [Fact]
    public void Two_Boards_From_One_Build_Get_Two_Names_And_Two_Channels()
    {
        string a = NodeSettings.NameFromMac(new byte[] { 0x24, 0x6f, 0x28, 0xa1, 0xb2, 0xc3 });
        string b = NodeSettings.NameFromMac(new byte[] { 0x24, 0x6f, 0x28, 0xa1, 0xb2, 0xc4 });
        Assert.Equal("esp-246f28a1b2c3", a);
        Assert.NotEqual(a, b);
        var sa = new NodeSettings { Node = a };
        var sb = new NodeSettings { Node = b };
        Assert.NotEqual(GroupAddress.Format(GroupAddress.FromName(sa.TelemetryChannel), 0), GroupAddress.Format(GroupAddress.FromName(sb.TelemetryChannel), 0));
    }

    [Theory]
    [InlineData("site greenhouse\nnode bed3\ninterval 30\n", "greenhouse", "bed3", 30, false)]
    [InlineData("# comment\r\n  node   x1  # trailing\r\n\n", "site1", "x1", 10, false)]
    [InlineData("key 000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F\n", "site1", "node1", 10, true)]
    public void Device_Config_Sets_Identity_Interval_And_Key(string text, string site, string node, int interval, bool keyed)
    {
        var s = new NodeSettings();
        byte[] b = Encoding.ASCII.GetBytes(text.Replace("\\n", "\n").Replace("\\r", "\r"));
        NodeConfig.Apply(b, b.Length, s);
        Assert.Equal(site, s.Site);
        Assert.Equal(node, s.Node);
        Assert.Equal(interval, s.IntervalSeconds);
        Assert.Equal(keyed, s.Key != null);
        if (keyed) Assert.Equal(31, s.Key![31]);
    }

    [Theory]
    [InlineData("", "0.11")]
    [InlineData("wire 0.5\n", "0.5")]
    [InlineData("node n\nwire 0.9 # Debian 13\n", "0.9")]
    [InlineData("wire 0.11.2\n", "0.11")]
    public void Device_Config_Chooses_The_Wire(string text, string wire)
    {
        var s = new NodeSettings();
        byte[] b = Encoding.ASCII.GetBytes(text);
        NodeConfig.Apply(b, b.Length, s);
        Assert.Equal(wire, s.Wire.Name);
    }

    [Theory]
    [InlineData("", 255, false)]
    [InlineData("hop_limit 1\n", 1, false)]
    [InlineData("hop_limit 2\nloopback on\n", 2, true)]
    [InlineData("loopback off # the default\nhop_limit 255\n", 255, false)]
    public void Device_Config_Sets_Hop_Limit_And_Loopback(string text, int hops, bool loopback)
    {
        var s = new NodeSettings();
        byte[] b = Encoding.ASCII.GetBytes(text);
        NodeConfig.Apply(b, b.Length, s);
        Assert.Equal(hops, s.HopLimit);
        Assert.Equal(loopback, s.Loopback);
    }

    [Theory]
    [InlineData("hop_limit 0", "line 1: hop_limit must be a whole number, 1..255")]
    [InlineData("hop_limit 256", "line 1: hop_limit must be a whole number, 1..255")]
    [InlineData("loopback yes", "line 1: loopback must be on or off, not 'yes'")]
    [InlineData("wire 0.7", "line 1: wire must be 0.5, 0.9 or 0.11")]
    [InlineData("site s\nwire latest", "line 2: wire must be 0.5, 0.9 or 0.11 (the librecast release whose groups to use), not 'latest'")]
    [InlineData("node a/b", "Node 'a/b' may hold only letters")]
    [InlineData("key 00ff", "line 1: key must be 64 hex digits")]
    [InlineData("site s\ncolour red", "line 2: unknown setting 'colour'")]
    [InlineData("interval 0", "interval must be a whole number")]
    [InlineData("node two words", "takes one value")]
    [InlineData("node caf\u00e9", "only printable ASCII")]
    public void A_Bad_Device_Config_Is_Refused_As_A_Whole_Saying_Which_Line(string text, string message)
    {
        var s = new NodeSettings { Node = "before" };
        byte[] b = Encoding.UTF8.GetBytes(text.Replace("\\n", "\n"));
        var e = Assert.Throws<ArgumentException>(() => NodeConfig.Apply(b, b.Length, s));
        Assert.Contains(message, e.Message);
        Assert.Equal("before", s.Node);
        Assert.Null(s.Key);
        Assert.Same(WireProfile.V0_11, s.Wire);
    }

    [Fact]
    public void Ipv4_Mode_Publishes_On_The_239_Group()
    {
        var (platform, ctx, node, _, _) = Start(ipv6: false);
        using (ctx)
        {
            node.Step(0);
            Assert.Equal(1, node.Published);
            Assert.Equal("::ffff:" + Ipv4Group.Format(Ipv4Group.FromName("site1/n1/telemetry"), 0), node.Telemetry!.Address);
        }
    }

    [Fact]
    public void Settings_Errors_Name_The_Setting()
    {
        var ctx = new Context(new MemoryPlatform());
        var rec = new Recorder();
        Assert.Contains("Node", Assert.Throws<ArgumentException>(() =>
            new SensorNode(ctx, new NodeSettings { Node = "a/b" }, new SimulatedBme280(1), rec, rec)).Message);
        Assert.Contains("IntervalSeconds", Assert.Throws<ArgumentException>(() =>
            new SensorNode(ctx, new NodeSettings { IntervalSeconds = 0 }, new SimulatedBme280(1), rec, rec)).Message);
    }

    [Fact]
    public void A_Reading_Allocates_Nothing_After_The_First()
    {
        var platform = new NullPlatform();
        using var ctx = new Context(platform);
        var rec = new Recorder();
        var node = new SensorNode(ctx, new NodeSettings { Site = "site1", Node = "n1", Ipv6 = true }, new SimulatedBme280(3), rec, rec);
        node.Start();
        for (int i = 0; i < 10; i++) Assert.True(node.PublishNow());
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 1000; i++) node.PublishNow();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1010, node.Published);
        Assert.Equal(1010, platform.Datagrams);
    }

    [Fact]
    public void Host_Twin_Seeds_Its_Sensor_From_The_Node_Name_The_Same_In_Every_Process()
    {
        // FNV-1a of "node1": a constant, not string.GetHashCode (randomised per process), so the
        // same node reads the same values in every run.
        Assert.Equal(256780404, SimulatedBme280Source.SeedFor("node1"));
        Assert.NotEqual(SimulatedBme280Source.SeedFor("node1"), SimulatedBme280Source.SeedFor("node2"));
        var a = new SensorReading();
        var b = new SensorReading();
        Assert.True(new SimulatedBme280(SimulatedBme280Source.SeedFor("n1")).TryRead(a));
        Assert.True(new SimulatedBme280(SimulatedBme280Source.SeedFor("n1")).TryRead(b));
        Assert.Equal(a.TemperatureCelsius, b.TemperatureCelsius);
    }
}
