using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Librecast.Crypto;
using Librecast.Security;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Restricted channels (librecast 0.11's signed tokens) against the real librecast 0.11.2, both
/// ways, over the veth pair: our tokens are <c>lc_token_new</c>'s byte for byte; the C library's
/// filter (<c>lc_channel_filter_set</c>, received with <c>lc_socket_recv</c>) accepts our packets;
/// ours accepts its tokens and packets (raw and <c>lc_msg_send</c>). Every rejection case (unknown
/// signer, bad token signature, bad packet signature, missing capability, expired, wrong channel,
/// replay) is put on the wire once and each receiver's outcome shown: the C filter drops the first
/// five silently and delivers the last two; ours counts each by reason, and in strict mode
/// delivers exactly what C delivers. C side: tests/peers/lctoken.c.
/// </summary>
[Collection(NetworkCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class RestrictedChannelTests
{
    private static readonly WireProfile Wire = WireProfile.V0_11;

    private static string Peer => CPeer.Build("lctoken", Wire);

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static string UniqueChannel(string what) => $"token/{what}/{Guid.NewGuid():N}";

    // A key pair made by librecast itself (lc_keypair_new): libsodium's 64-byte secret = seed ‖ public.
    private static (byte[] Pk, byte[] Sk) CKeypair()
    {
        var (code, stdout, err) = CPeer.Run(Peer, "keypair", null, 10_000);
        Assert.True(code == 0, "lctoken keypair failed: " + err);
        var f = CPeer.Fields(stdout.Trim());
        return (Convert.FromHexString(f["pk"]), Convert.FromHexString(f["sk"]));
    }

    private static byte[] CToken(byte[] signerSk, byte[] bearerPk, string channel, int caps, ulong validSeconds)
    {
        var (code, stdout, err) = CPeer.Run(Peer, $"token {Hex(signerSk)} {Hex(bearerPk)} {channel} {caps} {validSeconds}", null, 10_000);
        Assert.True(code == 0, "lctoken token failed: " + err);
        return Convert.FromHexString(CPeer.Fields(stdout.Trim())["token"]);
    }

    private static byte[] Seed(byte[] sk) => sk.AsSpan(0, 32).ToArray();

    private static byte[] HashOf(string channel)
    {
        using var ctx = new Context(SocketsPlatform.Instance) { Wire = Wire };
        var h = new byte[32];
        ctx.CreateChannel(channel).CopyHashTo(h, 0);
        return h;
    }

    private static byte[] OurToken(byte[] signerSk, byte[] bearerPk, string channel, byte caps, ulong expires)
    {
        var t = new byte[Token.Size];
        Token.Issue(new Ed25519(), Seed(signerSk), 0, signerSk, 32, bearerPk, 0, HashOf(channel), 0, caps, expires, t, 0);
        return t;
    }

    private static ulong Now() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public void Our_Token_Is_Lc_Token_New_Byte_For_Byte()
    {
        var signer = CKeypair();
        var bearer = CKeypair();
        // Never expires: every byte is determined (Ed25519 is deterministic).
        byte[] c = CToken(signer.Sk, bearer.Pk, "bench", 5, 0);
        Assert.Equal(Hex(c), Hex(OurToken(signer.Sk, bearer.Pk, "bench", 5, 0)));
        // Expires in an hour: the same once the expiry is the one C wrote.
        c = CToken(signer.Sk, bearer.Pk, "site/node1/cmd", Token.Exec | Token.Write, 3600);
        ulong expires = Token.Expires(c, 0);
        Assert.InRange((long)expires - (long)Now(), 3590, 3610);
        Assert.Equal(Hex(c), Hex(OurToken(signer.Sk, bearer.Pk, "site/node1/cmd", Token.Exec | Token.Write, expires)));
        Assert.True(Token.SignatureValid(new Ed25519(), c, 0, signer.Pk, 0));
        c[70] ^= 1;
        Assert.False(Token.SignatureValid(new Ed25519(), c, 0, signer.Pk, 0));
    }

    [Fact]
    public void The_Nano_Cases_Token_Is_What_Lc_Token_New_Makes()
    {
        // tests/nano/Cases/TokenCases.cs checks our Token.Issue against this token, made here by
        // librecast 0.11.2 from RFC 8032's TEST 1 key (signer) and TEST 2 key (bearer).
        byte[] signerSeed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] signerPk = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        byte[] bearerPk = Convert.FromHexString("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
        byte[] c = CToken([.. signerSeed, .. signerPk], bearerPk, "bench", 5, 0);
        Assert.Equal(Librecast.NanoCases.TokenCases.BenchTokenFromLibrecast, Hex(c));
    }

    // ---- our packets, the C filter --------------------------------------------------------------

    // What one receiver of ours got: payloads delivered (hex) and its filter.
    private sealed class OurReceiver : IDisposable
    {
        public readonly Context Ctx;
        public readonly Socket Socket;
        public readonly TokenFilter Filter;

        public OurReceiver(string channel, Keyring ring, byte caps, bool strict)
        {
            (Ctx, Socket, Channel c) = Endpoints.Open(Netns.RecvIf, channel, join: false, Wire);
            Filter = new TokenFilter(ring, caps) { Strict = strict };
            c.TokenFilter = Filter;
            c.Join();
        }

        // Everything queued on the socket, until nothing arrives for a second.
        public List<string> Drain(List<TokenVerdict>? verdicts = null)
        {
            var got = new List<string>();
            var m = new Message(65536);
            while (true)
            {
                ReceiveResult r = Socket.Receive(m, 1000);
                if (r == ReceiveResult.Timeout) return got;
                if (r == ReceiveResult.Ok) got.Add(Convert.ToHexStringLower(m.Buffer, m.PayloadOffset, m.PayloadLength));
                else Assert.Equal(ReceiveResult.Unauthorized, r);
                verdicts?.Add(Filter.LastVerdict);
            }
        }

        public void Dispose() => Ctx.Dispose();
    }

    [Fact]
    public void Librecast_Filter_Accepts_Our_Packets_And_Drops_The_Bad_Ones_Silently_As_Ours_Counts_Them()
    {
        Netns.Require();
        string name = UniqueChannel("cs2c");
        var signer = CKeypair();
        var stranger = CKeypair();
        var bearer = CKeypair();
        byte[] bearerSeed = Seed(bearer.Sk);
        var ring = new Keyring();
        ring.Add(signer.Pk, 0);
        const byte need = Token.Read;

        // The C receiver: keyring = the signer, capbits READ; it prints what passes its filter.
        using var c = new PeerProcess(Peer, $"recv {Netns.RecvIf} {name} {Hex(signer.Pk)} {need} 4 20");
        Assert.Equal("READY", c.NextLine());
        using var ours = new OurReceiver(name, ring, need, strict: false);
        using var strict = new OurReceiver(name, ring, need, strict: true);

        var (sctx, _, plain) = Endpoints.Open(Netns.SendIf, name, join: false, Wire);
        var (rctx, _, restricted) = Endpoints.Open(Netns.SendIf, name, join: false, Wire);
        using (sctx)
        using (rctx)
        {
            byte[] good = OurToken(signer.Sk, bearer.Pk, name, Token.Read | Token.Exec, Now() + 3600);
            // Crafted datagrams go out raw on a channel without a token: sealed here, then spoiled.
            void Crafted(byte[] token, string text, Action<byte[]>? spoil = null)
            {
                var sealer = new TokenSealer(token, 0, bearerSeed, 0);
                byte[] inner = Encoding.UTF8.GetBytes(text);
                var d = new byte[inner.Length + TokenFilter.Overhead];
                sealer.Seal(inner, 0, inner.Length, d, 0);
                spoil?.Invoke(d);
                plain.Send(d, 0, d.Length);
                Thread.Sleep(20);
            }
            Crafted(OurToken(stranger.Sk, bearer.Pk, name, Token.Read, 0), "unknown-signer");
            Crafted(good, "bad-token-sig", d => d[Token.SignatureOffset + 5] ^= 0x01);
            Crafted(good, "bad-packet-sig", d => d[^7] ^= 0x01);
            Crafted(good, "bad-packet-sig-inner", d => d[Token.Size] ^= 0x01); // the inner datagram altered
            Crafted(OurToken(signer.Sk, bearer.Pk, name, Token.Write, 0), "missing-cap");
            Crafted(OurToken(signer.Sk, bearer.Pk, name, Token.Read, Now() - 5), "expired");
            Crafted(OurToken(signer.Sk, bearer.Pk, "other", Token.Read, 0), "wrong-channel");

            // The real thing: Channel.SetToken, raw and framed, then the raw datagram replayed.
            restricted.SetToken(good, 0, bearerSeed, 0);
            byte[] ok = Encoding.UTF8.GetBytes("raw-ok");
            restricted.Send(ok, 0, ok.Length);
            Thread.Sleep(20);
            var replay = new byte[ok.Length + TokenFilter.Overhead];
            new TokenSealer(good, 0, bearerSeed, 0).Seal(ok, 0, ok.Length, replay, 0); // the same bytes (Ed25519 is deterministic)
            plain.Send(replay, 0, replay.Length);
            Thread.Sleep(20);
            byte[] framed = Encoding.UTF8.GetBytes("framed-ok");
            restricted.SendMessage(framed, 0, framed.Length);

            // C: the first six dropped without a word; the wrong channel and the replay delivered.
            string H(string s) => Hex(Encoding.UTF8.GetBytes(s));
            Assert.Equal($"len=13 data={H("wrong-channel")}", c.NextLine());
            Assert.Equal($"len=6 data={H("raw-ok")}", c.NextLine());
            Assert.Equal($"len=6 data={H("raw-ok")}", c.NextLine());
            string frame = c.NextLine();
            Assert.StartsWith($"len={Frame.HeaderSize + framed.Length} data=", frame);
            Assert.EndsWith(H("framed-ok"), frame);
            Assert.Equal(0, c.WaitForExit());

            // Ours, strict: exactly what C delivered. Ours, by default: the wrong channel and the
            // replay refused too. Both count every rejection by its reason.
            var strictGot = strict.Drain();
            Assert.Equal(new[] { H("wrong-channel"), H("raw-ok"), H("raw-ok") }, strictGot.GetRange(0, 3));
            Assert.EndsWith(H("framed-ok"), strictGot[3]);
            Assert.Equal(4, strictGot.Count);
            var verdicts = new List<TokenVerdict>();
            var got = ours.Drain(verdicts);
            Assert.Equal(H("raw-ok"), got[0]);
            Assert.EndsWith(H("framed-ok"), got[1]);
            Assert.Equal(2, got.Count);
            Assert.Equal(new[]
            {
                TokenVerdict.UnknownSigner, TokenVerdict.BadTokenSignature, TokenVerdict.BadSignature, TokenVerdict.BadSignature,
                TokenVerdict.MissingCapability, TokenVerdict.Expired, TokenVerdict.WrongChannel,
                TokenVerdict.Accepted, TokenVerdict.Replayed, TokenVerdict.Accepted,
            }, verdicts);
            Assert.Equal("accepted=2 too_short=0 unknown_signer=1 bad_token_signature=1 bad_signature=2 missing_capability=1 expired=1 " +
                         "wrong_version=0 wrong_channel=1 replayed=1 wrong_bearer=0", ours.Filter.ToString());
            Assert.Equal("accepted=4 too_short=0 unknown_signer=1 bad_token_signature=1 bad_signature=2 missing_capability=1 expired=1 " +
                         "wrong_version=0 wrong_channel=0 replayed=0 wrong_bearer=0", strict.Filter.ToString());
            Assert.Equal(8, ours.Ctx.Counters.Unauthenticated);
            Assert.Equal(2, ours.Ctx.Counters.Received);
        }
    }

    [Fact]
    public void Librecast_Filter_Accepts_Packets_Signed_In_The_Publishers_Ring()
    {
        // The restricted channel on a socket with a publisher: each datagram is signed in the send
        // ring as it goes (raw, framed, and a SYMM box), sent in a GSO batch; the C filter takes
        // them all, and the raw one is the direct path's bytes.
        Netns.Require();
        string name = UniqueChannel("ring");
        var signer = CKeypair();
        var bearer = CKeypair();
        byte[] bearerSeed = Seed(bearer.Sk);
        using var c = new PeerProcess(Peer, $"recv {Netns.RecvIf} {name} {Hex(signer.Pk)} {Token.Write} 3 20");
        Assert.Equal("READY", c.NextLine());
        var (sctx, socket, restricted) = Endpoints.Open(Netns.SendIf, name, join: false, Wire);
        using (sctx)
        {
            byte[] good = OurToken(signer.Sk, bearer.Pk, name, Token.Write, Now() + 3600);
            restricted.SetToken(good, 0, bearerSeed, 0);
            Publisher p = socket.StartPublisher(new PublisherOptions { StartThread = false });
            byte[] raw = Encoding.UTF8.GetBytes("raw-from-the-ring");
            byte[] framed = Encoding.UTF8.GetBytes("framed-from-the-ring");
            Assert.Equal(raw.Length + TokenFilter.Overhead, restricted.Send(raw, 0, raw.Length));
            Assert.True(restricted.Publish(framed, 0, framed.Length));
            Assert.True(restricted.Publish(framed, 0, framed.Length));
            while (p.DoWork() > 0) { }
            string H(string s) => Hex(Encoding.UTF8.GetBytes(s));
            Assert.Equal($"len={raw.Length} data={H("raw-from-the-ring")}", c.NextLine());
            for (int i = 0; i < 2; i++)
            {
                string frame = c.NextLine();
                Assert.StartsWith($"len={Frame.HeaderSize + framed.Length} data=", frame);
                Assert.EndsWith(H("framed-from-the-ring"), frame);
            }
            Assert.Equal(0, c.WaitForExit());
            Assert.Equal(3, sctx.Counters.Sent);
            Assert.Equal(0, sctx.Counters.SendErrors);
        }
    }

    // ---- its packets, our filter ----------------------------------------------------------------

    [Fact]
    public void Our_Filter_Accepts_Librecast_Tokens_And_Packets_And_Counts_Each_Rejection()
    {
        Netns.Require();
        string name = UniqueChannel("c2cs");
        var signer = CKeypair();
        var stranger = CKeypair();
        var bearer = CKeypair();
        var ring = new Keyring();
        ring.Add(signer.Pk, 0);
        const byte need = Token.Read;
        // Expires one second from now: sent once it has (the library's own clock check is > expires).
        byte[] shortLived = CToken(signer.Sk, bearer.Pk, name, Token.Read, 1);
        DateTime madeAt = DateTime.UtcNow;

        using var ours = new OurReceiver(name, ring, need, strict: false);
        using var strict = new OurReceiver(name, ring, need, strict: true);
        var (cctx, capture, _) = Endpoints.Open(Netns.RecvIf, name, join: true, Wire); // no filter: the datagrams as sent
        using (cctx)
        {
            void CSend(byte[] token, string text, bool msg = false)
            {
                var (code, _, err) = CPeer.Run(Peer, $"send {Netns.SendIf} {name} {Hex(token)} {Hex(bearer.Sk)} {Hex(Encoding.UTF8.GetBytes(text))}{(msg ? " --msg" : "")}", null, 10_000);
                Assert.True(code == 0, "lctoken send failed: " + err);
            }
            byte[] good = CToken(signer.Sk, bearer.Pk, name, Token.Read | Token.Exec, 3600);
            CSend(good, "c-raw-ok");
            CSend(good, "c-msg-ok", msg: true);
            CSend(CToken(stranger.Sk, bearer.Pk, name, Token.Read, 0), "c-unknown-signer");
            CSend(CToken(signer.Sk, bearer.Pk, name, Token.Write, 0), "c-missing-cap");
            CSend(CToken(signer.Sk, bearer.Pk, "other", Token.Read, 0), "c-wrong-channel");
            TimeSpan wait = madeAt.AddSeconds(2.2) - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) Thread.Sleep(wait);
            CSend(shortLived, "c-expired");

            // What C put on the wire: token(128) ‖ inner ‖ sig(64), the token as lc_token_new made it.
            var m = new Message(65536);
            Assert.Equal(ReceiveResult.Ok, capture.Receive(m, 5000));
            byte[] first = m.Buffer.AsSpan(m.Offset, m.Length).ToArray();
            Assert.Equal(Token.Size + 8 + 64, first.Length);
            Assert.Equal(Hex(good), Hex(first.AsSpan(0, Token.Size).ToArray()));
            Assert.Equal("c-raw-ok", Encoding.UTF8.GetString(first, Token.Size, 8));

            // An attacker's doing with C's datagram, from our side: replayed, token altered, packet altered.
            var (actx, _, attacker) = Endpoints.Open(Netns.SendIf, name, join: false, Wire);
            using (actx)
            {
                attacker.Send(first, 0, first.Length);
                Thread.Sleep(20);
                byte[] t = (byte[])first.Clone();
                t[Token.SignatureOffset + 9] ^= 0x40;
                attacker.Send(t, 0, t.Length);
                Thread.Sleep(20);
                byte[] p = (byte[])first.Clone();
                p[Token.Size + 2] ^= 0x40; // "c-raw-ok" becomes "c-2aw-ok"
                attacker.Send(p, 0, p.Length);
            }

            string H(string s) => Hex(Encoding.UTF8.GetBytes(s));
            var verdicts = new List<TokenVerdict>();
            var got = ours.Drain(verdicts);
            Assert.Equal(2, got.Count);
            Assert.Equal(H("c-raw-ok"), got[0]);
            byte[] frame = Convert.FromHexString(got[1]);
            var header = new FrameHeader();
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(frame, 0, frame.Length, header));
            Assert.Equal("c-msg-ok", Encoding.UTF8.GetString(frame, header.PayloadOffset, header.PayloadLength));
            Assert.Equal(new[]
            {
                TokenVerdict.Accepted, TokenVerdict.Accepted, TokenVerdict.UnknownSigner, TokenVerdict.MissingCapability,
                TokenVerdict.WrongChannel, TokenVerdict.Expired, TokenVerdict.Replayed, TokenVerdict.BadTokenSignature, TokenVerdict.BadSignature,
            }, verdicts);
            Assert.Equal("accepted=2 too_short=0 unknown_signer=1 bad_token_signature=1 bad_signature=1 missing_capability=1 expired=1 " +
                         "wrong_version=0 wrong_channel=1 replayed=1 wrong_bearer=0", ours.Filter.ToString());

            // Strict: librecast's own checks only, so the wrong channel and the replay pass, as they do in C.
            var strictGot = strict.Drain();
            Assert.Equal(4, strictGot.Count);
            Assert.Equal(H("c-raw-ok"), strictGot[0]);
            Assert.Equal(H("c-wrong-channel"), strictGot[2]);
            Assert.Equal(H("c-raw-ok"), strictGot[3]);
            Assert.Equal("accepted=4 too_short=0 unknown_signer=1 bad_token_signature=1 bad_signature=1 missing_capability=1 expired=1 " +
                         "wrong_version=0 wrong_channel=0 replayed=0 wrong_bearer=0", strict.Filter.ToString());
        }
    }

    [Fact]
    public void Librecast_Filter_Accepts_A_Replay_And_A_Wrong_Channel_Token_From_Librecast_Too()
    {
        // The C library's own receiver, on its own sender's traffic: what our strict mode copies.
        Netns.Require();
        string name = UniqueChannel("c2c");
        var signer = CKeypair();
        var bearer = CKeypair();
        using var c = new PeerProcess(Peer, $"recv {Netns.RecvIf} {name} {Hex(signer.Pk)} {Token.Read} 3 20");
        Assert.Equal("READY", c.NextLine());
        var (cctx, capture, _) = Endpoints.Open(Netns.RecvIf, name, join: true, Wire);
        using (cctx)
        {
            byte[] other = CToken(signer.Sk, bearer.Pk, "other", Token.Read, 0);
            var (code, _, err) = CPeer.Run(Peer, $"send {Netns.SendIf} {name} {Hex(other)} {Hex(bearer.Sk)} {Hex(Encoding.UTF8.GetBytes("x"))}", null, 10_000);
            Assert.True(code == 0, err);
            var m = new Message(65536);
            Assert.Equal(ReceiveResult.Ok, capture.Receive(m, 5000));
            byte[] d = m.Buffer.AsSpan(m.Offset, m.Length).ToArray();
            var (actx, _, attacker) = Endpoints.Open(Netns.SendIf, name, join: false, Wire);
            using (actx)
            {
                attacker.Send(d, 0, d.Length);
                Thread.Sleep(20);
                attacker.Send(d, 0, d.Length);
            }
            for (int i = 0; i < 3; i++) Assert.Equal("len=1 data=78", c.NextLine());
            Assert.Equal(0, c.WaitForExit());
        }
    }

    // A restricted SYMM channel between two of ours: the receiver keyed, filtering on a fresh
    // signer (WRITE) and joined; the sender keyed and holding that signer's token for a fresh bearer.
    private (Context R, Librecast.Socket RSock, Channel RChan, Context S, Librecast.Socket SSock, Channel SChan) RestrictedSymmPair(string name)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        var signer = CKeypair();
        var bearer = CKeypair();
        var ring = new Keyring();
        ring.Add(signer.Pk, 0);
        var (rctx, rsock, rchan) = Endpoints.Open(Netns.RecvIf, name, join: false, Wire);
        var (sctx, ssock, schan) = Endpoints.Open(Netns.SendIf, name, join: false, Wire);
        rchan.SetKey(key);
        rchan.TokenFilter = new TokenFilter(ring, Token.Write);
        rchan.Join();
        schan.SetKey(key);
        schan.SetToken(CToken(signer.Sk, bearer.Pk, name, Token.Write, 60), 0, Seed(bearer.Sk), 0);
        return (rctx, rsock, rchan, sctx, ssock, schan);
    }

    [Fact]
    public void A_Restricted_Symm_Channel_Seals_The_Frame_And_Signs_The_Box_Both_Ways_Between_Ours()
    {
        // Token ‖ SYMM box ‖ signature: the token stays in clear, the box opens after the filter.
        Netns.Require();
        var (rctx, rsock, _, sctx, _, schan) = RestrictedSymmPair(UniqueChannel("symm"));
        using (rctx)
        using (sctx)
        {
            byte[] payload = Encoding.UTF8.GetBytes("sealed and signed");
            int sent = schan.SendMessage(payload, 0, payload.Length);
            Assert.Equal(Token.Size + Frame.HeaderSize + payload.Length + SecretBox.Overhead + 64, sent);
            var m = new Message(65536);
            Assert.Equal(ReceiveResult.Ok, rsock.ReceiveMessage(m, 5000));
            Assert.Equal("sealed and signed", Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            Assert.Equal(1UL, m.Header.Sequence);
        }
    }

    [Fact]
    public void A_Restricted_Symm_Channel_Through_The_Publisher_Opens_At_Ours_In_Order()
    {
        // The same through a publishing socket: sealed and signed in the send ring, sent in batches.
        Netns.Require();
        var (rctx, rsock, rchan, sctx, ssock, schan) = RestrictedSymmPair(UniqueChannel("symm-ring"));
        using (rctx)
        using (sctx)
        {
            ssock.StartPublisher(new PublisherOptions());
            byte[] payload = Encoding.UTF8.GetBytes("sealed and signed in the ring");
            for (int i = 0; i < 5; i++)
                Assert.Equal(Token.Size + Frame.HeaderSize + payload.Length + SecretBox.Overhead + 64, schan.SendMessage(payload, 0, payload.Length));
            var m = new Message(65536);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(ReceiveResult.Ok, rsock.ReceiveMessage(m, 5000));
                Assert.Equal("sealed and signed in the ring", Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
                Assert.Equal((ulong)i + 1, m.Header.Sequence);
            }
            Assert.Equal(5, rchan.TokenFilter!.Count(TokenVerdict.Accepted));
        }
    }

    // ---- pure checks (no network) ----------------------------------------------------------------

    [Fact]
    public void The_Filter_Refuses_Short_Datagrams_A_Wrong_Version_And_A_Sealer_For_Another_Bearer()
    {
        var signer = CKeypair();
        var bearer = CKeypair();
        var ring = new Keyring();
        ring.Add(signer.Pk, 0);
        var filter = new TokenFilter(ring, 0);
        byte[] hash = HashOf("bench");
        Assert.Equal(TokenVerdict.TooShort, filter.Check(new byte[191], 0, 191, hash, 0, Now()));
        // Version 0x01, signed as such by a key on the ring: librecast does not look; we refuse it unless strict.
        byte[] t = OurToken(signer.Sk, bearer.Pk, "bench", 0, 0);
        t[0] = 0x01;
        new Ed25519().Sign(Seed(signer.Sk), 0, signer.Pk, 0, t, 0, 64, t, 64);
        var d = new byte[TokenFilter.Overhead + 1];
        new TokenSealer(t, 0, Seed(bearer.Sk), 0).Seal(new byte[] { 7 }, 0, 1, d, 0);
        Assert.Equal(TokenVerdict.WrongVersion, filter.Check(d, 0, d.Length, hash, 0, Now()));
        filter.Strict = true;
        Assert.Equal(TokenVerdict.Accepted, filter.Check(d, 0, d.Length, hash, 0, Now()));
        Assert.Throws<ArgumentException>(() => new TokenSealer(t, 0, Seed(signer.Sk), 0));
        Assert.Equal(2, filter.Rejected);
    }

    [Fact]
    public void Sealing_And_Checking_Allocate_Nothing_Per_Datagram()
    {
        var signer = CKeypair();
        var bearer = CKeypair();
        var ring = new Keyring();
        ring.Add(signer.Pk, 0);
        var filter = new TokenFilter(ring, Token.Read);
        byte[] t = OurToken(signer.Sk, bearer.Pk, "bench", Token.Read, 0);
        var sealer = new TokenSealer(t, 0, Seed(bearer.Sk), 0);
        byte[] hash = HashOf("bench");
        var inner = new byte[64];
        var d = new byte[64 + TokenFilter.Overhead];
        sealer.Seal(inner, 0, inner.Length, d, 0); // warm up
        int accepted = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            inner[0] = (byte)i;
            sealer.Seal(inner, 0, inner.Length, d, 0);
            if (filter.Check(d, 0, d.Length, hash, 0, 1) == TokenVerdict.Accepted) accepted++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(50, accepted);
        Assert.Equal(0, allocated);
    }
}

/// <summary>
/// Restricted channels from the shell: lc key, lc token, lc send --token --key and lc listen
/// --keyring against the real librecast 0.11.2 and against lcagent 0.1.0 (Debian sid; its FEC +
/// OTI + token traffic), and every bad key or token file refused in one line.
/// </summary>
[Collection(NetworkCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class RestrictedCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lc-tokens-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string F(string name) => Path.Combine(dir, name);

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static string Ok(string args)
    {
        var (code, stdout, err) = Lc.Run(args);
        Assert.True(code == 0, $"lc {args}: exit {code}: {err}");
        return stdout.Trim();
    }

    private static string Refused(string args)
    {
        var (code, stdout, err) = Lc.Run(args);
        Assert.True(code == 2, $"lc {args}: exit {code}, 2 wanted: {err}");
        Assert.Equal("", stdout);
        Assert.Single(err.Trim().Split('\n'));
        return err.Trim();
    }

    // lcagent 0.1.0 from Debian sid (tests/peers/fetch-librecast): it needs GLIBC 2.38, so it runs
    // under sid's libc's own loader, with librecast 0.11.2's libraries; HOME holds its keys.
    private static string Lcagent(string home, string args)
    {
        string prefix = Path.Combine(Path.GetDirectoryName(CPeer.Prefix(WireProfile.V0_11))!, "lcagent-0.1.0");
        string lib = Path.Combine(prefix, "usr/lib/x86_64-linux-gnu");
        if (!File.Exists(Path.Combine(prefix, "usr/bin/lcagent")))
            throw new InvalidOperationException($"lcagent is not in {prefix}: run tests/peers/fetch-librecast (tools/setup runs it)");
        string lib011 = Path.Combine(CPeer.Prefix(WireProfile.V0_11), "usr/lib/x86_64-linux-gnu");
        return $"HOME={home} {lib}/ld-linux-x86-64.so.2 --library-path {lib}:{lib011} {prefix}/usr/bin/lcagent {args}";
    }

    private (int Code, string Out, string Err) RunLcagent(string home, string args) => CPeer.Run("env", Lcagent(home, args), null, 30_000);

    [Fact]
    public void Key_New_Writes_An_Owner_Only_Seed_Whose_Public_Key_Libsodium_Derives()
    {
        string pk = Ok($"key new {F("a.key")}");
        Assert.Matches("^[0-9a-f]{64}$", pk);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(F("a.key")));
        byte[] seed = File.ReadAllBytes(F("a.key"));
        Assert.Equal(32, seed.Length);
        Assert.Equal(pk, Ok($"key pub {F("a.key")}"));
        // libsodium's crypto_sign_seed_keypair (tests/peers/sodium.c, "edsign SEED MSG" -> "PK SIG") derives the same public key.
        var (code, stdout, err) = CPeer.Run(CPeer.Build("sodium"), "", $"edsign {Hex(seed)} -\n", 10_000);
        Assert.True(code == 0, "sodium peer failed: " + err);
        Assert.Equal(pk, stdout.Trim().Split(' ')[0]);
    }

    [Fact]
    public void Every_Bad_Key_Or_Token_File_Is_One_Line_And_Exit_2_Without_The_Secret()
    {
        string site = Ok($"key new {F("site.key")}"), node = Ok($"key new {F("node.key")}");
        string seedHex = Hex(File.ReadAllBytes(F("site.key")));
        var lines = new List<string>
        {
            Refused($"key new {F("site.key")}"),                                           // never overwritten
            Refused($"key pub {F("missing.key")}"),
        };
        File.SetUnixFileMode(F("site.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string open = Refused($"key pub {F("site.key")}");
        Assert.Contains("open to other users (mode 0640); a signing key must be readable by its owner only", open);
        File.SetUnixFileMode(F("site.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(F("short.key"), new byte[31]);
        File.SetUnixFileMode(F("short.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("is 31 bytes; a signing key is exactly 32 random bytes", Refused($"key pub {F("short.key")}"));
        Assert.Contains("neither 64 hex digits nor a file", Refused($"token issue --signer {F("site.key")} --bearer abcd --channel c --valid 1h -o {F("t")}"));
        Assert.Contains("--valid must be a lifetime", Refused($"token issue --signer {F("site.key")} --bearer {node} --channel c --valid 0 -o {F("t")}"));
        Assert.Contains("--cap must be 0..255 or a list of exec,write,read", Refused($"token issue --signer {F("site.key")} --bearer {node} --channel c --cap admin --valid 1h -o {F("t")}"));

        Ok($"token issue --signer {F("site.key")} --bearer {node} --channel c --cap write --valid 1h -o {F("node.token")}");
        Ok($"token issue --signer {F("site.key")} --bearer {node} --channel c --cap write --valid 1 -o {F("soon.token")}");
        Assert.Equal(128, new FileInfo(F("node.token")).Length);
        File.WriteAllBytes(F("cut.token"), File.ReadAllBytes(F("node.token"))[..100]);
        Assert.Contains("is 100 bytes; a librecast token is exactly 128", Refused($"send --token {F("cut.token")} --key {F("node.key")} c hi"));
        byte[] v1 = File.ReadAllBytes(F("node.token"));
        v1[0] = 1;
        File.WriteAllBytes(F("v1.token"), v1);
        Assert.Contains("not a librecast 0.11 token (version byte 0x01", Refused($"send --token {F("v1.token")} --key {F("node.key")} c hi"));
        Assert.Contains("was issued for another channel, not 'd'", Refused($"send --token {F("node.token")} --key {F("node.key")} d hi"));
        Assert.Contains($"is for bearer key {node}, but --key", Refused($"send --token {F("node.token")} --key {F("site.key")} c hi"));
        Assert.Contains("--token needs the bearer's secret key", Refused($"send --token {F("node.token")} c hi"));
        Assert.Contains("not flood mode", Refused($"send --token {F("node.token")} --key {F("node.key")} --count 5 c hi"));
        Thread.Sleep(2200);
        Assert.Matches("token file '.*soon.token' expired at [0-9T:-]+Z", Refused($"send --token {F("soon.token")} --key {F("node.key")} c hi"));

        Assert.Contains("does not exist", Refused($"listen --keyring {F("nowhere")} c"));
        Directory.CreateDirectory(F("empty"));
        Assert.Contains("holds no public key", Refused($"listen --keyring {F("empty")} c"));
        File.WriteAllText(F("ring"), $"# site\n{site}\nnot-a-key\n");
        Assert.Contains("ring' line 3: not a public key", Refused($"listen --keyring {F("ring")} c"));
        Assert.Contains("add --keyring", Refused("listen --strict c"));
        foreach (string line in lines) Assert.StartsWith("lc: ", line);
        foreach (var (_, _, err) in new[] { Lc.Run($"key pub {F("site.key")}"), Lc.Run($"token show {F("node.token")}") })
            Assert.DoesNotContain(seedHex, err);
        Assert.DoesNotContain(seedHex, Ok($"token show {F("node.token")}"));
    }

    [Fact]
    public void Lc_Send_With_A_Token_Reaches_Librecast_And_Lc_Listen_Prints_Only_What_Passes()
    {
        Netns.Require();
        string ch = $"token/cli/{Guid.NewGuid():N}";
        string site = Ok($"key new {F("site.key")}"), node = Ok($"key new {F("node.key")}");
        Ok($"key new {F("stranger.key")}");
        string stranger = Ok($"key pub {F("stranger.key")}");
        Ok($"token issue --signer {F("site.key")} --bearer {node} --channel {ch} --cap exec,write --valid 1h -o {F("node.token")}");
        Ok($"token issue --signer {F("stranger.key")} --bearer {stranger} --channel {ch} --cap write --valid never -o {F("stranger.token")}");
        File.WriteAllText(F("site.pub"), site + "\n");

        using var c = new PeerProcess(CPeer.Build("lctoken", WireProfile.V0_11), $"recv {Netns.RecvIf} {ch} {site} {Token.Write} 1 30");
        Assert.Equal("READY", c.NextLine());
        using var listen = Lc.Start($"listen -i {Netns.RecvIf} --keyring {F("site.pub")} --cap write -v -n 1 -t 30 {ch}");
        listen.WaitForStderr("lc: listening on");
        Ok($"send -i {Netns.SendIf} --token {F("stranger.token")} --key {F("stranger.key")} {ch} intruder");
        Ok($"send -i {Netns.SendIf} --token {F("node.token")} --key {F("node.key")} {ch} hello");

        Assert.Equal("hello", listen.NextLine());
        Assert.Equal(0, listen.WaitForExit());
        Assert.Contains("token signed by a key not on the keyring", listen.Stderr);
        Assert.Contains("lc: restricted accepted=1 too_short=0 unknown_signer=1 bad_token_signature=0 bad_signature=0 missing_capability=0 expired=0", listen.Stderr);
        string line = c.NextLine(); // the frame lc_msg_send would have sent: 33-byte header, then "hello"
        Assert.StartsWith($"len={Frame.HeaderSize + 5} data=", line);
        Assert.EndsWith(Hex(Encoding.UTF8.GetBytes("hello")), line);
        Assert.Equal(0, c.WaitForExit());
    }

    [Fact]
    public void Lcagent_Traffic_Passes_Lc_Listen_With_Its_Key_And_A_Stranger_Lcagent_Does_Not()
    {
        Netns.Require();
        string ch = $"agent/{Guid.NewGuid():N}";
        string home = F("agent"), strangerHome = F("stranger");
        var (code, whoami, err) = RunLcagent(home, "whoami");
        Assert.True(code == 0, "lcagent whoami: " + err);
        Assert.Matches("^[0-9a-f]{128}$", whoami.Trim());
        Assert.Equal(0, RunLcagent(strangerHome, "whoami").Code);
        File.WriteAllText(F("agents"), whoami); // lcagent's own form: the signing key is its second half

        using var listen = Lc.Start($"listen -i {Netns.RecvIf} --fec-rq --keyring {F("agents")} --output {F("obj")} -t 30 {ch}");
        listen.WaitForStderr("lc: listening for an object");
        var sent = RunLcagent(strangerHome, $"send {ch} intruder");
        Assert.True(sent.Code == 0, "lcagent send: " + sent.Err);
        Thread.Sleep(300);
        sent = RunLcagent(home, $"send {ch} \"hello from lcagent\"");
        Assert.True(sent.Code == 0, "lcagent send: " + sent.Err);
        Assert.Equal(0, listen.WaitForExit(30_000));
        byte[] obj = File.ReadAllBytes(F("obj"));
        // lcagent's object: 01 ‖ 8-byte timestamp ‖ the data (shared/WIRE-0.11.md section 10).
        Assert.Equal(1, obj[0]);
        Assert.Equal("hello from lcagent", Encoding.UTF8.GetString(obj, 9, obj.Length - 9));
        Assert.Matches("lc: restricted accepted=[1-9][0-9]* too_short=0 unknown_signer=[1-9][0-9]* bad_token_signature=0 bad_signature=0 missing_capability=0 expired=0", listen.Stderr);
    }

    [Fact]
    public void Lc_Send_Fec_With_A_Delegated_Token_Is_Received_By_Lcagent_And_A_Strangers_Is_Not()
    {
        Netns.Require();
        string ch = $"agent/{Guid.NewGuid():N}";
        string home = F("agent");
        string site = Ok($"key new {F("site.key")}"), node = Ok($"key new {F("node.key")}");
        string stranger = Ok($"key new {F("stranger.key")}");
        // lcagent's authorized_keys holds its 128-digit form: the signing key is the second half.
        var added = RunLcagent(home, "key add " + new string('0', 64) + site);
        Assert.True(added.Code == 0, "lcagent key add: " + added.Err);
        Ok($"token issue --signer {F("site.key")} --bearer {node} --channel {ch} --valid 1h -o {F("node.token")}");
        Ok($"token issue --signer {F("stranger.key")} --bearer {stranger} --channel {ch} --valid 1h -o {F("stranger.token")}");
        // lcagent's object: 01 ‖ 8-byte big-endian nanosecond timestamp ‖ data.
        void Object(string file, string text)
        {
            var o = new byte[9 + text.Length];
            o[0] = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(o.AsSpan(1), (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
            Encoding.UTF8.GetBytes(text).CopyTo(o, 9);
            File.WriteAllBytes(file, o);
        }
        Object(F("bad.obj"), "intruder");
        Object(F("good.obj"), "hello from lc");

        using var agent = new PeerProcess("env", Lcagent(home, $"-v recv {ch}"));
        agent.WaitForStderr("filter with 1 keys loaded");
        Thread.Sleep(500); // it joins after loading the filter
        Ok($"send -i {Netns.SendIf} --fec-rq --oti --file {F("bad.obj")} --token {F("stranger.token")} --key {F("stranger.key")} {ch}");
        Ok($"send -i {Netns.SendIf} --fec-rq --oti --file {F("good.obj")} --token {F("node.token")} --key {F("node.key")} {ch}");
        Assert.Equal(0, agent.WaitForExit(30_000));
        Assert.Equal("hello from lc", agent.NextLine());
    }
}
