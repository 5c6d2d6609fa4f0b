using System;
using System.Collections.Generic;
using System.IO;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's status page at / in a real headless Chromium (Debian's chromium): the page renders,
/// shows the readings this test sent, and a screenshot is kept as a test artifact
/// (artifacts/tests/status-page.png).
/// </summary>
[Collection(NetworkCollection.Name)]
public class GatewayStatusPageTests
{
    private static string Chromium =>
        File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : throw new InvalidOperationException(
            "/usr/bin/chromium not found: the status page test renders in Debian's headless Chromium: apt-get install -y chromium (tools/setup does it)");

    private static string[] ChromiumArgs(string profile) =>
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile];

    private static void Send(string channel, string pack)
    {
        var (ctx, _, ch) = Endpoints.Open(Netns.SendIf, channel, join: false);
        using (ctx)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(pack);
            ch.SendMessage(bytes, 0, bytes.Length);
        }
    }

    [Fact]
    public void Status_Page_Renders_In_Chromium_With_The_Readings_Sent()
    {
        Netns.Require();
        string chromium = Chromium;
        int port = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface 'lc1'
            	option node 'pagegw'
            config subscribe
            	list channel 'site1/page/telemetry'
            config metrics
            	option listen '0.0.0.0:{port}'
            """, out _);
        // Bound beyond loopback: said loudly at start.
        Assert.Contains("level=warn msg=\"metrics and status page are reachable from other hosts, without authentication", gw.Stderr);
        foreach (double t in new[] { 19.5, 20.25, 21.0, 20.5 })
            Send("site1/page/telemetry", "[{\"bn\":\"urn:dev:lc:site1:page:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":" + t.ToString(System.Globalization.CultureInfo.InvariantCulture) +
                                         "},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":44.5}]");
        System.Threading.Thread.Sleep(500);

        string profile = Directory.CreateTempSubdirectory("lcgw-chromium-").FullName;
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        string artifacts = Path.Combine(root, "artifacts", "tests");
        Directory.CreateDirectory(artifacts);
        string shot = Path.Combine(artifacts, "status-page.png");
        File.Delete(shot);
        try
        {
            string url = $"http://127.0.0.1:{port}/";
            var dumpArgs = new List<string>(ChromiumArgs(profile)) { "--dump-dom", url };
            var (code, dom, err) = CPeer.Run(chromium, string.Join(' ', dumpArgs), null, 60_000);
            Assert.True(code == 0, "chromium --dump-dom failed: " + err);
            Assert.Contains("<title>lcgw pagegw</title>", dom);
            Assert.Contains("urn:dev:lc:site1:page:temperature", dom);
            Assert.Contains(">20.5</td>", dom);   // the latest value
            Assert.Contains(">44.5</td>", dom);
            Assert.Contains(">Cel</td>", dom);
            Assert.Contains("<polyline", dom);     // the chart of recent values
            Assert.Contains("site1/page/telemetry", dom);
            Assert.Contains("lc_transport_received_total", dom);
            Assert.DoesNotContain("<script", dom);
            Assert.DoesNotContain("src=\"http", dom); // self-contained

            var shotArgs = new List<string>(ChromiumArgs(profile)) { "--window-size=1100,800", "--screenshot=" + shot, url };
            (code, _, err) = CPeer.Run(chromium, string.Join(' ', shotArgs), null, 60_000);
            Assert.True(code == 0 && File.Exists(shot), "chromium --screenshot failed: " + err);
            byte[] png = File.ReadAllBytes(shot);
            Assert.True(png.Length > 5000, "screenshot is " + png.Length + " bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            TestContext.Current.SendDiagnosticMessage("status page screenshot: " + shot);
        }
        finally
        {
            Directory.Delete(profile, true);
        }
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
    }
}
