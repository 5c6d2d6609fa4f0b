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
}
