using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// A socket bound to no interface (lc_socket_bind(sock, 0), lc without --interface), on a host
/// with two LANs: two namespaces joined by two veth pairs, a0 - b0 and a1 - b1, captured with
/// tcpdump on b0 and b1. librecast 0.9.1 and 0.11.2 send one identical copy per multicast
/// interface, 0.5.1 one datagram by the default route; ours must do what the profile's release
/// does, on the direct path and on the publisher's batched (sendmmsg, GSO) path. A receiver of
/// ours joined on both LANs delivers each such message once and counts the other copies.
/// </summary>
[Collection(NetworkCollection.Name)]
public class UnboundSendTests
{
    public static TheoryData<string> Wires => new() { "0.5", "0.9", "0.11" };

    private static string Unique(string what) => $"unbound/{what}/{Guid.NewGuid():N}";

    private static byte[] Group(string name, WireProfile wire)
    {
        using var ctx = new Context(new NullPlatform());
        byte[] g = new byte[16];
        ctx.CreateChannel(name, wire).CopyGroupTo(g, 0);
        return g;
    }

    // Captures b0 and b1 while `send` runs in the sender namespace; returns what each carried.
    private static (List<byte[]> B0, List<byte[]> B1) CaptureBoth(NamespacePair net, byte[] group, int segment, Action send)
    {
        using var b0 = new Capture(net.Receiver, "b0");
        using var b1 = new Capture(net.Receiver, "b1");
        send();
        System.Threading.Thread.Sleep(300); // the last datagrams cross the veth
        return (b0.Stop(group, segment), b1.Stop(group, segment));
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b);

    private static void AssertCopies(WireProfile wire, int messages, List<byte[]> b0, List<byte[]> b1, string who)
    {
        if (wire.UnboundSendsPerInterface)
        {
            // One copy on each LAN, the same bytes: same timestamp, seq and rnd.
            Assert.True(b0.Count == messages && b1.Count == messages,
                $"{who}, wire {wire}: expected {messages} datagrams on each of b0 and b1, saw {b0.Count} and {b1.Count}");
            Assert.Equal(b0.Select(Hex), b1.Select(Hex));
        }
        else
        {
            // Once, by the default route: all on one of the two LANs.
            Assert.True(b0.Count + b1.Count == messages && (b0.Count == 0 || b1.Count == 0),
                $"{who}, wire {wire}: expected {messages} datagrams on one LAN only, saw {b0.Count} on b0 and {b1.Count} on b1");
        }
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public void Real_Librecast_Unbound_Sender_Sends_A_Copy_Per_Interface_From_0_9(string wireName)
    {
        WireProfile wire = WireProfile.Parse(wireName)!;
        using var net = new NamespacePair(links: 2);
        string name = Unique("c-" + wireName);
        byte[] group = Group(name, wire);
        string peer = CPeer.Build("lcpeer", wire);
        var (b0, b1) = CaptureBoth(net, group, 0, () =>
        {
            var (code, _, err) = NamespacePair.Run(net.Sender, $"{peer} send any {name} hello --count 3 --interval-ms 20");
            Assert.True(code == 0, $"{CPeer.Library(wire)} lcpeer send any failed: {err}");
        });
        AssertCopies(wire, 3, b0, b1, CPeer.Library(wire));
        List<byte[]> seen = b0.Count > 0 ? b0 : b1;
        for (int i = 0; i < 3; i++)
        {
            var header = new FrameHeader();
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(seen[i], 0, seen[i].Length, header));
            Assert.Equal((ulong)(i + 1), header.Sequence);
        }
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public void Lc_Unbound_Send_Sends_A_Copy_Per_Interface_As_The_Profiles_Release(string wireName)
    {
        WireProfile wire = WireProfile.Parse(wireName)!;
        using var net = new NamespacePair(links: 2);
        string name = Unique("lc-" + wireName);
        byte[] group = Group(name, wire);

        // One message, the direct path (Channel.SendMessage).
        var (b0, b1) = CaptureBoth(net, group, 0, () =>
        {
            var (code, _, err) = NamespacePair.Lc(net.Sender, $"--wire {wireName} send {name} hello");
            Assert.True(code == 0, "lc send failed: " + err);
        });
        AssertCopies(wire, 1, b0, b1, "lc send");
        byte[] one = b0.Count > 0 ? b0[0] : b1[0];
        Assert.Equal(Frame.HeaderSize + 5, one.Length);
        Assert.Equal("hello", Encoding.ASCII.GetString(one, Frame.HeaderSize, 5));

        // Flood mode: the publisher's ring and batched sends (GSO runs carry the interface too).
        const int n = 300, size = 64;
        (b0, b1) = CaptureBoth(net, group, Frame.HeaderSize + size, () =>
        {
            var (code, output, err) = NamespacePair.Lc(net.Sender, $"--wire {wireName} send {name} --count {n} --size {size}");
            Assert.True(code == 0, "lc send --count failed: " + err);
            int copies = wire.UnboundSendsPerInterface ? 2 : 1;
            Assert.Contains($"sent={n * copies} send_errors=0", output);
        });
        AssertCopies(wire, n, b0, b1, "lc send --count");
        foreach (List<byte[]> lan in new[] { b0, b1 })
        {
            for (int i = 0; i < lan.Count; i++)
            {
                var header = new FrameHeader();
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(lan[i], 0, lan[i].Length, header));
                Assert.Equal((ulong)(i + 1), header.Sequence); // numbered once, in order, on every LAN
            }
        }
    }

    [Fact]
    public void Lc_Listen_On_Both_Lans_Delivers_Each_Message_Of_A_Real_0_11_Unbound_Sender_Once()
    {
        WireProfile wire = WireProfile.V0_11;
        using var net = new NamespacePair(links: 2);
        string name = Unique("dedup");
        string peer = CPeer.Build("lcpeer", wire);
        // Unbound: joined on b0 and b1. 5 + 5 + 5 distinct messages must arrive, each once.
        using var listen = NamespacePair.StartLc(net.Receiver, $"--wire 0.11 listen {name} --verbose --count 15 --timeout 30");
        listen.WaitForStderr("lc: listening on");
        void Send(string via, string text)
        {
            var (code, _, err) = NamespacePair.Run(net.Sender, $"{peer} send {via} {name} {text} --count 5 --interval-ms 20");
            Assert.True(code == 0, $"{CPeer.Library(wire)} lcpeer send {via} failed: {err}");
        }
        Send("any", "unbound");   // one copy on each LAN: 5 duplicates
        Send("a0", "via-a0");      // two bound senders, each seq 1..5 on its own LAN: distinct (other rnd)
        Send("a1", "via-a1");
        Assert.Equal(0, listen.WaitForExit(30_000));
        var lines = listen.RemainingLines();
        Assert.Equal(5, lines.Count(l => l == "unbound"));
        Assert.Equal(5, lines.Count(l => l == "via-a0"));
        Assert.Equal(5, lines.Count(l => l == "via-a1"));
        Assert.Equal(15, lines.Count);
        string counters = listen.Stderr.Split('\n').Single(l => l.StartsWith("lc: counters ", StringComparison.Ordinal));
        Assert.Contains(" received=15 ", counters);
        Assert.Contains(" duplicates=5", counters);
        Assert.Contains("a copy of a message already received on another interface", listen.Stderr);
    }
}
