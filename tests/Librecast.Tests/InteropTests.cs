using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Our runtime and the real librecast C library exchanging datagrams over a veth pair inside the
/// test namespace: C sends on lc0, we hear on lc1, and the other way round. Every test runs under
/// each wire profile against that release's library: 0.5 with the system's 0.5.1, 0.9 with 0.9.1,
/// 0.11 with 0.11.2 (tests/peers/fetch-librecast).
/// </summary>
[Collection(NetworkCollection.Name)]
public class InteropTests
{
    private static string UniqueChannel(string what) => $"interop/{what}/{Guid.NewGuid():N}";

    public static TheoryData<string> Profiles => new() { "0.5", "0.9", "0.11" };

    /// <summary>Parses an lcpeer output line of key=value fields.</summary>
    private static Dictionary<string, string> Fields(string line) => CPeer.Fields(line);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void C_Msg_Send_Reaches_Our_Receive_With_Header_Fields(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        Netns.Require();
        string name = UniqueChannel("c2cs");
        var (ctx, socket, channel) = Endpoints.Open(Netns.RecvIf, name, join: true, wire);
        using (ctx)
        {
            ulong before = SocketsPlatform.Instance.NowNanoseconds();
            var (code, _, err) = CPeer.Run(CPeer.Build("lcpeer", wire), $"send {Netns.SendIf} {name} hello-from-c --count 3", null, 20_000);
            Assert.True(code == 0, "lcpeer send failed: " + err);

            var m = new Message(2048);
            var nonces = new HashSet<ulong>();
            for (ulong seq = 1; seq <= 3; seq++)
            {
                Assert.Equal(ReceiveResult.Ok, socket.ReceiveMessage(m, 5000));
                Assert.Equal("hello-from-c", Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
                Assert.Equal(seq, m.Header.Sequence);
                Assert.Equal(Opcode.Data, m.Header.Op);
                Assert.Same(channel, m.Channel);
                Assert.InRange(m.Header.Timestamp, before - 1_000_000_000, SocketsPlatform.Instance.NowNanoseconds());
                nonces.Add(m.Header.Random);
                Assert.Equal(4242, m.Info.SourcePort);
            }
            Assert.Equal(3, nonces.Count); // the library draws a new rnd for every message
            Assert.Equal(0, ctx.Counters.Malformed);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void C_Channel_Send_Reaches_Our_Raw_Receive(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        Netns.Require();
        string name = UniqueChannel("c2cs-raw");
        var (ctx, socket, _) = Endpoints.Open(Netns.RecvIf, name, join: true, wire);
        using (ctx)
        {
            var (code, _, err) = CPeer.Run(CPeer.Build("lcpeer", wire), $"send {Netns.SendIf} {name} raw-bytes --raw", null, 20_000);
            Assert.True(code == 0, "lcpeer send failed: " + err);
            var m = new Message(2048);
            Assert.Equal(ReceiveResult.Ok, socket.Receive(m, 5000));
            Assert.Equal("raw-bytes", Encoding.UTF8.GetString(m.Buffer, 0, m.Length));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Our_SendMessage_Reaches_C_Msg_Recv_With_Header_Fields(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        Netns.Require();
        string name = UniqueChannel("cs2c");
        using var peer = new PeerProcess(CPeer.Build("lcpeer", wire), $"recv {Netns.RecvIf} {name} 3 10");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, _, channel) = Endpoints.Open(Netns.SendIf, name, join: false, wire);
        using (ctx)
        {
            ulong before = SocketsPlatform.Instance.NowNanoseconds();
            byte[][] payloads = { "one"u8.ToArray(), "twenty-two"u8.ToArray(), new byte[] { 0, 1, 2, 255 } };
            foreach (byte[] p in payloads) channel.SendMessage(p, 0, p.Length);
            var nonces = new HashSet<string>();
            for (int i = 0; i < 3; i++)
            {
                var f = Fields(peer.NextLine());
                Assert.Equal((i + 1).ToString(), f["seq"]);
                Assert.Matches("^[0-9a-f]{16}$", f["rnd"]);
                nonces.Add(f["rnd"]);
                Assert.Equal("0", f["op"]);
                Assert.Equal(payloads[i].Length.ToString(), f["len"]);
                Assert.Equal(Convert.ToHexString(payloads[i]).ToLowerInvariant(), f["data"].ToLowerInvariant());
                Assert.InRange(ulong.Parse(f["ts"], CultureInfo.InvariantCulture), before, SocketsPlatform.Instance.NowNanoseconds());
            }
            Assert.Equal(3, nonces.Count);
            Assert.Equal(0, peer.WaitForExit());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Our_Raw_Send_Reaches_C_Socket_Recv(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        Netns.Require();
        string name = UniqueChannel("cs2c-raw");
        using var peer = new PeerProcess(CPeer.Build("lcpeer", wire), $"recv {Netns.RecvIf} {name} 1 10 --raw");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, _, channel) = Endpoints.Open(Netns.SendIf, name, join: false, wire);
        using (ctx)
        {
            byte[] p = "just-bytes"u8.ToArray();
            channel.Send(p, 0, p.Length);
            var f = Fields(peer.NextLine());
            Assert.Equal(p.Length.ToString(), f["len"]);
            Assert.Equal(Convert.ToHexString(p).ToLowerInvariant(), f["data"].ToLowerInvariant());
            Assert.Equal(0, peer.WaitForExit());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Our_Datagram_Matches_Librecast_Wire_Layout(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        // A plain socket capture (no librecast on the receiving side) of what we put on the wire.
        Netns.Require();
        string name = UniqueChannel("wire");
        using var peer = new PeerProcess(CPeer.Build("lcpeer", wire), $"dump {Netns.RecvIf} {name} 1 10");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, _, channel) = Endpoints.Open(Netns.SendIf, name, join: false, wire);
        using (ctx)
        {
            channel.SendMessage("world"u8.ToArray(), 0, 5);
            byte[] d = Convert.FromHexString(Fields(peer.NextLine())["data"]);
            Assert.Equal(38, d.Length);
            Assert.Equal("0000000000000001", Convert.ToHexString(d, 8, 8));
            Assert.NotEqual("0000000000000000", Convert.ToHexString(d, 16, 8));
            Assert.Equal(0, d[24]);
            Assert.Equal("0000000000000005", Convert.ToHexString(d, 25, 8));
            Assert.Equal("world", Encoding.ASCII.GetString(d, 33, 5));
        }
    }
}

/// <summary>Tests that share the namespace's veth pair and port 4242 run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetworkCollection
{
    public const string Name = "network";
}
