using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's MQTT bridge against a real mosquitto with a password file: topics that cannot be sent
/// are dropped and counted without stalling the rest (defect 1), a refused login is its own
/// error (defect 2), topics keep each device's identity and carry a JSON state (defect 4), and
/// a Home Assistant discovery subscriber finds retained configs and lcgw's availability.
/// </summary>
[Collection(NetworkCollection.Name)]
public class GatewayMqttTests
{
    private static readonly (string, string) User = ("lcgw", "s3cret-pass");

    private static void Send(string channel, string pack)
    {
        var (ctx, _, ch) = Endpoints.Open(Netns.SendIf, channel, join: false);
        using (ctx)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(pack);
            ch.SendMessage(bytes, 0, bytes.Length);
        }
    }

    private static async Task<string> Metrics(int port, Func<string, bool> until)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text = "";
        for (int i = 0; i < 100; i++)
        {
            text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken);
            if (until(text)) break;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return text;
    }

    private static Dictionary<string, string> Topics(IEnumerable<string> lines)
    {
        var topics = new Dictionary<string, string>();
        foreach (string line in lines)
        {
            int space = line.IndexOf(' ');
            if (space > 0 && !line.StartsWith("Client ", StringComparison.Ordinal)) topics[line[..space]] = line[(space + 1)..];
        }
        return topics;
    }

    // What a subscriber that arrives now receives on topic (retained messages first), up to count messages.
    private static List<string> Collect(Mosquitto broker, string topic, int count, int seconds)
    {
        using DaemonProcess sub = broker.Subscribe(topic, count, seconds);
        var got = new List<string>();
        string root = topic.TrimEnd('#');
        while (got.Count < count)
        {
            try
            {
                string line = sub.NextLine(seconds * 1000);
                if (line.StartsWith(root, StringComparison.Ordinal)) got.Add(line);
            }
            catch (TimeoutException)
            {
                break;
            }
        }
        return got;
    }

    [Fact]
    public async Task Topics_MQTT_Cannot_Carry_Are_Dropped_Counted_And_Logged_Once_While_Every_Other_Channel_Flows()
    {
        Netns.Require();
        using var broker = new Mosquitto(user: User);
        int metricsPort = DaemonProcess.FreeTcpPort();
        string wild = "site1/a+b#/telemetry";                    // wildcards: made topic-safe
        string huge = "site1/" + new string('x', 70_000);         // a topic MQTT cannot carry (> 65,535 bytes)
        using DaemonProcess sub = broker.Subscribe("librecast/#", 100, 30);
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface 'lc1'
            config subscribe
            	list channel '{wild}'
            	list channel '{huge}'
            	list channel 'site1/ok/telemetry'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config mqtt
            	option host '127.0.0.1'
            	option port '{broker.Port}'
            	option username 'lcgw'
            	option password 's3cret-pass'
            """, out _);
        gw.WaitForStderr("msg=\"mqtt connected\"");
        for (int i = 1; i <= 3; i++)
        {
            Send(huge, $"[{{\"n\":\"big:t\",\"v\":{i}}}]");
            Send(wild, $"[{{\"n\":\"wild:t\",\"v\":{i}}}]");
            Send("site1/ok/telemetry", $"[{{\"n\":\"ok:t\",\"v\":{i}}}]");
        }
        // Every message after the bad ones still arrives: nothing is stuck behind them.
        var seen = Topics(sub.WaitForLine(l => l.StartsWith("librecast/site1/ok/telemetry/ok:t 3", StringComparison.Ordinal), 20_000));
        Assert.Equal("3", seen["librecast/site1/a_b_/telemetry/wild:t"]); // sent before ok:t 3
        Assert.True(seen.ContainsKey("librecast/site1/ok/telemetry/ok:t"));
        string metrics = await Metrics(metricsPort, m => m.Contains("lcgw_mqtt_dropped_total{reason=\"topic_too_long\"} 9\n", StringComparison.Ordinal));
        GatewayMetricsTests.AssertValidExposition(metrics);
        // 3 packs x (pack + value + state) on the huge channel: 9 dropped, nothing else.
        Assert.Contains("lcgw_mqtt_dropped_total{reason=\"topic_too_long\"} 9\n", metrics);
        Assert.Contains("lcgw_mqtt_dropped_total{reason=\"queue_full\"} 0\n", metrics);
        Assert.Contains("lcgw_mqtt_connected 1\n", metrics);
        Assert.DoesNotContain("broker unreachable", gw.Stderr);
        // Logged once for the cause, not once per message.
        Assert.Single(Array.FindAll(gw.Stderr.Split('\n'), l => l.Contains("msg=\"mqtt message dropped", StringComparison.Ordinal)));
        Assert.Contains("reason=topic_too_long", gw.Stderr);
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains("mqtt_dropped=9", gw.Stderr);
    }

    [Fact]
    public async Task Wrong_Password_Is_A_Refused_Login_Never_Connected_And_The_Right_One_From_A_Credential_Publishes()
    {
        Netns.Require();
        using var broker = new Mosquitto(user: User);
        int metricsPort = DaemonProcess.FreeTcpPort();
        string config(string auth) => $"""
            config gateway
            	option interface 'lc1'
            	option site 's'
            	option node 'pw'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config mqtt
            	option host '127.0.0.1'
            	option port '{broker.Port}'
            	option username 'lcgw'
            	{auth}
            config sensor
            	option type 'bh1750'
            	option bus 'sim'
            	option interval '0.2'
            """;
        using (DaemonProcess bad = GatewayTests.StartLcgw(config("option password 'wrong'"), out _))
        {
            bad.WaitForStderr("msg=\"mqtt broker refused the login (");
            string metrics = await Metrics(metricsPort, m => m.Contains("lcgw_mqtt_login_failures_total 1\n", StringComparison.Ordinal));
            Assert.Contains("lcgw_mqtt_connected 0\n", metrics);
            Assert.Contains("lcgw_mqtt_login_failures_total 1\n", metrics);
            Assert.Contains("lcgw_mqtt_published_total 0\n", metrics);
            Assert.Contains("level=error", bad.Stderr);
            Assert.DoesNotContain("mqtt connected", bad.Stderr);
            Assert.DoesNotContain("s3cret", bad.Stderr);
            bad.Terminate();
            Assert.Equal(0, bad.WaitForExit());
        }

        // The right password, passed the systemd way: a credential in $CREDENTIALS_DIRECTORY.
        string creds = Directory.CreateTempSubdirectory("lcgw-creds-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(creds, "mqtt.pass"), "s3cret-pass\n");
            using DaemonProcess sub = broker.Subscribe("librecast/s/pw/telemetry/urn:dev:lc:s:pw:illuminance", 1, 20);
            using DaemonProcess good = GatewayTests.StartLcgw(config("option password_file 'credential:mqtt.pass'"), out _,
                new Dictionary<string, string> { ["CREDENTIALS_DIRECTORY"] = creds });
            good.WaitForStderr("msg=\"mqtt connected\"");
            sub.WaitForLine(l => l.StartsWith("librecast/s/pw/telemetry/urn:dev:lc:s:pw:illuminance ", StringComparison.Ordinal), 20_000);
            string metrics = await Metrics(metricsPort, m => m.Contains("lcgw_mqtt_connected 1\n", StringComparison.Ordinal));
            Assert.Contains("lcgw_mqtt_connected 1\n", metrics);
            Assert.Contains("lcgw_mqtt_login_failures_total 0\n", metrics);
            good.Terminate();
            Assert.Equal(0, good.WaitForExit());
        }
        finally
        {
            Directory.Delete(creds, true);
        }
    }

    [Fact]
    public void Topics_Keep_Device_Identity_Carry_A_Json_State_And_Home_Assistant_Discovers_Every_Series()
    {
        Netns.Require();
        using var broker = new Mosquitto(user: User);
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface 'lc1'
            config subscribe
            	list channel 'site1/hub/telemetry'
            config mqtt
            	option host '127.0.0.1'
            	option port '{broker.Port}'
            	option username 'lcgw'
            	option password 's3cret-pass'
            	option client_id 'lcgw-hub'
            	option homeassistant '1'
            """, out _);
        gw.WaitForStderr("msg=\"mqtt connected\"");
        // Two devices with the same record name on one channel, and records named only by their base name.
        Send("site1/hub/telemetry", "[{\"bn\":\"devA:\",\"n\":\"x\",\"u\":\"Cel\",\"v\":1.5,\"bt\":1795589518.5},{\"bn\":\"devB:\",\"n\":\"x\",\"u\":\"Cel\",\"v\":2.5}," +
                                    "{\"bn\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"%RH\",\"v\":40},{\"bn\":\"urn:dev:ow:10e2073a01080064\",\"vb\":true}]");
        // A discovery subscriber that comes later: it sees only what the broker retained.
        string prefix = "librecast/site1/hub/telemetry/";
        var configs = new Dictionary<string, JsonElement>();
        for (int attempt = 0; attempt < 20 && configs.Count < 4; attempt++)
        {
            System.Threading.Thread.Sleep(300);
            configs.Clear();
            foreach (var (topic, payload) in Topics(Collect(broker, "homeassistant/#", 4, 3)))
            {
                using JsonDocument doc = JsonDocument.Parse(payload);
                configs[topic] = doc.RootElement.Clone();
            }
        }
        Assert.Equal(4, configs.Count);
        var byState = new Dictionary<string, JsonElement>();
        foreach (var (topic, c) in configs)
        {
            Assert.Matches("^homeassistant/(sensor|binary_sensor)/lcgw-hub_[0-9a-f]{8}/[A-Za-z0-9_-]+/config$", topic);
            Assert.StartsWith("lcgw_", c.GetProperty("unique_id").GetString());
            Assert.Equal("librecast/lcgw/lcgw-hub/status", c.GetProperty("availability_topic").GetString());
            byState[c.GetProperty("state_topic").GetString()!] = c;
        }
        JsonElement a = byState[prefix + "devA:x/state"], b = byState[prefix + "devB:x/state"];
        Assert.NotEqual(a.GetProperty("unique_id").GetString(), b.GetProperty("unique_id").GetString());
        Assert.Equal("temperature", a.GetProperty("device_class").GetString());
        Assert.Equal("°C", a.GetProperty("unit_of_measurement").GetString());
        Assert.Equal("devA", a.GetProperty("device").GetProperty("name").GetString());
        Assert.Equal("devB", b.GetProperty("device").GetProperty("name").GetString());
        JsonElement h = byState[prefix + "urn:dev:ow:10e2073a01080063/state"];
        Assert.Equal("humidity", h.GetProperty("device_class").GetString());
        Assert.Equal("%", h.GetProperty("unit_of_measurement").GetString());
        Assert.Contains("binary_sensor", Array.Find([.. configs.Keys], k => configs[k].GetProperty("state_topic").GetString() == prefix + "urn:dev:ow:10e2073a01080064/state"));

        // Values: one topic per device and record, the bare value and a JSON state next to it.
        using DaemonProcess values = broker.Subscribe(prefix + "#", 9, 20);
        Send("site1/hub/telemetry", "[{\"bn\":\"devA:\",\"n\":\"x\",\"u\":\"Cel\",\"v\":1.5,\"bt\":1795589518.5},{\"bn\":\"devB:\",\"n\":\"x\",\"u\":\"Cel\",\"v\":2.5}," +
                                    "{\"bn\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"%RH\",\"v\":40},{\"bn\":\"urn:dev:ow:10e2073a01080064\",\"vb\":true}]");
        var topics = Topics(values.WaitForLine(l => l.StartsWith(prefix + "urn:dev:ow:10e2073a01080064/state ", StringComparison.Ordinal), 20_000));
        Assert.Equal("1.5", topics[prefix + "devA:x"]);
        Assert.Equal("2.5", topics[prefix + "devB:x"]);
        Assert.Equal("40", topics[prefix + "urn:dev:ow:10e2073a01080063"]);
        Assert.Equal("true", topics[prefix + "urn:dev:ow:10e2073a01080064"]);
        using (JsonDocument state = JsonDocument.Parse(topics[prefix + "devA:x/state"]))
        {
            Assert.Equal(1.5, state.RootElement.GetProperty("value").GetDouble());
            Assert.Equal("Cel", state.RootElement.GetProperty("unit").GetString());
            Assert.Equal(1795589518.5, state.RootElement.GetProperty("time").GetDouble());
            Assert.Equal("devA:x", state.RootElement.GetProperty("name").GetString());
        }

        // Availability: online (retained) while running; offline after a clean stop...
        Assert.Equal(["librecast/lcgw/lcgw-hub/status online"], Collect(broker, "librecast/lcgw/lcgw-hub/status", 1, 5));
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Equal(["librecast/lcgw/lcgw-hub/status offline"], Collect(broker, "librecast/lcgw/lcgw-hub/status", 1, 5));

        // ...and the broker says offline for it (the last will) when lcgw dies without a word.
        using DaemonProcess again = GatewayTests.StartLcgw($"""
            config gateway
            	option interface 'lc1'
            config subscribe
            	list channel 'site1/hub/telemetry'
            config mqtt
            	option host '127.0.0.1'
            	option port '{broker.Port}'
            	option username 'lcgw'
            	option password 's3cret-pass'
            	option client_id 'lcgw-hub'
            	option homeassistant '1'
            """, out _);
        again.WaitForStderr("msg=\"mqtt connected\"");
        for (int i = 0; i < 50 && Collect(broker, "librecast/lcgw/lcgw-hub/status", 1, 2) is not ["librecast/lcgw/lcgw-hub/status online"]; i++)
            System.Threading.Thread.Sleep(100);
        using (DaemonProcess avail = broker.Subscribe("librecast/lcgw/lcgw-hub/status", 2, 15))
        {
            avail.WaitForLine(l => l == "librecast/lcgw/lcgw-hub/status online", 10_000);
            again.Signal("KILL");
            avail.WaitForLine(l => l == "librecast/lcgw/lcgw-hub/status offline", 15_000);
        }
    }

    [Fact]
    public void Tls_To_The_Broker_With_A_Ca_File()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("lcgw-tls-").FullName;
        try
        {
            string ca = Path.Combine(dir, "ca.pem"), caKey = Path.Combine(dir, "ca.key"), key = Path.Combine(dir, "server.key"),
                   csr = Path.Combine(dir, "server.csr"), cert = Path.Combine(dir, "server.pem"), ext = Path.Combine(dir, "ext.cnf");
            File.WriteAllText(ext, "subjectAltName=IP:127.0.0.1\n");
            foreach (string args in new[]
            {
                $"req -x509 -newkey rsa:2048 -nodes -keyout {caKey} -out {ca} -days 2 -subj /CN=lcgw-test-ca",
                $"req -newkey rsa:2048 -nodes -keyout {key} -out {csr} -subj /CN=127.0.0.1",
                $"x509 -req -in {csr} -CA {ca} -CAkey {caKey} -CAcreateserial -out {cert} -days 2 -extfile {ext}",
            })
            {
                var (code, _, err) = CPeer.Run("openssl", args, null, 30_000);
                Assert.True(code == 0, "openssl " + args + ": " + err);
            }
            CPeer.Run("chmod", $"0755 {dir}", null, 5_000);
            CPeer.Run("chmod", $"0644 {ca} {cert} {key}", null, 5_000);
            using var broker = new Mosquitto(tlsConf: $"cafile {ca}\ncertfile {cert}\nkeyfile {key}\n");
            using var sub = new DaemonProcess("stdbuf", ["-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                                                         "--cafile", ca, "-t", "librecast/s/tls/telemetry/urn:dev:lc:s:tls:illuminance", "-v", "-d", "-C", "1", "-W", "30"]);
            sub.WaitForLine(l => l.Contains("SUBACK", StringComparison.Ordinal));
            using DaemonProcess gw = GatewayTests.StartLcgw($"""
                config gateway
                	option interface 'lc1'
                	option site 's'
                	option node 'tls'
                config mqtt
                	option host '127.0.0.1'
                	option port '{broker.Port}'
                	option tls '1'
                	option ca_file '{ca}'
                config sensor
                	option type 'bh1750'
                	option bus 'sim'
                	option interval '0.2'
                """, out _);
            gw.WaitForStderr("msg=\"mqtt connected\"", 20_000);
            sub.WaitForLine(l => l.StartsWith("librecast/s/tls/telemetry/urn:dev:lc:s:tls:illuminance ", StringComparison.Ordinal), 20_000);
            gw.Terminate();
            Assert.Equal(0, gw.WaitForExit());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
