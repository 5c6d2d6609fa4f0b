using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// NACK gap repair against the real librecast 0.11.2 (tests/peers/lcnack.c), through real loss:
/// an nftables rule in the receiver's namespace drops the first copy of chosen seqs (matched in
/// the frame header, 8 bytes into the UDP payload), so only a resend can bring them. Both
/// directions: a C <c>lc_channel_nack_handler</c> sender repairs <c>lc listen --nack</c>; our
/// <c>lc send --nack</c> repairs a C <c>lc_channel_detect_gaps</c> receiver. And a NACK flood
/// at <c>lc send --nack</c> gets no more resends than the rate limit allows.
/// </summary>
[Collection(NetworkCollection.Name)]
public class NackInteropTests
{
    private static readonly WireProfile Wire = WireProfile.V0_11;
    [Fact]
    public void A_Librecast_0_11_Nack_Handler_Sender_Repairs_Every_Gap_Lc_Listen_Nack_Sees()
    {
        using var link = new NackLoss.Link("c-to-lc");
        var (peer, net, channel) = (link.Peer, link.Net, link.Channel);
        const int count = 12;
        using var listen = NamespacePair.StartLc(net.Receiver, $"listen -i {NamespacePair.RecvIf} --nack -v -n {count} -t 30 {channel}");
        listen.WaitForStderr("listening on");
        var (sc, sout, serr) = NamespacePair.Run(net.Sender, $"{peer} send {NamespacePair.SendIf} {channel} {count} 50 10 1500", 30_000);
        Assert.True(sc == 0, $"lcnack send ({CPeer.Library(Wire)}) failed: {serr}");
        Assert.Contains("SENT 12", sout);
        int exit = listen.WaitForExit(30_000);
        Assert.True(exit == 0, $"lc listen --nack exited {exit}: {listen.Stderr}");
        var lines = listen.RemainingLines();
        // Every message exactly once, the repaired ones after their successors.
        Assert.Equal(Enumerable.Range(1, count).Select(i => "msg-" + i).OrderBy(s => s), lines.OrderBy(s => s));
        Assert.True(lines.IndexOf("msg-3") > lines.IndexOf("msg-4"), "seq 3 was not lost and repaired: " + string.Join(",", lines));
        var nack = CPeer.Fields(listen.Stderr.Split('\n').Single(l => l.Contains("nack_sent=")).Replace("lc: ", ""));
        Assert.Equal("3", nack["nack_repaired"]);
        Assert.InRange(int.Parse(nack["nack_sent"]), 3, 3 * GapDetector.MaxTries);
        NackLoss.AssertEachDroppedOnce(net.Receiver);
    }

    [Fact]
    public void Lc_Send_Nack_Repairs_Every_Gap_A_Librecast_0_11_Detect_Gaps_Receiver_Sees()
    {
        using var link = new NackLoss.Link("lc-to-c");
        var (net, channel) = (link.Net, link.Channel);
        const int count = 12;
        using var recv = link.StartCReceiver(count);
        var (code, stdout, err) = NamespacePair.Lc(net.Sender, $"send -i {NamespacePair.SendIf} --nack 2 --count {count} --rate 20 --size 10 {channel}", 30_000);
        Assert.True(code == 0, "lc send --nack failed: " + err);
        int exit = recv.WaitForExit(30_000);
        var lines = recv.RemainingLines();
        Assert.True(exit == 0, $"lcnack recv ({CPeer.Library(Wire)}) exited {exit}: {recv.Stderr}\n{string.Join("\n", lines)}");
        var seqs = lines.Select(l => ulong.Parse(CPeer.Fields(l)["seq"])).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), seqs.Distinct().OrderBy(s => s));
        Assert.All(lines, l => Assert.EndsWith("data=abcdefghij", l)); // the resend is the message, byte for byte
        Assert.Contains($"{count} msgs {count * 10} bytes", stdout); // resends are not counted as messages
        var nack = CPeer.Fields(stdout.Split('\n').Single(l => l.StartsWith("nack_sent=")));
        Assert.InRange(long.Parse(nack["nack_resent"]), NackLoss.Dropped.Length, long.Parse(nack["nack_received"]));
        Assert.Equal(long.Parse(nack["nack_received"]),
            long.Parse(nack["nack_resent"]) + long.Parse(nack["nack_refused"]) + long.Parse(nack["nack_unknown"]));
        NackLoss.AssertEachDroppedOnce(net.Receiver);
    }

    [Fact]
    public void A_Nack_Flood_Gets_No_More_Resends_Than_The_Rate_Limit_Allows()
    {
        Netns.Require();
        string channel = "nack/flood/" + Guid.NewGuid().ToString("N")[..8];
        const int count = 10, rate = 50, burst = 32;
        using var ctx = new Context(SocketsPlatform.Instance) { Wire = Wire };
        // A listener on the far end counts every datagram on the data group: originals and resends.
        var listenSocket = ctx.CreateSocket();
        listenSocket.Bind(Interfaces.Resolve(Netns.RecvIf));
        var data = ctx.CreateChannel(channel);
        listenSocket.Bind(data);
        data.Join();
        var flooder = ctx.CreateSocket();
        flooder.Bind(Interfaces.Resolve(Netns.RecvIf));
        var nackChannel = data.NackSidehash();
        flooder.Bind(nackChannel);

        using var send = Lc.Start($"send -i {Netns.SendIf} --nack 3 --nack-rate {rate} --count {count} --rate 100 --size 16 {channel}");
        var m = new Message(2048);
        int heard = 0;
        var seen = new HashSet<ulong>();
        while (seen.Count < count)
        {
            var r = listenSocket.ReceiveMessage(m, 10_000);
            Assert.True(r == ReceiveResult.Ok, $"the originals did not arrive ({r}); lc: {send.Stderr}");
            seen.Add(m.Header.Sequence);
            heard++;
        }
        var clock = Stopwatch.StartNew();
        var nack = new byte[8];
        int nacks = 0;
        while (clock.ElapsedMilliseconds < 2000)
        {
            for (int k = 0; k < 20; k++)
            {
                Frame.WriteUInt64(nack, 0, (ulong)(1 + nacks % count));
                nackChannel.Send(nack, 0, 8);
                nacks++;
            }
            Thread.Sleep(1);
        }
        int exit = send.WaitForExit(20_000);
        double seconds = clock.Elapsed.TotalSeconds; // from the first NACK to lc's exit: an upper bound of the flood's reach
        Assert.True(exit == 0, $"lc send --nack exited {exit}: {send.Stderr}");
        while (listenSocket.ReceiveMessage(m, 300) != ReceiveResult.Timeout) heard++;
        var counters = CPeer.Fields(send.RemainingLines().Single(l => l.StartsWith("nack_sent=")));
        long received = long.Parse(counters["nack_received"]), resent = long.Parse(counters["nack_resent"]), refused = long.Parse(counters["nack_refused"]);
        Assert.True(received > nacks / 2, $"only {received} of {nacks} NACKs reached lc");
        Assert.Equal(received, resent + refused + long.Parse(counters["nack_unknown"]));
        Assert.InRange(resent, rate, burst + (long)(rate * seconds) + 1); // the bound, and not zero
        Assert.True(refused > received - resent - 1 && refused > 1000, $"refused {refused} of {received}");
        Assert.Equal(count + resent, heard); // what reached the wire: the originals and the counted resends, no more
    }
}
