using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The node's hop limit and multicast loopback (issue 22 point 4), on the host twin (sensornode:
/// the same <c>Node/</c> code) in the test namespace: the <c>hop_limit</c> of its librecast.conf is
/// the IPv6 hop limit field of every datagram it sends, read by a plain socket with
/// IPV6_RECVHOPLIMIT (<c>lcpeer dump --meta</c>, not our code); <c>loopback on</c> lets a socket on
/// its own interface hear it, off (the default) does not. That a router honours 1 versus 2 is
/// <c>tests/routed/scenarios</c>' <c>twin-hop-limit</c> (routers need a kernel that routes
/// multicast: the VM).
/// </summary>
[Collection(NetworkCollection.Name)]
public class FirmwareHopLimitTests
{
    private static string SensorNodeDll => Path.Combine(AppContext.BaseDirectory, "sensornode.dll");

    private static string Unique() => "hops" + Guid.NewGuid().ToString("N")[..12];

    private static string Config(string node, string lines)
    {
        string path = Path.Combine(Path.GetTempPath(), node + ".conf");
        File.WriteAllText(path, $"site site1\nnode {node}\n{lines}");
        return path;
    }

    [Theory]
    [InlineData("hop_limit 1\n", "", 1)]
    [InlineData("hop_limit 2\n", "", 2)]
    [InlineData("", "", 255)] // librecast's default
    [InlineData("hop_limit 1\n", "--hop-limit 2", 2)] // the option wins over the file
    public void The_Configured_Hop_Limit_Is_The_Hop_Limit_Of_Every_Datagram_On_The_Wire(string conf, string option, int hops)
    {
        Netns.Require();
        string node = Unique();
        string config = Config(node, conf);
        try
        {
            using var dump = new PeerProcess(CPeer.Build("lcpeer", WireProfile.V0_11), $"dump {Netns.RecvIf} site1/{node}/telemetry 3 30 --meta");
            Assert.Equal("READY", dump.NextLine());
            using var twin = new PeerProcess("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {config} {option} --interval 1 --count 3");
            for (int i = 0; i < 3; i++)
            {
                var f = CPeer.Fields(dump.NextLine(20_000));
                Assert.True(f["hops"] == hops.ToString(), $"datagram {i + 1}: IPv6 hop limit {f["hops"]}, configured {hops}; twin: {twin.Stderr}");
                Assert.Equal(Netns.RecvIf, f["if"]);
            }
            Assert.Equal(0, twin.WaitForExit());
            Assert.Equal(0, dump.WaitForExit());
            if (hops != 255) Assert.Contains($"hop limit {hops};", twin.Stderr);
        }
        finally { File.Delete(config); }
    }

    [Theory]
    [InlineData("loopback on\n", "", true)]
    [InlineData("loopback off\n", "", false)]
    [InlineData("", "", false)] // librecast's default
    [InlineData("loopback off\n", "--loopback on", true)]
    public void Loopback_Lets_The_Nodes_Own_Host_Hear_It_Only_When_On(string conf, string option, bool on)
    {
        Netns.Require();
        string node = Unique();
        string config = Config(node, conf);
        try
        {
            var lcpeer = CPeer.Build("lcpeer", WireProfile.V0_11);
            // Joined on the far end of the veth: what went out (the control: 3 copies arriving on lc1).
            using var far = new PeerProcess(lcpeer, $"dump {Netns.RecvIf} site1/{node}/telemetry 100 30 --meta");
            // Joined on the twin's own interface: a looped-back copy arrives there (if=lc0), and
            // only there: nothing else sends on lc0. Linux hands every socket joined to the group
            // both kinds of copy (a join is per group, not per interface), so each is told by its
            // arrival interface.
            using var own = new PeerProcess(lcpeer, $"dump {Netns.SendIf} site1/{node}/telemetry 100 30 --meta");
            Assert.Equal("READY", far.NextLine());
            Assert.Equal("READY", own.NextLine());
            using var twin = new PeerProcess("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {config} {option} --interval 1 --count 3");
            int wire = 0;
            far.WaitForLine(l => CPeer.Fields(l)["if"] == Netns.RecvIf && ++wire == 3, 20_000);
            Assert.Equal(0, twin.WaitForExit());
            Thread.Sleep(500); // a looped copy is delivered before the send returns; margin only
            List<string> heard = own.RemainingLines();
            int looped = heard.Count(l => CPeer.Fields(l)["if"] == Netns.SendIf);
            Assert.True(looped == (on ? 3 : 0),
                $"loopback {(on ? "on" : "off")}: {looped} of 3 readings heard on the twin's own interface {Netns.SendIf}; dump lines:\n{string.Join("\n", heard)}\ntwin: {twin.Stderr}");
            if (on) Assert.Contains("loopback on;", twin.Stderr);
        }
        finally { File.Delete(config); }
    }

    [Fact]
    public void A_Bad_Hop_Limit_Or_Loopback_Option_Is_Refused_In_One_Line()
    {
        foreach (string args in new[] { "--hop-limit 0", "--hop-limit 256", "--hop-limit x", "--loopback yes" })
        {
            var (code, stdout, stderr) = CPeer.Run("dotnet", $"{SensorNodeDll} --node n {args}", null, 20_000);
            Assert.True(code == 2, $"{args}: exit {code}; {stderr}");
            Assert.Equal("", stdout);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.StartsWith("sensornode: --", stderr);
        }
    }

    [Fact]
    public void Flash_Writes_The_Hop_Limit_Line_And_Refuses_What_The_Node_Would()
    {
        string flash = Path.Combine(Repo.Root, "tools", "flash");
        var (code, stdout, stderr) = CPeer.Run("bash", $"{flash} --board esp32-devkitc --port /dev/ttyLCTEST0 --hop-limit 1 --dry-run", null, 20_000);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("librecast.conf: hop_limit 1", stdout);
        foreach (string bad in new[] { "0", "256", "x" })
        {
            (code, _, stderr) = CPeer.Run("bash", $"{flash} --board esp32-devkitc --port /dev/ttyLCTEST0 --hop-limit {bad} --dry-run", null, 20_000);
            Assert.Equal(2, code);
            Assert.Contains("--hop-limit must be 1..255", stderr);
        }
        (_, _, stderr) = CPeer.Run("bash", $"{flash} --help", null, 20_000);
        Assert.Contains("--hop-limit N", stderr);
        Assert.Contains("Exit codes:", stderr); // the whole usage, still
    }
}
