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
            Assert.Equal(GroupAddress.Format(GroupAddress.FromName("site1/n1/telemetry"), 0), node.Telemetry!.Address);
        }
    }

    [Fact]
    public void Readings_Follow_The_Interval_On_The_Platform_Clock()
    {
        var (platform, ctx, node, _, _) = Start(interval: 10);
        using (ctx)
        {
            node.Step(0);
            platform.Now += 9 * Second;
            node.Step(0);
            Assert.Equal(1, node.Published);
            platform.Now += 1 * Second;
            node.Step(0);
            Assert.Equal(2, node.Published);
            // A clock that jumps back (time sync) does not stall the node for the jump's length.
            platform.Now -= 3600 * Second;
            node.Step(0);
            Assert.Equal(3, node.Published);
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
            platform.Now += 5 * Second;
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
                platform.Now += 250_000_000;
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
    public void A_Failed_Sensor_Is_Counted_And_Nothing_Is_Published()
    {
        var (platform, ctx, node, sensor, rec) = Start();
        using (ctx)
        {
            sensor.Broken = true;
            node.Step(0);
            Assert.Equal(0, node.Published);
            Assert.Equal(1, node.SensorFailures);
            Assert.Empty(platform.Sent);
            Assert.Contains(rec.Lines, l => l.Contains("sensor read failed"));
        }
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
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) node.PublishNow();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1010, node.Published);
        Assert.Equal(1010, platform.Datagrams);
    }
}
