using System;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw when its outputs fail under it: a full disk (a small tmpfs this test mounts and
/// removes) and closed stdout or stderr. Nothing is lost silently and nothing stops the daemon.
/// </summary>
[Collection(NetworkCollection.Name)]
public class GatewayOutputFailureTests
{
    private static async Task<string> Scrape(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken);
    }

    private static double Metric(string text, string name)
    {
        Match m = Regex.Match(text, "^" + Regex.Escape(name) + " (\\S+)$", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_Full_Disk_Drops_Readings_Counted_In_Metrics_And_Stop_Summary_And_Never_Leaves_Half_A_Line()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("lcgw-fulldisk-").FullName;
        Assert.Equal(0, CPeer.Run("mount", $"-t tmpfs -o size=64k lcgw-test {dir}", null, 10_000).Code);
        try
        {
            string file = Path.Combine(dir, "readings.jsonl"), filler = Path.Combine(dir, "filler");
            int metricsPort = DaemonProcess.FreeTcpPort();
            using DaemonProcess gw = GatewayTests.StartLcgw($"""
                config gateway
                	option interface 'lc1'
                	option site 's'
                	option node 'disk'
                config jsonl
                	option path '{file}'
                config metrics
                	option listen '127.0.0.1:{metricsPort}'
                config sensor
                	option type 'bme280'
                	option bus 'sim'
                	option interval '0.1'
                """, out _);
            // Let some lines land, then fill the disk: what is left is the slack in the file's last page.
            while (new FileInfo(file).Length < 8192) await Task.Delay(50, TestContext.Current.CancellationToken);
            CPeer.Run("dd", $"if=/dev/zero of={filler} bs=4096", null, 10_000); // ends with "No space left on device"
            string metrics = "";
            for (int i = 0; i < 100 && !(Metric(metrics, "lcgw_jsonl_dropped_total") >= 9); i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                metrics = await Scrape(metricsPort);
            }
            double dropped = Metric(metrics, "lcgw_jsonl_dropped_total");
            Assert.True(dropped >= 9, "no drops counted:\n" + metrics);
            Assert.True(Metric(metrics, "lcgw_jsonl_write_errors_total") >= 3);
            Assert.Contains("msg=\"jsonl output cannot write; readings are dropped (and counted) until it can\" error=\"no space left on device\"", gw.Stderr);
            // Space again: writing resumes, logged once.
            File.Delete(filler);
            gw.WaitForStderr("msg=\"jsonl output writing again\"");
            long before = new FileInfo(file).Length;
            while (new FileInfo(file).Length < before + 2048) await Task.Delay(50, TestContext.Current.CancellationToken);
            gw.Terminate();
            Assert.Equal(0, gw.WaitForExit());
            Assert.Single(Regex.Matches(gw.Stderr, "jsonl output cannot write"));
            Match summary = Regex.Match(gw.Stderr, "msg=\"lcgw stopped\".* jsonl_dropped=([0-9]+)");
            Assert.True(summary.Success, gw.Stderr);
            Assert.True(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= dropped);
            // Every line in the file is one whole JSON object: no half line joined to the next.
            string[] lines = File.ReadAllText(file).Split('\n');
            Assert.Equal("", lines[^1]);
            for (int i = 0; i < lines.Length - 1; i++)
            {
                using JsonDocument doc = JsonDocument.Parse(lines[i]);
                Assert.StartsWith("urn:dev:lc:s:disk:", doc.RootElement.GetProperty("name").GetString());
            }
        }
        finally
        {
            CPeer.Run("umount", dir, null, 10_000);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Closed_Stdout_And_Closed_Stderr_Neither_Stop_The_Daemon_Nor_Log_Per_Reading()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("lcgw-closed-").FullName;
        try
        {
            int metricsPort = DaemonProcess.FreeTcpPort();
            string conf = Path.Combine(dir, "lcgw.conf");
            File.WriteAllText(conf, $"""
                config gateway
                	option interface 'lc1'
                config jsonl
                	option path '-'
                config metrics
                	option listen '127.0.0.1:{metricsPort}'
                config sensor
                	option type 'bh1750'
                	option bus 'sim'
                	option interval '0.1'
                """);
            foreach (string redirect in new[] { ">&-", "2>&- >&-" })
            {
                using var gw = new DaemonProcess("sh", ["-c", $"exec dotnet {GatewayTests.Lcgw} -c {conf} {redirect}"]);
                gw.WaitForTcp(metricsPort, 30_000);
                string metrics = "";
                for (int i = 0; i < 100 && !(Metric(metrics, "lcgw_jsonl_dropped_total") >= 10); i++)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                    metrics = await Scrape(metricsPort);
                }
                Assert.True(Metric(metrics, "lcgw_jsonl_dropped_total") >= 10, redirect + ": readings to a closed stdout are not counted:\n" + metrics);
                Assert.True(Metric(metrics, "lcgw_sensor_reads_total{sensor=\"bh17501\",device=\"bh1750 on i2c-1 at 0x23\"}") is double.NaN or >= 10);
                Assert.False(gw.HasExited, redirect + ": lcgw stopped; stderr: " + gw.Stderr);
                gw.Terminate();
                Assert.Equal(0, gw.WaitForExit());
                if (redirect == ">&-")
                {
                    // One line says what happens to the readings; no error per reading.
                    Assert.Single(Regex.Matches(gw.Stderr, "level=error"));
                    Assert.Contains("jsonl: stdout is closed", gw.Stderr);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
