using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using Librecast.Security;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The site's model (issue 21, docs/security.md "The site's model"): lcgw with the site signer and
/// two nodes, each with its own bearer key and a token for its own telemetry channel. Node A's key
/// cannot write B's telemetry nor command B (rejected and counted at B and at lcgw); lcgw's signed
/// time beacon and the signer's command reach A.
/// </summary>
/// <remarks>
/// The nodes are played by lc (lc send --token --key; lc listen --keyring); a stolen node's forgeries
/// by the core's TokenSealer put on the wrong channel (lc itself refuses a token for another
/// channel). To play them with the host twin instead, change <see cref="NodeSend"/> and
/// <see cref="NodeListen"/> only.
/// </remarks>
public class SiteRestrictedTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lcgw-site-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string F(string name) => Path.Combine(dir, name);

    private static string Ok(string args) => RestrictedSite.Lc(args);

    private static string Gw(string config, string args) => RestrictedSite.Gw(config, args);

    // The node's side: one reading sent on its telemetry channel with its token and bearer key.
    private void NodeSend(string node, string channel, string payload) =>
        Ok($"send -i {Netns.SendIf} --token {F(node + ".token")} --key {F(node + ".key")} {channel} \"{payload.Replace("\"", "\\\"")}\"");

    // The node's side: hears its command channel, trusting the site signer only.
    private PeerProcess NodeListen(string channel, int count) =>
        Lc.Start($"listen -i {Netns.SendIf} --keyring {F("signer.pub")} --cap write -v -n {count} -t 30 {channel}");

    private static string Pack(string site, string node, double v) =>
        "[{\"bn\":\"urn:dev:lc:" + site + ":" + node + ":\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}]";

    [Fact]
    public async System.Threading.Tasks.Task Node_A_Cannot_Write_Bs_Telemetry_Nor_Command_B_And_The_Gateways_Command_Reaches_A()
    {
        Netns.Require();
        string site = "site" + Guid.NewGuid().ToString("N")[..8];
        var siteSetUp = RestrictedSite.Create(dir, site);
        string signer = siteSetUp.Signer, a = siteSetUp.BearerA, b = siteSetUp.BearerB, config = siteSetUp.Config;
        int metricsPort = siteSetUp.MetricsPort;
        Assert.Contains($"token for channel '{site}/a/telemetry'", Gw(config, $"token a {F("a.token")} --valid 1"));
        Gw(config, $"token b {F("b.token")} --valid 1");
        Gw(config, $"token a {F("cmd-a.token")} --command --valid 1");
        // A token the signer issued to A's key for B's channel (a mistake, or B's old key): lcgw
        // still takes B's readings from B's key only.
        Ok($"token issue --signer {F("signer.key")} --bearer {a} --channel {site}/b/telemetry --cap write --valid 1h -o {F("a-on-b.token")}");

        using var gw = new DaemonProcess("dotnet", [GatewayTests.Lcgw, "-c", config]);
        gw.WaitForStderr("msg=\"lcgw started\"");
        gw.WaitForStderr("msg=\"restricted channel\"");

        // The time beacon is signed: a node trusting the signer hears it.
        using (var time = NodeListen($"{site}/time", 1))
        {
            Assert.StartsWith("time ", time.NextLine(15_000));
            Assert.Equal(0, time.WaitForExit());
        }

        // Genuine readings from A and B reach the outputs.
        NodeSend("a", $"{site}/a/telemetry", Pack(site, "a", 21.5));
        gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:a:temperature", StringComparison.Ordinal));
        NodeSend("b", $"{site}/b/telemetry", Pack(site, "b", 19.25));
        gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:b:temperature", StringComparison.Ordinal));

        // A stolen node A writing B's telemetry: with its own token (wrong_channel), and with a
        // token for B's channel issued to A's key (wrong_bearer). Neither reaches the outputs.
        byte[] aSeed = File.ReadAllBytes(F("a.key"));
        var (ctx, _, bTelemetry) = Endpoints.Open(Netns.SendIf, $"{site}/b/telemetry", join: false);
        using (ctx)
        {
            bTelemetry.SetToken(File.ReadAllBytes(F("a.token")), 0, aSeed, 0);
            byte[] forged = System.Text.Encoding.UTF8.GetBytes(Pack(site, "b", 99));
            bTelemetry.SendMessage(forged, 0, forged.Length);
            bTelemetry.SetToken(File.ReadAllBytes(F("a-on-b.token")), 0, aSeed, 0);
            bTelemetry.SendMessage(forged, 0, forged.Length);
        }
        gw.WaitForStderr("reason=wrong_channel");
        gw.WaitForStderr("reason=wrong_bearer");

        // A commanding B: B hears only the signer's tokens; A's is for A's telemetry.
        using (var nodeB = NodeListen($"{site}/b/cmd", 1))
        {
            nodeB.WaitForStderr("lc: listening on");
            var (ctx2, _, bCommand) = Endpoints.Open(Netns.RecvIf, $"{site}/b/cmd", join: false); // from the other end of the link
            using (ctx2)
            {
                bCommand.SetToken(File.ReadAllBytes(F("a.token")), 0, aSeed, 0);
                byte[] cmd = System.Text.Encoding.UTF8.GetBytes("interval 1");
                bCommand.SendMessage(cmd, 0, cmd.Length);
            }
            nodeB.WaitForStderr("token issued for another channel");
            nodeB.Signal("INT");
            nodeB.WaitForExit();
            Assert.Contains("wrong_channel=1", nodeB.Stderr);
        }
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(aSeed);

        // The signer's command reaches A.
        using (var nodeA = NodeListen($"{site}/a/cmd", 1))
        {
            nodeA.WaitForStderr("lc: listening on");
            Ok($"send -i {Netns.RecvIf} --token {F("cmd-a.token")} --key {F("signer.key")} {site}/a/cmd \"interval 5\"");
            Assert.Equal("interval 5", nodeA.NextLine());
            Assert.Equal(0, nodeA.WaitForExit());
            Assert.Contains("accepted=1", nodeA.Stderr);
        }

        // Counted at the gateway, by channel and reason; /metrics passes promtool.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", TestContext.Current.CancellationToken);
        Assert.Contains($"lcgw_token_rejected_total{{channel=\"{site}/b/telemetry\",reason=\"wrong_channel\"}} 1", metrics);
        Assert.Contains($"lcgw_token_rejected_total{{channel=\"{site}/b/telemetry\",reason=\"wrong_bearer\"}} 1", metrics);
        Assert.Contains($"lcgw_token_accepted_total{{channel=\"{site}/a/telemetry\"}} 1", metrics);
        Assert.Contains($"lcgw_token_accepted_total{{channel=\"{site}/b/telemetry\"}} 1", metrics);
        var (code, output, err) = CPeer.Run("/usr/bin/promtool", "check metrics", metrics, 30_000);
        Assert.True(code == 0, "promtool: " + output + err);
        Assert.DoesNotContain(":b:temperature\",\"unit\":\"Cel\",\"value\":99", string.Join("\n", gw.RemainingLines()));
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
    }
}
