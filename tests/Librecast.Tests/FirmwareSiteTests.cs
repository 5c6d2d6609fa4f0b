using System;
using System.IO;
using System.Net.Http;
using System.Text.RegularExpressions;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The site's model (issue 21, docs/security.md "The site's model") with the firmware's own code as
/// the nodes: lcgw with the site signer and two host twins (<c>sensornode</c>, the ESP32 node's
/// Node/ code), each provisioned as tools/flash provisions a board (librecast.conf with signer,
/// bearer_key and token lines, the key and token files beside it). Node A's key cannot command B
/// (rejected and counted at B, reported in B's telemetry) nor write B's telemetry (rejected and
/// counted at lcgw); the gateway's command reaches A and is obeyed; the signed time beacon sets A's
/// clock. And the cheaper telemetry mode: each node's own channel key derived from the site master.
/// </summary>
[Collection(NetworkCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class FirmwareSiteTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lcgw-fwsite-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string F(string name) => Path.Combine(dir, name);

    private static string SensorNodeDll => Path.Combine(AppContext.BaseDirectory, "sensornode.dll");

    private static string Ok(string args) => RestrictedSite.Lc(args);

    private static string Gw(string config, string args) => RestrictedSite.Gw(config, args);

    // A board's storage: librecast.conf and the files it names, in a folder of their own.
    private string Provision(string folder, string conf, params (string From, string To)[] files)
    {
        string d = F(folder);
        Directory.CreateDirectory(d);
        foreach (var (from, to) in files)
        {
            File.Copy(F(from), Path.Combine(d, to));
            File.SetUnixFileMode(Path.Combine(d, to), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        string path = Path.Combine(d, "librecast.conf");
        File.WriteAllText(path, conf);
        return path;
    }

    private static PeerProcess StartNode(string config, string args = "") =>
        new("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {config} --clock unset {args}");

    private static string Metrics(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
    }

    private static long Metric(string metrics, string series)
    {
        Match m = Regex.Match(metrics, "^" + Regex.Escape(series) + " ([0-9]+)$", RegexOptions.Multiline);
        Assert.True(m.Success, "no " + series + " in /metrics");
        return long.Parse(m.Groups[1].Value);
    }

    [Fact]
    public void Twins_As_Nodes_A_Cannot_Command_B_Nor_Write_Bs_Telemetry_The_Gateways_Command_And_Beacon_Reach_A()
    {
        Netns.Require();
        string site = "fw" + Guid.NewGuid().ToString("N")[..8];
        var siteSetUp = RestrictedSite.Create(dir, site);
        string signer = siteSetUp.Signer, a = siteSetUp.BearerA, b = siteSetUp.BearerB, config = siteSetUp.Config;
        int metricsPort = siteSetUp.MetricsPort;
        Gw(config, $"token a {F("a.token")} --valid 1");
        Gw(config, $"token b {F("b.token")} --valid 1");
        Gw(config, $"token a {F("cmd-a.token")} --command --valid 1");
        // What a thief holding A could get signed: nothing. These are the two ways A's key could try:
        // a token the signer once issued to A's key for B's channel (a mistake, or B's old key), and
        // a token A signs itself for B's command channel.
        Ok($"token issue --signer {F("signer.key")} --bearer {a} --channel {site}/b/telemetry --cap write --valid 1h -o {F("a-on-b.token")}");
        Ok($"token issue --signer {F("a.key")} --bearer {a} --channel {site}/b/cmd --cap write --valid 1h -o {F("a-self.token")}");

        string confA = Provision("board-a", $"site {site}\nnode a\ninterval 2\nsigner {signer}\nbearer_key a.key\ntoken a.token\n", ("a.key", "a.key"), ("a.token", "a.token"));
        string confB = Provision("board-b", $"site {site}\nnode b\ninterval 2\nsigner {signer}\nbearer_key b.key\ntoken b.token\n", ("b.key", "b.key"), ("b.token", "b.token"));
        // A's board with B's name: its token is for A's channel, so the node refuses to start (one line).
        string confStolen = Provision("board-stolen", $"site {site}\nnode b\nsigner {signer}\nbearer_key a.key\ntoken a.token\n", ("a.key", "a.key"), ("a.token", "a.token"));
        var (code, _, err) = CPeer.Run("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {confStolen} --count 1", null, 30_000);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"token a.token is for another channel, not {site}/b/telemetry", err);

        using var gw = new DaemonProcess("dotnet", [GatewayTests.Lcgw, "-c", config]);
        gw.WaitForStderr("msg=\"lcgw started\"");
        using var nodeA = StartNode(confA);
        using var nodeB = StartNode(confB);

        // The signed beacon sets A's clock (A starts without one: --clock unset).
        nodeA.WaitForStderr("signed by the site signer only", 30_000);
        nodeA.WaitForStderr("from the gateway", 30_000);
        Assert.Contains("every reading is signed", nodeA.Stderr);

        // Both nodes' signed readings reach lcgw's outputs.
        gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:a:temperature", StringComparison.Ordinal), 30_000);
        gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:b:temperature", StringComparison.Ordinal), 30_000);

        // A's key commanding B: with a token A signed itself (unknown_signer), and with A's own
        // telemetry token put on B's command channel (wrong_channel). B obeys neither.
        Ok($"send -i {Netns.RecvIf} --token {F("a-self.token")} --key {F("a.key")} {site}/b/cmd \"interval 1\"");
        nodeB.WaitForStderr($"rejected a command on {site}/b/cmd: unknown_signer (1 so far", 15_000);
        byte[] aSeed = File.ReadAllBytes(F("a.key"));
        var (ctx, _, bCommand) = Endpoints.Open(Netns.RecvIf, $"{site}/b/cmd", join: false);
        using (ctx)
        {
            bCommand.SetToken(File.ReadAllBytes(F("a.token")), 0, aSeed, 0);
            byte[] cmd = System.Text.Encoding.UTF8.GetBytes("interval 1");
            bCommand.SendMessage(cmd, 0, cmd.Length);
        }
        nodeB.WaitForStderr($"rejected a command on {site}/b/cmd: wrong_channel (2 so far", 15_000);
        Assert.DoesNotContain("node b: interval", nodeB.Stderr);
        // B reports it in its next pack: lcgw receives B's count.
        gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:b:commands_unauthorized", StringComparison.Ordinal) && l.Contains("\"value\":2", StringComparison.Ordinal), 30_000);

        // A's key writing B's telemetry: a twin with A's key and the signer's mistaken token for B's
        // channel (wrong_bearer at lcgw), and A's own token on B's channel (wrong_channel at lcgw).
        string confThief = Provision("board-thief", $"site {site}\nnode b\ninterval 1\nsigner {signer}\nbearer_key a.key\ntoken a-on-b.token\n", ("a.key", "a.key"), ("a-on-b.token", "a-on-b.token"));
        using (var thief = StartNode(confThief, "--count 2 --seed 99"))
            Assert.Equal(0, thief.WaitForExit(30_000));
        gw.WaitForStderr("reason=wrong_bearer", 15_000);
        var (ctx2, _, bTelemetry) = Endpoints.Open(Netns.SendIf, $"{site}/b/telemetry", join: false);
        using (ctx2)
        {
            bTelemetry.SetToken(File.ReadAllBytes(F("a.token")), 0, aSeed, 0);
            byte[] forged = System.Text.Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:lc:" + site + ":b:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":99}]");
            bTelemetry.SendMessage(forged, 0, forged.Length);
        }
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(aSeed);
        gw.WaitForStderr("reason=wrong_channel", 15_000);

        // The gateway's command (the signer's token for A's command channel) reaches A and is obeyed.
        Ok($"send -i {Netns.RecvIf} --token {F("cmd-a.token")} --key {F("signer.key")} {site}/a/cmd \"identify 2\"");
        nodeA.WaitForStderr("node a: identify for 2 s", 15_000);

        string metrics = Metrics(metricsPort);
        Assert.True(Metric(metrics, $"lcgw_token_rejected_total{{channel=\"{site}/b/telemetry\",reason=\"wrong_bearer\"}}") >= 2, metrics);
        Assert.Equal(1, Metric(metrics, $"lcgw_token_rejected_total{{channel=\"{site}/b/telemetry\",reason=\"wrong_channel\"}}"));
        Assert.True(Metric(metrics, $"lcgw_token_accepted_total{{channel=\"{site}/a/telemetry\"}}") >= 1);
        Assert.True(Metric(metrics, $"lcgw_token_accepted_total{{channel=\"{site}/b/telemetry\"}}") >= 1);
        Assert.Equal(0, Metric(metrics, $"lcgw_token_rejected_total{{channel=\"{site}/a/telemetry\",reason=\"bad_signature\"}}"));

        nodeA.Signal("INT");
        nodeB.Signal("INT");
        nodeA.WaitForExit();
        nodeB.WaitForExit();
        Assert.DoesNotContain("node b: interval", nodeB.Stderr);
        Assert.False(nodeA.Stderr.Contains("rejected", StringComparison.Ordinal), nodeA.Stderr); // the signer's command and beacons all passed
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        string outputs = string.Join("\n", gw.RemainingLines());
        Assert.DoesNotContain("\"value\":99", outputs);
    }

    [Fact]
    public void Keyed_Nodes_Readings_Open_Only_With_Their_Own_Derived_Key()
    {
        Netns.Require();
        string site = "fk" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllBytes(F("master.key"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(F("master.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string signer = Ok($"key new {F("signer.key")}");
        int metricsPort = DaemonProcess.FreeTcpPort();
        string config = F("lcgw.conf");
        File.WriteAllText(config, $"""
            config gateway
            	option interface '{Netns.RecvIf}'
            	option site '{site}'
            	option signer_key '{F("signer.key")}'
            	option restricted '1'
            	option time_beacon '1'
            	option node_master '{F("master.key")}'
            config node 'a'
            config node 'b'
            config jsonl
            	option path '-'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            """);
        Assert.Contains("node 'a''s channel key", Gw(config, $"token a {F("a.nodekey")} --node-key"));
        Gw(config, $"token b {F("b.nodekey")} --node-key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(F("a.nodekey")));
        string keyA = Convert.ToHexStringLower(File.ReadAllBytes(F("a.nodekey")));
        string keyB = Convert.ToHexStringLower(File.ReadAllBytes(F("b.nodekey")));
        Assert.NotEqual(keyA, keyB);
        // lcgw derives what the core's NodeKey derives (the node holds only the result).
        byte[] expected = new byte[32];
        Librecast.Security.NodeKey.Derive(File.ReadAllBytes(F("master.key")), 0, site, "a", expected, 0);
        Assert.Equal(Convert.ToHexStringLower(expected), keyA);

        using var gw = new DaemonProcess("dotnet", [GatewayTests.Lcgw, "-c", config]);
        gw.WaitForStderr("msg=\"lcgw started\"");
        string confA = Provision("board-a", $"site {site}\nnode a\ninterval 1\nkey {keyA}\nsigner {signer}\n");
        using (var nodeA = StartNode(confA, "--count 3"))
        {
            gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:a:temperature", StringComparison.Ordinal), 30_000);
            Assert.Equal(0, nodeA.WaitForExit(30_000));
            Assert.Contains("from the gateway", nodeA.Stderr); // the signed beacon, not keyed, sets the clock
        }
        string before = Metrics(metricsPort);
        long unauthenticated = Metric(before, "lc_transport_unauthenticated_total");
        // A's key on B's channel: lcgw opens B's channel with B's key only.
        string confThief = Provision("board-thief", $"site {site}\nnode b\ninterval 1\nkey {keyA}\nsigner {signer}\n");
        using (var thief = StartNode(confThief, "--count 2 --seed 99"))
            Assert.Equal(0, thief.WaitForExit(30_000));
        System.Threading.Thread.Sleep(500);
        Assert.True(Metric(Metrics(metricsPort), "lc_transport_unauthenticated_total") >= unauthenticated + 2, "A's key on B's channel was not rejected at lcgw");
        string confB = Provision("board-b", $"site {site}\nnode b\ninterval 1\nkey {keyB}\nsigner {signer}\n");
        using (var nodeB = StartNode(confB, "--count 1"))
        {
            gw.WaitForLine(l => l.Contains($"urn:dev:lc:{site}:b:temperature", StringComparison.Ordinal), 30_000);
            Assert.Equal(0, nodeB.WaitForExit(30_000));
        }
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.DoesNotContain($"{site}:b:temperature", string.Join("\n", gw.RemainingLines())); // only B's one reading, read above
    }

    [Fact]
    public void Bad_Bearer_Key_Or_Token_Files_Are_One_Line_Without_The_Secret()
    {
        string signer = Ok($"key new {F("signer.key")}");
        string a = Ok($"key new {F("a.key")}");
        Ok($"token issue --signer {F("signer.key")} --bearer {a} --channel s1/a/telemetry --cap write --valid 1h -o {F("a.token")}");
        string secretHex = Convert.ToHexStringLower(File.ReadAllBytes(F("a.key")));
        string Run(string conf)
        {
            var (code, stdout, err) = CPeer.Run("dotnet", $"{SensorNodeDll} --config {conf} --count 1", null, 30_000);
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Single(err.Trim().Split('\n'));
            Assert.DoesNotContain(secretHex, err);
            return err.Trim();
        }
        string good = $"site s1\nnode a\nsigner {signer}\nbearer_key a.key\ntoken a.token\n";
        // Missing key file.
        Assert.Contains("does not exist", Run(Provision("missing", good, ("a.token", "a.token"))));
        // Open to other users.
        string open = Provision("open", good, ("a.key", "a.key"), ("a.token", "a.token"));
        File.SetUnixFileMode(Path.Combine(F("open"), "a.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains("chmod 600", Run(open));
        // A key of the wrong size, a token of the wrong size.
        File.WriteAllBytes(F("short.key"), new byte[31]);
        Assert.Contains("is 31 bytes", Run(Provision("short", good, ("short.key", "a.key"), ("a.token", "a.token"))));
        File.WriteAllBytes(F("short.token"), new byte[100]);
        Assert.Contains("is 100 bytes", Run(Provision("shorttoken", good, ("a.key", "a.key"), ("short.token", "a.token"))));
        // A token another signer issued; a token for another bearer key.
        string other = Ok($"key new {F("other.key")}");
        Ok($"token issue --signer {F("other.key")} --bearer {a} --channel s1/a/telemetry --cap write --valid 1h -o {F("foreign.token")}");
        Assert.Contains("not issued by the site signer", Run(Provision("foreign", good, ("a.key", "a.key"), ("foreign.token", "a.token"))));
        Ok($"token issue --signer {F("signer.key")} --bearer {other} --channel s1/a/telemetry --cap write --valid 1h -o {F("otherbearer.token")}");
        Assert.Contains("is for another bearer key", Run(Provision("otherbearer", good, ("a.key", "a.key"), ("otherbearer.token", "a.token"))));
        // bearer_key without token; a path instead of a file name; a bad signer line.
        Assert.Contains("bearer_key and token go together", Run(Provision("alone", $"site s1\nnode a\nbearer_key a.key\n", ("a.key", "a.key"))));
        Assert.Contains("must name a file", Run(Provision("path", "site s1\nnode a\nbearer_key ../a.key\ntoken a.token\n")));
        Assert.Contains("signer must be", Run(Provision("signer", "site s1\nnode a\nsigner 1234\n")));
    }
}
