using System;
using System.IO;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>SIGHUP: lcgw re-reads its config, applies it without losing what the MQTT queue holds, and refuses a bad one while it keeps running.</summary>
[Collection(NetworkCollection.Name)]
public class GatewayReloadTests
{
    private static async Task<double> Metric(int port, string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken);
        Match m = Regex.Match(text, "^" + Regex.Escape(name) + " (\\S+)$", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
    }

    private static async Task WaitFor(int port, string name, Func<double, bool> ok)
    {
        // A deadline of 30 s, not a speed test: a loaded CI machine starts lcgw and mosquitto slowly.
        for (int i = 0; i < 300; i++)
        {
            if (ok(await Metric(port, name))) return;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException(name + " = " + await Metric(port, name));
    }

    [Fact]
    public async Task Sighup_Applies_A_New_Config_Keeping_The_Mqtt_Queue_And_Refuses_A_Bad_One()
    {
        Netns.Require();
        int brokerPort = DaemonProcess.FreeTcpPort(), metricsPort = DaemonProcess.FreeTcpPort();
        string config(string extra) => $"""
            config gateway
            	option interface 'lc1'
            	option site 's'
            	option node 'hup'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config mqtt
            	option host '127.0.0.1'
            	option port '{brokerPort}'
            config sensor 'light'
            	option type 'bh1750'
            	option bus 'sim'
            	option interval '0.2'
            {extra}
            """;
        using DaemonProcess gw = GatewayTests.StartLcgw(config(""), out string path);
        // The broker is away: readings queue up.
        await WaitFor(metricsPort, "lcgw_mqtt_queued", v => v >= 12);
        double queued = await Metric(metricsPort, "lcgw_mqtt_queued");

        // A bad config: refused, one line with file:line, and lcgw runs on.
        File.WriteAllText(path, config("config bogus"));
        gw.Signal("HUP");
        gw.WaitForStderr("msg=\"config reload refused; still running on the previous configuration\"");
        Assert.Contains("unknown section 'config bogus'", gw.Stderr);
        Assert.False(gw.HasExited);
        Assert.True(await Metric(metricsPort, "lcgw_mqtt_queued") >= queued);

        // A good one, with a new subscription: applied; the queue is kept.
        File.WriteAllText(path, config("config subscribe\n\tlist channel 's/new/telemetry'"));
        gw.Signal("HUP");
        gw.WaitForStderr("msg=\"config reloaded\"");
        Assert.Contains("msg=subscribed channel=s/new/telemetry", gw.Stderr);
        Assert.True(await Metric(metricsPort, "lcgw_mqtt_queued") >= queued, "the queue was lost in the reload");

        using var broker = new Mosquitto(brokerPort);
        using DaemonProcess sub = broker.Subscribe("librecast/s/new/telemetry/#", 3, 20);
        await WaitFor(metricsPort, "lcgw_mqtt_published_total", v => v >= queued);
        Assert.Equal(0, await Metric(metricsPort, "lcgw_mqtt_dropped_total{reason=\"queue_full\"}"));
        var (ctx, _, ch) = Endpoints.Open(Netns.SendIf, "s/new/telemetry", join: false);
        using (ctx)
        {
            byte[] pack = System.Text.Encoding.UTF8.GetBytes("[{\"n\":\"new:t\",\"v\":5}]");
            ch.SendMessage(pack, 0, pack.Length);
        }
        sub.WaitForLine(l => l.StartsWith("librecast/s/new/telemetry/new:t 5", StringComparison.Ordinal), 20_000);

        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains("msg=\"previous configuration stopped (reload)\"", gw.Stderr);
        Assert.Contains("msg=\"lcgw stopped\"", gw.Stderr);
        Assert.DoesNotContain("level=error msg=\"output failed\"", gw.Stderr);
    }

    // Restricted channels (issue 21): SIGHUP re-reads the keyring and the nodes' bearer keys.
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Sighup_Reloads_The_Keyring_And_Bearer_Keys_And_Keeps_The_Old_Ones_When_The_New_Keyring_Is_Broken()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("lcgw-hup-keys-").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            string Key(string name) => Convert.ToHexStringLower(Librecast.Files.SigningKeyFiles.CreateSeed(F(name + ".key")));
            string site = "hup" + Guid.NewGuid().ToString("N")[..8], channel = site + "/a/telemetry";
            string signer = Key("signer"), op = Key("op"), a = Key("a"), b = Key("b");
            Directory.CreateDirectory(F("ring"));
            File.WriteAllText(F("ring/site.pub"), signer + "\n");
            File.WriteAllText(F("a.pub"), a + "\n");
            void Issue(string by, string bearer, string token)
            {
                var (code, _, err) = Lc.Run($"token issue --signer {F(by + ".key")} --bearer {bearer} --channel {channel} --cap write --valid 1h -o {F(token)}");
                Assert.True(code == 0, err);
            }
            Issue("signer", a, "site.token");
            Issue("op", a, "op.token");    // an operator's signer, trusted once on the keyring
            Issue("signer", b, "b.token"); // node a's new key, once its config node says so
            int metricsPort = DaemonProcess.FreeTcpPort();
            using DaemonProcess gw = GatewayTests.StartLcgw($"""
                config gateway
                	option interface '{Netns.RecvIf}'
                	option site '{site}'
                	option node 'gw'
                	option signer_key '{F("signer.key")}'
                	option keyring '{F("ring")}'
                config node 'a'
                	option bearer '{F("a.pub")}'
                config jsonl
                	option path '-'
                config metrics
                	option listen '127.0.0.1:{metricsPort}'
                """, out string path);
            gw.WaitForStderr("msg=\"restricted channel\"");
            string rejected(string reason) => $"lcgw_token_rejected_total{{channel=\"{channel}\",reason=\"{reason}\"}}";
            string accepted = $"lcgw_token_accepted_total{{channel=\"{channel}\"}}";
            // A reading of `value` from node a, with token `token` and secret key `key`.
            void Send(string token, string key, int value)
            {
                string pack = "[{\\\"bn\\\":\\\"urn:dev:lc:" + site + ":a:\\\",\\\"n\\\":\\\"t\\\",\\\"v\\\":" + value + "}]";
                var (code, _, err) = Lc.Run($"send -i {Netns.SendIf} --token {F(token)} --key {F(key + ".key")} {channel} \"{pack}\"");
                Assert.True(code == 0, err);
            }
            void Reading(int value) => gw.WaitForLine(l => l.Contains($":a:t\"", StringComparison.Ordinal) && l.Contains($"\"value\":{value}", StringComparison.Ordinal), 20_000);
            async Task Reload(string result, double count)
            {
                gw.Signal("HUP");
                await WaitFor(metricsPort, $"lcgw_config_reloads_total{{result=\"{result}\"}}", v => v == count);
                await WaitFor(metricsPort, "lcgw_network_up", v => v == 1);
            }

            Send("site.token", "a", 1);
            Reading(1);
            Send("op.token", "a", 2); // op is not on the keyring yet
            await WaitFor(metricsPort, rejected("unknown_signer"), v => v == 1);

            // op's key added to the keyring: its token is accepted after SIGHUP, no restart.
            File.WriteAllText(F("ring/op.pub"), op + "\n");
            await Reload("applied", 1);
            Assert.Contains("msg=\"keyring reloaded\" signers=2 added=1 removed=0", gw.Stderr);
            Send("op.token", "a", 3);
            Reading(3);
            // The filter carried over: its counts go on (2 accepted, 1 rejected), not from 0.
            await WaitFor(metricsPort, accepted, v => v == 2);
            Assert.Equal(1, await Metric(metricsPort, rejected("unknown_signer")));

            // Removed again: rejected after SIGHUP.
            File.Delete(F("ring/op.pub"));
            await Reload("applied", 2);
            Assert.Contains("msg=\"keyring reloaded\" signers=1 added=0 removed=1", gw.Stderr);
            Send("op.token", "a", 4);
            await WaitFor(metricsPort, rejected("unknown_signer"), v => v == 2);

            // A broken keyring: refused in one line that says why, counted; the old keyring stays.
            File.WriteAllText(F("ring/typo.pub"), "not-a-key\n");
            File.WriteAllText(F("ring/op.pub"), op + "\n");
            gw.Signal("HUP");
            await WaitFor(metricsPort, "lcgw_config_reloads_total{result=\"refused\"}", v => v == 1);
            gw.WaitForStderr("config reload refused");
            string[] refusal = Array.FindAll(gw.Stderr.Split('\n'), l => l.Contains("config reload refused", StringComparison.Ordinal));
            Assert.Single(refusal);
            Assert.Contains($"error=\"{path}:6: keyring: keyring file '{F("ring/typo.pub")}' line 1: not a public key", refusal[0]);
            Send("op.token", "a", 5); // op.pub came with the broken keyring: not trusted
            await WaitFor(metricsPort, rejected("unknown_signer"), v => v == 3);
            Send("site.token", "a", 6);
            Reading(6);
            File.Delete(F("ring/typo.pub"));
            File.Delete(F("ring/op.pub"));

            // Node a's bearer key replaced in its config node: its old key is wrong_bearer, the new one passes.
            File.WriteAllText(F("a.pub"), b + "\n");
            await Reload("applied", 3);
            Send("site.token", "a", 7);
            await WaitFor(metricsPort, rejected("wrong_bearer"), v => v == 1);
            Send("b.token", "b", 8);
            Reading(8);
            Assert.Equal(0, await Metric(metricsPort, "lcgw_config_reloads_total{result=\"failed\"}"));
            var rest = gw.RemainingLines();
            foreach (int never in new[] { 2, 4, 5, 7 }) // the rejected readings reached no output
                Assert.DoesNotContain(rest, l => l.Contains($"\"value\":{never}}}", StringComparison.Ordinal));

            gw.Terminate();
            Assert.Equal(0, gw.WaitForExit());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
