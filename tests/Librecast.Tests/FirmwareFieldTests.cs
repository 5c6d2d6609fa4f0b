using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Librecast.Nano;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The node in the field (issue 22, points 2, 3 and 6) on its own code: unreadable storage is not
/// "no config" (a keyed node never falls back to clear; the reason goes to its status channel),
/// the IPv6 join goes to the station's lwIP netif wherever a CLR restart put it and never to lo,
/// and restarting <c>Program.Run</c> makes no second link or indicator.
/// </summary>
public class FirmwareFieldTests
{
    private sealed class Recorder : INodeLog
    {
        public readonly List<string> Lines = new();
        public void Line(string text) { lock (Lines) Lines.Add(text); }
    }

    private sealed class Store(Func<int, byte[]?> read) : IConfigStore
    {
        public int Reads;
        public byte[]? Read() => read(++Reads);
        public string Describe() => "I:\\librecast.conf";
    }

    private const string KeyLine = "key 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    // Payloads of frames sent to CHANNEL (in clear) on the in-memory wire.
    private static List<string> SentOn(MemoryPlatform platform, string channel, out int others)
    {
        var list = new List<string>();
        others = 0;
        var h = new FrameHeader();
        lock (platform.Sent)
            foreach (byte[] d in platform.Sent)
            {
                if (Frame.TryDecode(d, 0, d.Length, h) != FrameStatus.Ok) { others++; continue; }
                list.Add(Encoding.UTF8.GetString(d, h.PayloadOffset, h.PayloadLength));
            }
        return list;
    }

