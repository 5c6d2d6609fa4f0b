using System;
using System.Linq;
using System.Threading;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Multicast across a router: sensor -> router (smcroute) -> gateway, each a namespace the test
/// makes itself. The first step from one LAN towards routed, Internet-scale multicast.
/// </summary>
[Collection(NetworkCollection.Name)]
public class RoutedMulticastTests
{
    [Fact]
    public void Messages_Cross_The_Router_To_The_Gateway()
    {
        Netns.Require();
        using var net = new RoutedTopology("routed/cross");
        using var listener = net.StartLc(net.Gateway, "listen --interface g0 --count 1 --timeout 20 routed/cross");
        string? line = null;
        for (int i = 0; i < 20 && line == null; i++)
        {
            var (code, _, err) = net.Lc(net.Sensor, "send --interface s0 routed/cross across-the-router");
            Assert.True(code == 0, err);
            try { line = listener.NextLine(700); } catch (TimeoutException) { }
        }
        Assert.Equal("across-the-router", line);
        Assert.Equal(0, listener.WaitForExit());
    }

    [Fact]
    public void Hop_Limit_1_Stays_On_The_Sensor_Link_And_2_Crosses_One_Router()
    {
        Netns.Require();
        using var net = new RoutedTopology("routed/hops");
        using var listener = net.StartLc(net.Gateway, "listen --interface g0 --count 1 --timeout 25 routed/hops");
        Thread.Sleep(2500); // the gateway has joined before anything is sent
        for (int i = 0; i < 5; i++)
            Assert.Equal(0, net.Lc(net.Sensor, "send --interface s0 --hop-limit 1 routed/hops hop-limit-1").Code);
        for (int i = 0; i < 5; i++)
            Assert.Equal(0, net.Lc(net.Sensor, "send --interface s0 --hop-limit 2 routed/hops hop-limit-2").Code);
        // Had any hop-limit-1 message crossed, it would be the first line.
        Assert.Equal("hop-limit-2", listener.NextLine(15_000));
        Assert.Equal(0, listener.WaitForExit());
    }

    [Fact]
    public void Join_And_Part_On_The_Gateway_Are_Seen_By_The_Router()
    {
        Netns.Require();
        using var net = new RoutedTopology("routed/mld");
        // lc joins, hears nothing for 2 s, times out and parts as it exits.
        var (code, _, _) = net.Lc(net.Gateway, "listen --interface g0 --timeout 2 routed/mld");
        Assert.Equal(0, code);
        Thread.Sleep(1500); // the leave report goes out as the socket closes
        var reports = net.Capture.RemainingLines().Where(l => l.Contains("gaddr " + net.Group + " ")).ToList();
        // MLDv2: a join is "change to exclude {}" (to_ex), a leave "change to include {}" (to_in).
        int join = reports.FindIndex(l => l.Contains($"gaddr {net.Group} to_ex"));
        int part = reports.FindIndex(l => l.Contains($"gaddr {net.Group} to_in"));
        Assert.True(join >= 0, "no MLD join for " + net.Group + " seen on the router: " + string.Join("\n", reports));
        Assert.True(part > join, "no MLD leave after the join seen on the router: " + string.Join("\n", reports));
    }
}
