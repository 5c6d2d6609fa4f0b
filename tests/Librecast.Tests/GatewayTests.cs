using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw end to end in the test namespace: the librecast C library publishes SenML on lc0, lcgw
/// (its own process) hears it on lc1 and writes JSON lines, serves /metrics and bridges to a real
/// mosquitto broker, while reading a simulated BME280 and a missing sensor; then stops cleanly
/// on SIGTERM.
/// </summary>
[Collection(NetworkCollection.Name)]
public class GatewayTests
{
    private const string Pack =
        "[{\"bn\":\"urn:dev:lc:site1:node1:\",\"bt\":1795589518.968,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":41.2}]";

    private static string LcgwDll => Path.Combine(AppContext.BaseDirectory, "lcgw.dll");

    internal static DaemonProcess StartLcgw(string config, out string configPath, IDictionary<string, string>? environment = null)
    {
        configPath = Path.Combine(Directory.CreateTempSubdirectory("lcgw-test-").FullName, "lcgw.conf");
        File.WriteAllText(configPath, config);
        var p = new DaemonProcess("dotnet", [LcgwDll, "-c", configPath], environment ?? new Dictionary<string, string>());
        p.WaitForStderr("msg=\"lcgw started\"");
        return p;
    }

    internal static string Lcgw => LcgwDll;

    [Fact]
    public async System.Threading.Tasks.Task Receives_From_Librecast_C_And_Writes_Jsonl_Metrics_And_Mqtt_Then_Stops_On_Sigterm()
    {
        Netns.Require();
        string peer = CPeer.Build("lcpeer");
        using var broker = new Mosquitto();
        int metricsPort = DaemonProcess.FreeTcpPort();
        // 1 raw pack + 2 values and 2 JSON states from node1; wait for a topic, not a count.
        using DaemonProcess sub = broker.Subscribe("librecast/site1/node1/#", 5, 30);
        using DaemonProcess gw = StartLcgw($"""
            config gateway
            	option interface 'lc1'
            	option wire '0.5'
            	option site 'site1'
            	option node 'gw'
            config subscribe
            	list channel 'site1/node1/telemetry'
            config jsonl
            	option path '-'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config mqtt
            	option host '127.0.0.1'
            	option port '{broker.Port}'
            config sensor 'climate'
            	option type 'bme280'
            	option bus 'sim'
            	option interval '0.3'
            config sensor 'gone'
            	option type 'sht3x'
            	option bus '9'
            	option interval '0.3'
            """, out _);
        gw.WaitForStderr("msg=\"mqtt connected\"");

        foreach (string payload in new[] { Pack, "not senml" })
        {
            using var send = new DaemonProcess(peer, ["send", Netns.SendIf, "site1/node1/telemetry", payload]);
            Assert.True(send.WaitForExit() == 0, send.Stderr);
        }

        // JSON lines: one object per record, with channel, source and sequence.
        List<string> lines = gw.WaitForLine(l => l.Contains("node1:humidity", StringComparison.Ordinal));
        JsonElement temperature = default;
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line); // every line is one JSON object
            if (doc.RootElement.GetProperty("name").GetString() == "urn:dev:lc:site1:node1:temperature") temperature = doc.RootElement.Clone();
        }
        Assert.Equal(JsonValueKind.Object, temperature.ValueKind);
        Assert.Equal("site1/node1/telemetry", temperature.GetProperty("channel").GetString());
        Assert.Equal(21.53, temperature.GetProperty("value").GetDouble());
        Assert.Equal("Cel", temperature.GetProperty("unit").GetString());
        Assert.Equal(1795589518.968, temperature.GetProperty("time").GetDouble());
        Assert.Equal(1UL, temperature.GetProperty("seq").GetUInt64());
        Assert.StartsWith("fe80::", temperature.GetProperty("source").GetString());
        // The simulated BME280 is read and published too.
        gw.WaitForLine(l => l.Contains("urn:dev:lc:site1:gw:pressure", StringComparison.Ordinal));

        // MQTT: what existing tooling sees.
        var topics = new Dictionary<string, string>();
        foreach (string line in sub.WaitForLine(l => l.StartsWith("librecast/site1/node1/telemetry/urn:dev:lc:site1:node1:humidity ", StringComparison.Ordinal), 20_000))
        {
            if (!line.StartsWith("librecast/", StringComparison.Ordinal)) continue; // mosquitto_sub -d chatter
            int space = line.IndexOf(' ');
            topics[line[..space]] = line[(space + 1)..];
        }
        Assert.Equal("21.53", topics["librecast/site1/node1/telemetry/urn:dev:lc:site1:node1:temperature"]);
        Assert.Equal("41.2", topics["librecast/site1/node1/telemetry/urn:dev:lc:site1:node1:humidity"]);
        Assert.Equal(Pack, topics["librecast/site1/node1/telemetry"]);

        // /metrics: last value per sensor, transport and gateway counters.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = "";
        for (int attempt = 0; attempt < 50; attempt++)
        {
            metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken);
            if (metrics.Contains("lcgw_senml_rejected_total{reason=\"notjson\"} 1", StringComparison.Ordinal) &&
                metrics.Contains("lcgw_sensor_errors_total{sensor=\"gone\"", StringComparison.Ordinal)) break;
            await System.Threading.Tasks.Task.Delay(100, TestContext.Current.CancellationToken);
        }
        GatewayMetricsTests.AssertValidExposition(metrics);
        Assert.Contains("lc_sensor_value{channel=\"site1/node1/telemetry\",name=\"urn:dev:lc:site1:node1:temperature\",unit=\"Cel\"} 21.53\n", metrics);
        Assert.Contains("lc_sensor_value{channel=\"site1/node1/telemetry\",name=\"urn:dev:lc:site1:node1:humidity\",unit=\"%RH\"} 41.2\n", metrics);
        Assert.Contains("lc_sensor_value{channel=\"site1/gw/telemetry\",name=\"urn:dev:lc:site1:gw:pressure\",unit=\"Pa\"}", metrics);
        Assert.Contains("lc_transport_received_total 2\n", metrics); // the pack and the non-SenML message: both valid frames
        Assert.Contains("lc_transport_malformed_total 0\n", metrics);
        Assert.Contains("lcgw_senml_rejected_total{reason=\"notjson\"} 1\n", metrics);
        Assert.Contains("lcgw_sensor_up{sensor=\"climate\",device=\"bme280 on i2c-1 at 0x76\"} 1\n", metrics);
        Assert.Contains("lcgw_sensor_up{sensor=\"gone\",device=\"sht3x on i2c-9 at 0x44\"} 0\n", metrics);
        Assert.Contains("lcgw_mqtt_connected 1\n", metrics);

        // The missing sensor is an error in the log, not a stop.
        Assert.Contains("msg=\"sensor unavailable; will retry\" sensor=gone", gw.Stderr);
        Assert.False(gw.HasExited);

        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains("msg=stopping signal=SIGTERM", gw.Stderr);
        Assert.Contains("msg=\"lcgw stopped\" received=2", gw.Stderr);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("0.11")]
    public void Bridges_Ipv4_Node_Telemetry_To_Librecast_Ipv6_And_Commands_Back_Without_Echo(string profile)
    {
        // lcgw's "option wire" against the real library of that release: 0.5.1 (system), 0.11.2 (prefix).
        Netns.Require();
        string peer = CPeer.Build("lcpeer", WireProfile.Parse(profile)!);
        using DaemonProcess gw = StartLcgw($$"""
            config gateway
            	option interface 'lc1'
            	option wire '{{profile}}'
            config jsonl
            	option path '-'
            config bridge
            	list ipv4 'site1/esp1/telemetry'
            	list command 'site1/esp1/command'
            """, out _);

        // A librecast C subscriber on the IPv6 channel: it must hear what the IPv4-only node said.
        using var c = new PeerProcess(peer, $"recv {Netns.SendIf} site1/esp1/telemetry 1 10");
        Assert.Equal("READY", c.NextLine());
        // The IPv4-only node (standard ESP32 firmware) on the other end of the wire.
        using var ctx = new Context(Librecast.Sockets.SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        Socket node = ctx.CreateSocket();
        node.Bind(Librecast.Sockets.Interfaces.Resolve(Netns.SendIf));
        Channel telemetry = ctx.CreateIpv4Channel("site1/esp1/telemetry");
        Channel command = ctx.CreateIpv4Channel("site1/esp1/command");
        node.Bind(telemetry);
        node.Bind(command);
        command.Join();
        // Also listening on this side of the wire, to catch any echo: the node's telemetry coming
        // back on IPv4, or the command coming back on IPv6.
        telemetry.Join();
        Channel commandV6 = ctx.CreateChannel("site1/esp1/command");
        node.Bind(commandV6);
        commandV6.Join();
        string pack = "[{\"bn\":\"urn:dev:lc:site1:esp1:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":19.5}]";
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(pack);
        // A frame with a header we choose, so the IPv6 copy can be checked byte for byte.
        const ulong Time = 1795589518968000000, Seq = 7, Rnd = 0x0123456789abcdef;
        byte[] frame = new byte[Frame.HeaderSize + bytes.Length];
        Frame.Encode(frame, 0, Time, Seq, Rnd, Opcode.Data, bytes, 0, bytes.Length);
        telemetry.Send(frame, 0, frame.Length);

        // The gateway decodes it for its own outputs...
        gw.WaitForLine(l => l.Contains("\"name\":\"urn:dev:lc:site1:esp1:temperature\"", StringComparison.Ordinal) && l.Contains("\"value\":19.5", StringComparison.Ordinal));
        // ...and republishes the datagram as it came, header included, on the librecast channel.
        Assert.Equal($"seq={Seq} rnd={Rnd:x16} ts={Time} op=0 len={bytes.Length} data=" + Convert.ToHexString(bytes).ToLowerInvariant(), c.NextLine());
        Assert.Equal(0, c.WaitForExit());

        // A command on the librecast IPv6 channel, from the C library, reaches the IPv4-only node.
        using (var send = new DaemonProcess(peer, ["send", Netns.SendIf, "site1/esp1/command", "led=on"]))
            Assert.True(send.WaitForExit() == 0, send.Stderr);
        // What lcgw sends (from lc1's addresses). In one namespace the kernel also hands this
        // socket the C sender's own datagram, which arrives on lc1 for a group the socket joined;
        // a node on another host never sees that.
        var lcgw = new HashSet<string>();
        foreach (var ni in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
            if (ni.Name == Netns.RecvIf)
                foreach (var a in ni.GetIPProperties().UnicastAddresses)
                    lcgw.Add(a.Address.MapToIPv6().ToString().Split('%')[0]); // as GroupAddress.Format writes it
        var message = new Message(2048);
        var heard = new List<string>();
        void ReceiveFor(TimeSpan time, int stopAt)
        {
            DateTime deadline = DateTime.UtcNow + time;
            while (heard.Count < stopAt && DateTime.UtcNow < deadline)
                if (node.ReceiveMessage(message, 200) == ReceiveResult.Ok && lcgw.Contains(GroupAddress.Format(message.Info.Source, 0)))
                    heard.Add(message.Channel!.Address + " " + System.Text.Encoding.UTF8.GetString(message.Buffer, message.PayloadOffset, message.PayloadLength));
        }
        ReceiveFor(TimeSpan.FromSeconds(10), 1);
        Assert.Equal([command.Address + " led=on"], heard);
        Assert.True(Ipv4Group.IsMapped(message.Info.Destination, 0), "the command arrived on the IPv4 group");
        // Nothing else comes back for a while: not the node's telemetry on IPv4, not the command
        // on IPv6, not the command twice.
        ReceiveFor(TimeSpan.FromSeconds(1.5), int.MaxValue);
        Assert.Equal([command.Address + " led=on"], heard);

        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains("bridged_up=1 bridged_down=1 bridge_duplicates=0", gw.Stderr);
    }

    [Fact]
    public async System.Threading.Tasks.Task Migrates_A_0_5_Fleet_To_0_11_Librecast_And_Commands_Back()
    {
        // A node flashed with 0.5 groups (the real librecast 0.5.1, the system's) keeps reporting;
        // lcgw hears it on the 0.5 group and republishes it verbatim on the 0.11 group, where the
        // real librecast 0.11.2 hears it; a 0.11.2 command goes back to the 0.5 group.
        Netns.Require();
        string old = CPeer.Build("lcpeer", WireProfile.V0_5), current = CPeer.Build("lcpeer", WireProfile.V0_11);
        int metricsPort = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = StartLcgw($"""
            config gateway
            	option interface 'lc1'
            	option wire '0.11'
            config jsonl
            	option path '-'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config migrate 'fleet'
            	option from '0.5'
            	list channel 'site1/old1/telemetry'
            	list command 'site1/old1/command'
            """, out _);
        Assert.Contains("msg=\"migrating wire 0.5 to 0.11\" channel=site1/old1/telemetry", gw.Stderr);

        using var listener = new PeerProcess(current, $"recv {Netns.SendIf} site1/old1/telemetry 1 10");
        Assert.Equal("READY", listener.NextLine());
        string pack = "[{\"bn\":\"urn:dev:lc:site1:old1:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":18.25}]";
        using (var send = new DaemonProcess(old, ["send", Netns.SendIf, "site1/old1/telemetry", pack]))
            Assert.True(send.WaitForExit() == 0, "librecast 0.5.1 send failed: " + send.Stderr);

        gw.WaitForLine(l => l.Contains("\"name\":\"urn:dev:lc:site1:old1:temperature\"", StringComparison.Ordinal) && l.Contains("\"value\":18.25", StringComparison.Ordinal));
        var heard = CPeer.Fields(listener.NextLine());
        Assert.Equal("1", heard["seq"]); // the node's own header, republished as it came
        Assert.Equal(Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(pack)).ToLowerInvariant(), heard["data"]);
        Assert.Equal(0, listener.WaitForExit());

        // A command from a current librecast program reaches the 0.5 node's group.
        using var node = new PeerProcess(old, $"recv {Netns.SendIf} site1/old1/command 1 10");
        Assert.Equal("READY", node.NextLine());
        Assert.Equal(0, CPeer.Run(current, $"send {Netns.SendIf} site1/old1/command led=on", null, 20_000).Code);
        Assert.Equal(Convert.ToHexString("led=on"u8).ToLowerInvariant(), CPeer.Fields(node.NextLine())["data"]);
        Assert.Equal(0, node.WaitForExit());

        using var http = new HttpClient();
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("lcgw_bridge_forwarded_total{direction=\"old_wire_to_new\"} 1", metrics);
        Assert.Contains("lcgw_bridge_forwarded_total{direction=\"new_wire_to_old\"} 1", metrics);
        Assert.Contains("lc_transport_duplicates_total 0", metrics);
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains("migrated_up=1 migrated_down=1", gw.Stderr);
    }

    [Fact]
    public async System.Threading.Tasks.Task Bridges_A_Burst_Through_Its_Send_Ring_Every_Datagram_In_Order_Byte_For_Byte()
    {
        // The bridge republishes through the bridge socket's send ring (one writer, the listener's
        // dispatch thread; sent after each receive batch): a burst of 3,000 IPv4 frames reaches
        // an IPv6 subscriber complete, in order, each header as the node wrote it, and lcgw's
        // transport counts them as published through the ring (the direct path does not count
        // published).
        Netns.Require();
        const int Count = 3000;
        int metricsPort = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = StartLcgw($"""
            config gateway
            	option interface 'lc1'
            	option wire '0.5'
            config jsonl
            	option path '/dev/null'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config bridge
            	list ipv4 'site1/esp3/telemetry'
            """, out _);
        using var ctx = new Context(Librecast.Sockets.SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        Socket subscriber = ctx.CreateSocket();
        subscriber.Bind(Librecast.Sockets.Interfaces.Resolve(Netns.SendIf));
        Channel v6 = ctx.CreateChannel("site1/esp3/telemetry");
        subscriber.Bind(v6);
        v6.Join();
        Socket node = ctx.CreateSocket();
        node.Bind(Librecast.Sockets.Interfaces.Resolve(Netns.SendIf));
        Channel v4 = ctx.CreateIpv4Channel("site1/esp3/telemetry");
        node.Bind(v4);
        var heard = new List<string>();
        var done = new System.Threading.ManualResetEventSlim();
        subscriber.Listen(m =>
        {
            lock (heard) heard.Add($"{m.Header.Sequence} {m.Header.Random:x16} {m.Header.Timestamp} " + System.Text.Encoding.ASCII.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            if (heard.Count == Count) done.Set();
        }, null, null, 2048);
        var expected = new List<string>();
        byte[] frame = new byte[Frame.HeaderSize + 64];
        for (int i = 1; i <= Count; i++)
        {
            string pack = $"[{{\"n\":\"urn:dev:lc:site1:esp3:count\",\"v\":{i}}}]";
            byte[] bytes = System.Text.Encoding.ASCII.GetBytes(pack);
            ulong time = 1795589518968000000UL + (ulong)i, rnd = 0x0123456789abcdefUL ^ (ulong)i;
            int length = Frame.Encode(frame, 0, time, (ulong)i, rnd, Opcode.Data, bytes, 0, bytes.Length);
            expected.Add($"{i} {rnd:x16} {time} {pack}");
            v4.Send(frame, 0, length);
            if (i % 200 == 0) System.Threading.Thread.Sleep(20); // bursts of 200: within every socket buffer on the way
        }
        Assert.True(done.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), $"heard {heard.Count} of {Count}");
        subscriber.ListenCancel();
        lock (heard) Assert.Equal(expected, heard);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken);
        Assert.Contains($"lc_transport_published_total {Count}\n", metrics);
        Assert.Contains($"lc_transport_sent_total {Count}\n", metrics);
        Assert.Contains("lc_transport_send_errors_total 0\n", metrics);
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains($"bridged_up={Count} bridged_down=0 bridge_duplicates=0", gw.Stderr);
    }

    [Fact]
    public void Two_Gateways_Bridging_One_Channel_In_Opposite_Directions_Do_Not_Loop()
    {
        // The worst case for a loop: gateway A (lc1) carries the channel IPv4 -> IPv6, gateway B
        // (lc0) carries it IPv6 -> IPv4. Without loop protection the node's one message would go
        // round A -> B -> A ... for ever; A must recognise B's copy and stop it.
        Netns.Require();
        string peer = CPeer.Build("lcpeer");
        using DaemonProcess a = StartLcgw("""
            config gateway
            	option interface 'lc1'
            	option wire '0.5'
            config jsonl
            	option path '-'
            config bridge
            	list ipv4 'site1/esp2/telemetry'
            """, out _);
        using DaemonProcess b = StartLcgw("""
            config gateway
            	option interface 'lc0'
            	option wire '0.5'
            config jsonl
            	option path '-'
            config bridge
            	list command 'site1/esp2/telemetry'
            """, out _);
        using var c = new PeerProcess(peer, $"recv {Netns.SendIf} site1/esp2/telemetry 2 4");
        Assert.Equal("READY", c.NextLine());

        using var ctx = new Context(Librecast.Sockets.SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        Socket node = ctx.CreateSocket();
        node.Bind(Librecast.Sockets.Interfaces.Resolve(Netns.SendIf));
        Channel telemetry = ctx.CreateIpv4Channel("site1/esp2/telemetry");
        node.Bind(telemetry);
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes("[{\"n\":\"esp2:temperature\",\"u\":\"Cel\",\"v\":3.5}]");
        telemetry.SendMessage(bytes, 0, bytes.Length);

        // The IPv6 subscriber hears the message once, then nothing (a loop would repeat it).
        Assert.EndsWith("data=" + Convert.ToHexString(bytes).ToLowerInvariant(), c.NextLine());
        Assert.Equal(3, c.WaitForExit(10_000));
        Assert.Contains("TIMEOUT got=1", c.Stderr);
        // A delivered it once (B's copy was recognised), B forwarded it once.
        List<string> lines = a.WaitForLine(l => l.Contains("esp2:temperature", StringComparison.Ordinal));
        Assert.Single(lines);
        a.Terminate();
        b.Terminate();
        Assert.Equal(0, a.WaitForExit());
        Assert.Equal(0, b.WaitForExit());
        Assert.Empty(a.RemainingLines());
        Assert.Contains("bridged_up=1 bridged_down=0 bridge_duplicates=1", a.Stderr);
        Assert.Contains("bridged_up=0 bridged_down=1 bridge_duplicates=0", b.Stderr);
    }

    [Fact]
    public void Starts_Without_Its_Interface_And_Joins_When_It_Appears()
    {
        // A router at boot: lcgw starts before its interface exists, keeps running, and joins
        // once the interface is there (a veth pair this test adds inside the test namespace).
        Netns.Require();
        using DaemonProcess gw = StartLcgw("""
            config gateway
            	option interface 'lcgw0'
            config subscribe
            	list channel 'site1/late/telemetry'
            config jsonl
            	option path '-'
            """, out _);
        gw.WaitForStderr("msg=\"network not ready; outputs and sensors run, retrying every 5 s\"");
        Assert.Contains("unknown interface 'lcgw0'", gw.Stderr);
        try
        {
            foreach (string args in new[] { "link add lcgw0 type veth peer name lcgw1", "link set lcgw0 up", "link set lcgw1 up" })
                Assert.Equal(0, CPeer.Run("ip", args, null, 10_000).Code);
            gw.WaitForStderr("msg=\"network up\"", 15_000);
            var (ctx, _, channel) = Endpoints.Open("lcgw1", "site1/late/telemetry", join: false);
            using (ctx)
            {
                byte[] pack = System.Text.Encoding.UTF8.GetBytes("[{\"n\":\"late:temperature\",\"u\":\"Cel\",\"v\":7.5}]");
                channel.SendMessage(pack, 0, pack.Length);
            }
            gw.WaitForLine(l => l.Contains("\"name\":\"late:temperature\"", StringComparison.Ordinal) && l.Contains("\"value\":7.5", StringComparison.Ordinal));
            gw.Terminate();
            Assert.Equal(0, gw.WaitForExit());
        }
        finally
        {
            CPeer.Run("ip", "link del lcgw0", null, 10_000);
        }
    }

    [Fact]
    public void Mqtt_Broker_That_Comes_Up_Later_Gets_The_Readings_And_Nothing_Blocks()
    {
        Netns.Require();
        int port = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = StartLcgw($"""
            config gateway
            	option interface 'lc1'
            	option site 's'
            	option node 'late'
            config mqtt
            	option host '127.0.0.1'
            	option port '{port}'
            config sensor
            	option type 'bh1750'
            	option bus 'sim'
            	option interval '0.2'
            """, out _);
        gw.WaitForStderr("msg=\"mqtt broker unreachable; queueing (bounded) and retrying every 2 s\"");
        using var broker = new Mosquitto(port);
        using DaemonProcess sub = broker.Subscribe("librecast/s/late/telemetry/urn:dev:lc:s:late:illuminance", 1, 20);
        gw.WaitForStderr("msg=\"mqtt connected\"");
        List<string> got = sub.WaitForLine(l => l.StartsWith("librecast/s/late/telemetry/urn:dev:lc:s:late:illuminance ", StringComparison.Ordinal), 20_000);
        double lux = double.Parse(got[^1].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(lux, 0, 2000);
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
    }

    [Fact]
    public void Check_Config_Help_And_Bad_Config_Exit_Codes()
    {
        var (code, output, _) = CPeer.Run("dotnet", $"{LcgwDll} --help", null, 30_000);
        Assert.Equal(0, code);
        Assert.Contains("usage: lcgw [-c FILE] [--check-config] [--version] [--help]", output);
        // Every switch the parser knows, the signals it handles and its exit codes are in the help.
        foreach (string text in new[] { "-c, --config FILE", "--check-config", "--version", "-h, --help", "SIGTERM, SIGINT or SIGQUIT",
                                        "0 stopped cleanly", "1 an output could not be", "2 bad arguments or configuration" })
            Assert.Contains(text, output);
        (code, output, _) = CPeer.Run("dotnet", $"{LcgwDll} --version", null, 30_000);
        Assert.Equal(0, code);
        Assert.StartsWith("lcgw ", output);

        string dir = Directory.CreateTempSubdirectory("lcgw-check-").FullName;
        string good = Path.Combine(dir, "good.conf"), bad = Path.Combine(dir, "bad.conf");
        File.WriteAllText(good, "config subscribe\n\tlist channel 'a/b/telemetry'\nconfig jsonl\n");
        File.WriteAllText(bad, "config subscribe\n\tlist channel 'a/b/telemetry'\nconfig jsonl\n\toption file x\n");
        (code, output, _) = CPeer.Run("dotnet", $"{LcgwDll} --check-config -c {good}", null, 30_000);
        Assert.Equal(0, code);
        Assert.Contains("ok: interface=(default route)", output);
        (code, _, string err) = CPeer.Run("dotnet", $"{LcgwDll} --check-config -c {bad}", null, 30_000);
        Assert.Equal(2, code);
        Assert.Equal($"lcgw: {bad}:4: unknown option 'file' in 'config jsonl' (known: enabled, path)", err.Trim());
        // The same line without --check-config: the daemon does not start.
        (code, _, err) = CPeer.Run("dotnet", $"{LcgwDll} -c {bad}", null, 30_000);
        Assert.Equal(2, code);
        Assert.Equal($"lcgw: {bad}:4: unknown option 'file' in 'config jsonl' (known: enabled, path)", err.Trim());
        (code, _, err) = CPeer.Run("dotnet", $"{LcgwDll} -c {dir}/missing.conf", null, 30_000);
        Assert.Equal(2, code);
        Assert.Equal($"lcgw: cannot read config file {dir}/missing.conf: no such file", err.Trim());
        (code, _, err) = CPeer.Run("dotnet", $"{LcgwDll} --bogus", null, 30_000);
        Assert.Equal(2, code);
        Assert.Contains("unknown argument '--bogus'", err);

        // An output that cannot be opened at start: exit 1, one error line saying which and why.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        string busy = Path.Combine(dir, "busy.conf");
        File.WriteAllText(busy, $"config subscribe\n\tlist channel 'a/b/telemetry'\nconfig metrics\n\toption listen '127.0.0.1:{port}'\n");
        (code, _, err) = CPeer.Run("dotnet", $"{LcgwDll} -c {busy}", null, 30_000);
        Assert.Equal(1, code);
        string[] errors = Array.FindAll(err.Split('\n'), l => l.Contains("level=error", StringComparison.Ordinal));
        Assert.Equal([$"msg=\"cannot start\" error=\"metrics: cannot listen on 127.0.0.1:{port}: Address already in use\""],
                     Array.ConvertAll(errors, l => l[(l.IndexOf("msg=", StringComparison.Ordinal))..]));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async System.Threading.Tasks.Task Encrypted_Channel_With_Replay_Detection_Delivers_Only_What_Opens_Once()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("lcgw-key-").FullName;
        string keyFile = Path.Combine(dir, "site.key");
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(keyFile, key);
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string name = $"site1/secure/{Guid.NewGuid():N}";
        int metricsPort = DaemonProcess.FreeTcpPort();
        string config = $"""
            config gateway
            	option interface 'lc1'
            	option key_file '{keyFile}'
            	option replay '1'
            	option max_age '30'
            config subscribe
            	list channel '{name}'
            config jsonl
            	option path '-'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            """;
        try
        {
            using DaemonProcess gw = StartLcgw(config, out string configPath);
            var (ctx, _, channel) = Endpoints.Open(Netns.SendIf, name, join: false);
            using (ctx)
            {
                byte[] Pack(double v) => System.Text.Encoding.UTF8.GetBytes($"[{{\"n\":\"secure:t\",\"u\":\"Cel\",\"v\":{v.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}]");
                byte[] clear = Pack(66.6);
                channel.SendMessage(clear, 0, clear.Length); // in clear: must not be delivered
                // Sealed by hand so that one datagram can be sent twice (a replay on the wire).
                using var box = new Librecast.Crypto.SecretBox(key);
                byte[] Sealed(ulong seq, double v)
                {
                    byte[] p = Pack(v), frame = new byte[Frame.HeaderSize + p.Length];
                    Frame.Encode(frame, 0, Librecast.Sockets.SocketsPlatform.Instance.NowNanoseconds(), seq, seq * 7919, Opcode.Data, p, 0, p.Length);
                    byte[] d = new byte[frame.Length + Librecast.Crypto.SecretBox.Overhead];
                    box.Seal(frame, 0, frame.Length, d, 0, Librecast.Sockets.SocketsPlatform.Instance);
                    return d;
                }
                byte[] first = Sealed(1, 21.5);
                channel.Send(first, 0, first.Length);
                gw.WaitForLine(l => l.Contains("\"value\":21.5", StringComparison.Ordinal));
                channel.Send(first, 0, first.Length);        // the replay
                byte[] second = Sealed(2, 22.5);
                channel.Send(second, 0, second.Length);
                gw.WaitForLine(l => l.Contains("\"value\":22.5", StringComparison.Ordinal));
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken);
            Assert.Contains("lc_transport_unauthenticated_total 1\n", metrics);
            Assert.Contains("lc_transport_received_total 2\n", metrics);
            Assert.Contains("lc_transport_replayed_total 1\n", metrics);
            Assert.Contains("lcgw_replay_lost_total 0\n", metrics);
            gw.Terminate();
            Assert.Equal(0, gw.WaitForExit());
            Assert.DoesNotContain("66.6", string.Join("\n", gw.RemainingLines()));
            Assert.DoesNotContain(Convert.ToHexStringLower(key), gw.Stderr, StringComparison.OrdinalIgnoreCase);

            // A key file others can read is refused, at --check-config and at start: one line, exit 2.
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var (code, _, err) = CPeer.Run("dotnet", $"{LcgwDll} --check-config -c {configPath}", null, 30_000);
            Assert.Equal(2, code);
            Assert.Contains("key_file", err);
            Assert.Contains("chmod 600", err);
            Assert.Single(err.Trim().Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
