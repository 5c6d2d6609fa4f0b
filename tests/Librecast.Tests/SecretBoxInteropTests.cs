using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using Librecast.Crypto;
using Librecast.Security;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Our managed secretbox against librecast 0.5.1's SYMM channels over the veth pair: the C
/// library encrypts (<c>lc_channel_send</c>, <c>lc_msg_send</c>) and we open; we seal, send the
/// datagram raw, and the C library's socket receive path opens it (and libsodium directly).
/// <c>lc_msg_recv</c> on SYMM is broken in 0.5.1 (shared/WIRE.md), so it is not used.
/// C side: tests/peers/lcsymm.c.
/// </summary>
[Collection(NetworkCollection.Name)]
public class SecretBoxInteropTests
{
    private static string UniqueChannel(string what) => $"symm/{what}/{Guid.NewGuid():N}";

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    [Fact]
    public void Librecast_Symm_Channel_Send_Opens_With_Our_SecretBox()
    {
        Netns.Require();
        string name = UniqueChannel("c2cs-raw");
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] payload = Encoding.UTF8.GetBytes("sealed by librecast C");
        var (ctx, socket, _) = Endpoints.Open(Netns.RecvIf, name, join: true);
        using (ctx)
        using (var box = new SecretBox(key))
        {
            var (code, _, err) = CPeer.Run(CPeer.Build("lcsymm"), $"send {Netns.SendIf} {name} {Hex(key)} {Hex(payload)} --count 3", null, 20_000);
            Assert.True(code == 0, "lcsymm send failed: " + err);
            var m = new Message(2048);
            var plain = new byte[2048];
            var nonces = new HashSet<string>();
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(ReceiveResult.Ok, socket.Receive(m, 5000));
                Assert.Equal(payload.Length + SecretBox.Overhead, m.Length);
                Assert.Equal("0000000000000000", Convert.ToHexString(m.Buffer, m.Offset + m.Length - 8, 8)); // nonce tail
                nonces.Add(Convert.ToHexString(m.Buffer, m.Offset + m.Length - 24, 16));
                Assert.Equal(SecretBoxStatus.Ok, box.Open(m.Buffer, m.Offset, m.Length, plain, 0, out int n));
                Assert.Equal(payload, plain.AsSpan(0, n).ToArray());
            }
            Assert.Equal(3, nonces.Count); // a fresh random nonce per datagram
        }
    }

    [Fact]
    public void Librecast_Symm_Msg_Send_Opens_To_An_Authenticated_Frame_For_The_Replay_Window()
    {
        Netns.Require();
        string name = UniqueChannel("c2cs-msg");
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] payload = Encoding.UTF8.GetBytes("framed and sealed");
        var (ctx, socket, _) = Endpoints.Open(Netns.RecvIf, name, join: true);
        using (ctx)
        using (var box = new SecretBox(key))
        {
            var (code, _, err) = CPeer.Run(CPeer.Build("lcsymm"), $"send {Netns.SendIf} {name} {Hex(key)} {Hex(payload)} --msg --count 3", null, 20_000);
            Assert.True(code == 0, "lcsymm send failed: " + err);
            var m = new Message(2048);
            var plain = new byte[2048];
            var header = new FrameHeader();
            var window = new ReplayWindow(4, 128, 60UL * 1_000_000_000, 5UL * 1_000_000_000);
            var received = new List<(byte[] Datagram, ulong Seq, ulong Ts)>();
            for (ulong seq = 1; seq <= 3; seq++)
            {
                Assert.Equal(ReceiveResult.Ok, socket.Receive(m, 5000));
                Assert.Equal(Frame.HeaderSize + payload.Length + SecretBox.Overhead, m.Length);
                Assert.Equal(SecretBoxStatus.Ok, box.Open(m.Buffer, m.Offset, m.Length, plain, 0, out int n));
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(plain, 0, n, header));
                Assert.Equal(seq, header.Sequence);
                Assert.Equal(payload, plain.AsSpan(header.PayloadOffset, header.PayloadLength).ToArray());
                ulong now = SocketsPlatform.Instance.NowNanoseconds();
                Assert.Equal(ReplayVerdict.New, window.Check(m.Info.Source, 0, m.Info.SourcePort, 0, header.Sequence, header.Timestamp, now));
                received.Add((m.Buffer.AsSpan(m.Offset, m.Length).ToArray(), header.Sequence, header.Timestamp));
            }
            // The same datagrams again (a replay on the wire): the authenticated header says seen.
            foreach (var (d, seq, ts) in received)
            {
                Assert.Equal(SecretBoxStatus.Ok, box.Open(d, 0, d.Length, plain, 0, out _));
                Assert.Equal(ReplayVerdict.Duplicate, window.Check(m.Info.Source, 0, m.Info.SourcePort, 0, seq, ts, SocketsPlatform.Instance.NowNanoseconds()));
            }
            Assert.Equal(3, window.Duplicates);
            Assert.Equal(0, window.Lost);
        }
    }

    [Fact]
    public void Our_Sealed_Datagrams_Are_Opened_By_Librecast_Socket_Recv_And_Forgeries_Refused()
    {
        Netns.Require();
        string name = UniqueChannel("cs2c-lib");
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using var peer = new PeerProcess(CPeer.Build("lcsymm"), $"recv {Netns.RecvIf} {name} {Hex(key)} 4 10");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, _, channel) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (ctx)
        using (var box = new SecretBox(key))
        {
            var d = new byte[4096];
            byte[] first = Encoding.UTF8.GetBytes("one");
            byte[] frame = new byte[Frame.HeaderSize + 5];
            Frame.Encode(frame, 0, 1234, 1, 99, Opcode.Data, Encoding.UTF8.GetBytes("world"), 0, 5);

            int len = box.Seal(first, 0, first.Length, d, 0, SocketsPlatform.Instance);
            channel.Send(d, 0, len);
            Assert.Equal("len=3 data=" + Hex(first), peer.NextLine());

            len = box.Seal(frame, 0, frame.Length, d, 0, SocketsPlatform.Instance);
            d[len / 2] ^= 0x10;                                // one bit flipped in flight
            channel.Send(d, 0, len);
            Assert.StartsWith("error", peer.NextLine());       // the library refuses it

            using (var wrong = new SecretBox(RandomNumberGenerator.GetBytes(32)))
            {
                len = wrong.Seal(frame, 0, frame.Length, d, 0, SocketsPlatform.Instance);
                channel.Send(d, 0, len);
            }
            Assert.StartsWith("error", peer.NextLine());

            len = box.Seal(frame, 0, frame.Length, d, 0, SocketsPlatform.Instance); // a sealed librecast frame
            channel.Send(d, 0, len);
            Assert.Equal("len=" + frame.Length + " data=" + Hex(frame), peer.NextLine());
            Assert.Equal(0, peer.WaitForExit());
        }
    }

    [Fact]
    public void Our_Sealed_Datagrams_Open_With_Libsodium_On_The_Librecast_Receive_Path()
    {
        Netns.Require();
        string name = UniqueChannel("cs2c-sodium");
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using var peer = new PeerProcess(CPeer.Build("lcsymm"), $"recv {Netns.RecvIf} {name} {Hex(key)} 3 10 --sodium");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, _, channel) = Endpoints.Open(Netns.SendIf, name, join: false);
        using (ctx)
        using (var box = new SecretBox(key))
        {
            var d = new byte[SecretBox.SealedLength(1400)];
            foreach (int size in new[] { 1, 64, 1400 })
            {
                byte[] p = RandomNumberGenerator.GetBytes(size);
                int len = box.Seal(p, 0, size, d, 0, SocketsPlatform.Instance);
                channel.Send(d, 0, len);
                Assert.Equal("len=" + (size + 40) + " open=ok data=" + Hex(p), peer.NextLine());
            }
            Assert.Equal(0, peer.WaitForExit());
        }
    }
}