    [Fact]
    public void Unreadable_Storage_Publishes_Nothing_And_Reports_On_The_Status_Channel_Then_Retries()
    {
        var platform = new MemoryPlatform();
        using var ctx = new Context(new NodeClock(platform));
        var settings = new NodeSettings { Site = "site1", Node = "esp-020000770019", Ipv6 = true };
        var log = new Recorder();
        var store = new Store(_ => throw new IOException("volume I: cannot be mounted"));
        // A listener on the status channel, as lc listen would be.
        Socket listener = ctx.CreateSocket();
        Channel status = ctx.CreateChannel("site1/esp-020000770019/status");
        listener.Bind(status);
        status.Join();
        Channel telemetry = ctx.CreateChannel(settings.TelemetryChannel);
        listener.Bind(telemetry);
        telemetry.Join();

        Assert.False(NodeBoot.LoadConfig(store, settings, log, ctx, 10, 3));
        Assert.Equal(3, store.Reads);
        Assert.Null(settings.Key);
        Assert.Equal(3, log.Lines.FindAll(l => l.Contains("storage unreadable: cannot read I:\\librecast.conf (IOException: volume I: cannot be mounted); not publishing")).Count);
        var m = new Message(1024);
        var heard = new List<string>();
        while (listener.ReceiveMessage(m, 0) == ReceiveResult.Ok)
        {
            Assert.Same(status, m.Channel); // nothing at all on the telemetry channel
            heard.Add(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
        }
        Assert.Equal(3, heard.Count);
        Assert.All(heard, p => Assert.Contains("storage unreadable", p));
        Assert.Contains("a channel key may be stored there", heard[0]);
        Assert.DoesNotContain(heard, p => p.Contains("temperature"));
    }

    [Fact]
    public void A_Keyed_Node_Whose_Storage_Comes_Back_Starts_Encrypted_Never_In_Clear()
    {
        var platform = new MemoryPlatform();
        using var ctx = new Context(new NodeClock(platform));
        var settings = new NodeSettings { Site = "site1", Node = "n1", Ipv6 = true };
        var log = new Recorder();
        var store = new Store(n => n <= 2 ? throw new IOException("read error") : Encoding.ASCII.GetBytes("site site1\nnode n1\n" + KeyLine + "\n"));
        Assert.True(NodeBoot.LoadConfig(store, settings, log, ctx, 10, 0));
        Assert.Equal(3, store.Reads);
        Assert.NotNull(settings.Key);
        Assert.Contains(log.Lines, l => l.Contains("readable again after 2 failed attempt(s)"));
        Assert.Contains(log.Lines, l => l.Contains("channel key set (encrypted)"));
        // Only the two status reports went out before; then the node starts keyed.
        platform.Sent.Clear();
        var node = new SensorNode(ctx, settings, new SimulatedBme280(1), new NullIndicator(), log);
        node.Start();
        node.Step(0);
        Assert.Equal(1, node.Published);
        lock (platform.Sent)
            foreach (byte[] d in platform.Sent)
                Assert.DoesNotContain("temperature", Encoding.ASCII.GetString(d)); // sealed
    }

    [Fact]
    public void Absent_Is_Not_Unreadable_The_Defaults_Apply_At_Once()
    {
        var log = new Recorder();
        var settings = new NodeSettings();
        var store = new Store(_ => null);
        Assert.True(NodeBoot.LoadConfig(store, settings, log, null, 10, 0));
        Assert.Equal(1, store.Reads);
        Assert.Contains(log.Lines, l => l.Contains("config: no I:\\librecast.conf; using the defaults"));
        Assert.DoesNotContain(log.Lines, l => l.Contains("unreadable"));
    }

    [Fact]
    public void A_Refused_File_Is_Not_Retried_And_Says_Which_Line()
    {
        var log = new Recorder();
        var store = new Store(_ => Encoding.ASCII.GetBytes("site s\nkey 12\n"));
        Assert.False(NodeBoot.LoadConfig(store, new NodeSettings(), log, null, 10, 0));
        Assert.Equal(1, store.Reads);
        Assert.Contains(log.Lines, l => l.StartsWith("config refused: ") && l.Contains("line 2"));
    }

    private sealed class NullIndicator : IIndicator { public void Set(bool on) { } }

    [Fact]
    public void A_Command_Datagram_Longer_Than_The_Buffer_Is_Counted_Not_Obeyed()
    {
        var platform = new MemoryPlatform();
        using var ctx = new Context(new NodeClock(platform));
        var log = new Recorder();
        var node = new SensorNode(ctx, new NodeSettings { Site = "site1", Node = "n1", Ipv6 = true }, new SimulatedBme280(2), new NullIndicator(), log);
        node.Start();
        node.Step(0);
        // "interval 5" padded past the 256-byte buffer: cut by the stack, so it must not be read as "interval 5".
        byte[] payload = Encoding.ASCII.GetBytes("interval 5" + new string(' ', 300));
        var frame = new byte[Frame.HeaderSize + payload.Length];
        Frame.Encode(frame, 0, platform.Now, 1, 2, Opcode.Data, payload, 0, payload.Length);
        byte[] group = new byte[16];
        node.Commands.CopyGroupTo(group, 0);
        long before = ctx.Counters.Truncated;
        platform.Inject(frame, group, 4242);
        node.Step(1000);
        Assert.Equal(1, node.CommandsTruncated);
        Assert.Equal(before + 1, ctx.Counters.Truncated);
        Assert.Equal(0, node.CommandsHandled);
        Assert.Equal(10, node.IntervalSeconds);
        Assert.Contains(log.Lines, l => l.Contains("dropped a datagram longer than 256 bytes on site1/n1/cmd (1 so far)"));
    }

    // lwIP's netif numbering as the ESP32 IPv6 image has it: lo is 1 (if there is a loopback
    // netif), the station is added after it and gets a new, higher number at each CLR restart.
    private sealed class Lwip(bool loopback, int station) : INetifMembership
    {
        public readonly List<int> Joined = new();
        public int Station = station;
        public bool TryMembership(int index, bool join)
        {
            bool exists = (loopback && index == 1) || index == Station;
            if (exists && join) Joined.Add(index);
            return exists;
        }
    }

    [Fact]
    public void The_Join_Follows_The_Station_Across_CLR_Restarts_And_Is_Never_On_Lo()
    {
        for (int restarts = 0; restarts < 20; restarts++)
        {
            var lwip = new Lwip(loopback: true, station: 2 + restarts);
            var netif = new StationNetif(); // a CLR restart starts with nothing known
            Assert.Equal(2 + restarts, netif.Join(lwip));
            Assert.Equal(2 + restarts, netif.Join(lwip)); // second group: the known index first
            Assert.Equal(new[] { 2 + restarts, 2 + restarts }, lwip.Joined);
            Assert.DoesNotContain(1, lwip.Joined);
        }
        // Above the old limit of 8: still found.
        Assert.Equal(200, new StationNetif().Join(new Lwip(true, 200)));
        // The station moved under a known index (Wi-Fi stack restarted): searched again.
        var moving = new Lwip(true, 2);
        var known = new StationNetif();
        Assert.Equal(2, known.Join(moving));
        moving.Station = 5;
        Assert.Equal(5, known.Join(moving));
        // An image without a loopback netif: the station is 1.
        Assert.Equal(1, new StationNetif().Join(new Lwip(false, 1)));
        // No netif at all: 0 (the transport says no netif accepted the join). With lo only (no
        // station yet) 1 would be taken: the node joins only once its link has an address, when
        // the station's netif exists.
        Assert.Equal(0, new StationNetif().Join(new Lwip(false, 0)));
    }

    // The device's factory: each link registers a handler on a static event (NetworkChange), each
    // indicator opens a pin on a controller of its own (GpioController.OpenPin).
    private static event EventHandler? AddressChanged;
    private static int HandlerCount => AddressChanged?.GetInvocationList().Length ?? 0;

    private sealed class Factory : IBootFactory
    {
        public int Links, Indicators, PinsOpen;
        public INetworkLink MakeLink()
        {
            Links++;
            AddressChanged += (_, _) => { };
            return new AlwaysUpLink();
        }
        public IIndicator MakeIndicator()
        {
            Indicators++;
            PinsOpen++;
            return new NullIndicator();
        }
    }

    [Fact]
    public void Twenty_Run_Retries_Leave_One_Link_Handler_And_One_Pin()
    {
        AddressChanged = null;
        var factory = new Factory();
        var parts = new BootParts(factory);
        int failures = 0;
        for (int run = 0; run < 20; run++)
        {
            // Program.Run's shape: take the link and the indicator, then something throws.
            try
            {
                INetworkLink link = parts.Link;
                IIndicator indicator = parts.Indicator;
                Assert.True(link.IsUp());
                indicator.Set(false);
                throw new InvalidOperationException("node failed");
            }
            catch (InvalidOperationException) { failures++; }
        }
        Assert.Equal(20, failures);
        Assert.Equal(1, factory.Links);
        Assert.Equal(1, HandlerCount);
        Assert.Equal(1, factory.Indicators);
        Assert.Equal(1, factory.PinsOpen);
    }
}
