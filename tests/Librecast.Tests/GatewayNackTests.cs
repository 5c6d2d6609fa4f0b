using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's NACK repair against the real librecast 0.11.2 through nftables loss (the first copy of
/// seqs 3, 7 and 8 dropped in the receiver's namespace): a sensor section with "option nack"
/// repairs a C lc_channel_detect_gaps receiver; a subscribe section with "option nack" gets a C
/// lc_channel_nack_handler sender to repair it (seen in lcgw's lc_nack_* metrics).
/// </summary>
[Collection(NetworkCollection.Name)]
public class GatewayNackTests
{
    private static DaemonProcess StartLcgwIn(string ns, string config)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("lcgw-nack-").FullName, "lcgw.conf");
        File.WriteAllText(path, config);
        var p = new DaemonProcess("ip", ["netns", "exec", ns, "dotnet", GatewayTests.Lcgw, "-c", path]);
        p.WaitForStderr("msg=\"lcgw started\"");
        return p;
    }

    [Fact]
    public void A_Sensor_With_Option_Nack_Repairs_A_Librecast_0_11_Receiver()
    {
        using var link = new NackLoss.Link("gw-sensor");
        var (net, channel) = (link.Net, link.Channel);
        using var recv = link.StartCReceiver(12);
        using var gw = StartLcgwIn(net.Sender, $"""
            config gateway
            	option interface '{NamespacePair.SendIf}'
            config sensor 'air'
            	option type bme280
            	option bus sim
            	option interval '0.1'
            	option channel '{channel}'
            	option nack '5'
            config jsonl
            	option path '/dev/null'
            """);
        int exit = recv.WaitForExit(30_000);
        var lines = recv.RemainingLines();
        Assert.True(exit == 0, $"lcnack recv ({CPeer.Library(WireProfile.V0_11)}) exited {exit}: {recv.Stderr}\n{string.Join("\n", lines)}\nlcgw: {gw.Stderr}");
        var seqs = lines.Select(l => ulong.Parse(CPeer.Fields(l)["seq"])).ToHashSet();
        Assert.True(Enumerable.Range(1, 12).All(i => seqs.Contains((ulong)i)));
        Assert.Contains("msg=\"answering NACKs\"", gw.Stderr);
        gw.Terminate();
        gw.WaitForExit(20_000);
        NackLoss.AssertEachDroppedOnce(net.Receiver);
    }

    [Fact]
    public void A_Subscription_With_Option_Nack_Is_Repaired_By_A_Librecast_0_11_Sender()
    {
        using var link = new NackLoss.Link("gw-sub");
        var (peer, net, channel) = (link.Peer, link.Net, link.Channel);
        int port = DaemonProcess.FreeTcpPort();
        using var gw = StartLcgwIn(net.Receiver, $"""
            config gateway
            	option interface '{NamespacePair.RecvIf}'
            config subscribe
            	list channel '{channel}'
            	option nack '1'
            config metrics
            	option listen '127.0.0.1:{port}'
            """);
        gw.WaitForStderr("msg=\"repairing gaps\"");
        var (sc, _, serr) = NamespacePair.Run(net.Sender, $"{peer} send {NamespacePair.SendIf} {channel} 12 50 10 1500", 30_000);
        Assert.True(sc == 0, "lcnack send failed: " + serr);
        var (mc, metrics, merr) = NamespacePair.Run(net.Receiver, $"curl -sf http://127.0.0.1:{port}/metrics", 10_000);
        Assert.True(mc == 0, "metrics: " + merr);
        Assert.Matches(@"(?m)^lc_nack_repaired_total 3$", metrics);
        Assert.Matches(@"(?m)^lc_nack_sent_total [3-9]$", metrics);
        Assert.Matches(@"(?m)^lc_transport_received_total 12$", metrics); // each message once
        gw.Terminate();
        gw.WaitForExit(20_000);
        NackLoss.AssertEachDroppedOnce(net.Receiver);
    }
}
