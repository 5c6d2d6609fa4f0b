using Librecast;
using Librecast.Crypto;
using Librecast.Security;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// Restricted channels (librecast 0.11's signed tokens) in the runtime that runs on the ESP32:
    /// a token issued here is the one librecast 0.11.2's lc_token_new makes from the same keys
    /// (RestrictedChannelTests.The_Nano_Cases_Token_Is_What_Lc_Token_New_Makes checks the constant
    /// against the C library); a channel with a token sends token ‖ frame ‖ Ed25519ph signature,
    /// and a channel with a filter takes it, refusing it altered, replayed or from an unknown signer.
    /// </summary>
    [TestClass]
    public class TokenCases
    {
        /// <summary>lc_token_new(signer = RFC 8032 TEST 1 key, bearer = TEST 2 key, channel "bench", capbits 5, valid 0).</summary>
        public const string BenchTokenFromLibrecast =
            "ff374bf98b3b8f7f41a9e291154fc505d75a980182b10ab700000000000000003d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c" +
            "5600a0dbd76a84b2df10852eabe913cbbfcf20a7e871fdb02fc36300ae3f327ba8d573a5eba5435f04c2eb178b8a3260fb89f27f21aa0224743eaa12dbe45506";

        private static readonly string SignerSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        private static readonly string BearerSeed = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";

        private static byte[] Issue()
        {
            Ed25519 ed = new Ed25519();
            byte[] seed = Hex.Bytes(SignerSeed), pk = new byte[32], bearerSeed = Hex.Bytes(BearerSeed), bearer = new byte[32];
            ed.PublicKey(seed, 0, pk, 0);
            ed.PublicKey(bearerSeed, 0, bearer, 0);
            byte[] name = new byte[] { (byte)'b', (byte)'e', (byte)'n', (byte)'c', (byte)'h' };
            byte[] hash = new byte[32];
            Blake3Hasher.Hash(name, 0, name.Length, hash, 0);
            byte[] token = new byte[Token.Size];
            Token.Issue(ed, seed, 0, pk, 0, bearer, 0, hash, 0, Token.Exec | Token.Read, 0, token, 0);
            return token;
        }

        [TestMethod]
        public void Issues_The_Token_Librecast_Issues()
        {
            Assert.AreEqual(BenchTokenFromLibrecast, Hex.Of(Issue()), "token");
        }

        [TestMethod]
        public void A_Channel_With_A_Token_Sends_What_A_Filtered_Channel_Takes()
        {
            byte[] token = Issue();
            MemoryWire wire = new MemoryWire();
            Context ctx = new Context(wire);
            Socket socket = ctx.CreateSocket();
            Channel channel = ctx.CreateChannel("bench", WireProfile.V0_11);
            socket.Bind(channel);
            channel.SetToken(token, 0, Hex.Bytes(BearerSeed), 0);
            byte[] payload = new byte[] { 0x68, 0x69 };
            int sent = channel.SendMessage(payload, 0, payload.Length);
            Assert.AreEqual(Token.Size + Frame.HeaderSize + 2 + 64, sent, "datagram size");
            byte[] d = wire.Sent[0];
            Assert.AreEqual(BenchTokenFromLibrecast, Hex.Of(d, 0, Token.Size), "the token leads the datagram, in clear");

            // The receiver: a channel with a filter trusting the signer, needing READ.
            Keyring ring = new Keyring();
            byte[] signerPk = new byte[32];
            new Ed25519().PublicKey(Hex.Bytes(SignerSeed), 0, signerPk, 0);
            ring.Add(signerPk, 0);
            MemoryWire rwire = new MemoryWire();
            Context rctx = new Context(rwire);
            Socket rsocket = rctx.CreateSocket();
            Channel rchannel = rctx.CreateChannel("bench", WireProfile.V0_11);
            rsocket.Bind(rchannel);
            TokenFilter filter = new TokenFilter(ring, Token.Read, 16);
            rchannel.TokenFilter = filter;
            Message m = new Message(1024);

            rwire.Inject(d);
            Assert.IsTrue(rsocket.ReceiveMessage(m, 0) == ReceiveResult.Ok, "genuine datagram refused: " + TokenFilter.NameOf(filter.LastVerdict));
            Assert.AreEqual("6869", Hex.Of(m.Buffer, m.PayloadOffset, m.PayloadLength), "payload");
            rwire.Inject(d);
            Assert.IsTrue(rsocket.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "replay taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.Replayed, "replay: " + TokenFilter.NameOf(filter.LastVerdict));
            byte[] altered = new byte[d.Length];
            for (int i = 0; i < d.Length; i++) altered[i] = d[i];
            altered[Token.Size + Frame.HeaderSize] ^= 1;
            rwire.Inject(altered);
            Assert.IsTrue(rsocket.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "altered payload taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.BadSignature, "altered: " + TokenFilter.NameOf(filter.LastVerdict));
            ring.Remove(signerPk, 0);
            rwire.Inject(d);
            Assert.IsTrue(rsocket.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "unknown signer taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.UnknownSigner, "unknown signer: " + TokenFilter.NameOf(filter.LastVerdict));
            Assert.AreEqual(1L, filter.Count(TokenVerdict.Accepted), "accepted");
            Assert.AreEqual(3L, filter.Rejected, "rejected");

            // A channel bound to another bearer (lcgw's config node): the genuine datagram is wrong_bearer.
            ring.Add(signerPk, 0);
            byte[] otherBearer = new byte[32];
            otherBearer[0] = 1;
            filter.RequireBearer(otherBearer, 0);
            rwire.Inject(d);
            Assert.IsTrue(rsocket.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "another bearer taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.WrongBearer, "wrong bearer: " + TokenFilter.NameOf(filter.LastVerdict));
        }

        [TestMethod]
        public void A_Channel_With_A_Token_Is_Signed_In_The_Publishers_Ring_As_Sent_Directly()
        {
            // Raw, so the bytes are deterministic (Ed25519): the direct path's datagram, then the
            // same datagram signed in place in the publisher's send ring.
            byte[] token = Issue();
            MemoryWire wire = new MemoryWire();
            Context ctx = new Context(wire);
            Socket direct = ctx.CreateSocket();
            Channel channel = ctx.CreateChannel("bench", WireProfile.V0_11);
            direct.Bind(channel);
            channel.SetToken(token, 0, Hex.Bytes(BearerSeed), 0);
            byte[] payload = new byte[] { 0x68, 0x69 };
            Assert.AreEqual(2 + TokenFilter.Overhead, channel.Send(payload, 0, 2), "direct");
            direct.Unbind(channel);
            Socket queued = ctx.CreateSocket();
            queued.Bind(channel);
            PublisherOptions options = new PublisherOptions();
            options.Capacity = 4;
            options.BufferSize = 512;
            options.StartThread = false;
            Publisher p = queued.StartPublisher(options);
            Assert.AreEqual(2 + TokenFilter.Overhead, channel.Send(payload, 0, 2), "queued");
            Assert.AreEqual(1, wire.SentCount, "only the direct one before the sender runs");
            while (p.DoWork() > 0) { }
            Assert.AreEqual(2, wire.SentCount, "sent");
            Assert.AreEqual(Hex.Of(wire.Sent[0]), Hex.Of(wire.Sent[1]), "the ring's datagram is the direct one");
        }

        // A clock that moves StepMs each time it is read: a check (read twice) "takes" StepMs.
        private sealed class SteppingClock : IPlatform
        {
            public const long StepMs = 1000;
            private long now = 5000;
            public ITransport OpenTransport() { throw new System.NotSupportedException(); }
            public ulong NowNanoseconds() { return 1795000000000000000UL; }
            public long MonotonicMilliseconds() { now += StepMs; return now; }
            public void FillRandom(byte[] buffer, int offset, int count) { }
        }

        /// <summary>
        /// The ESP32 node's command check (firmware SensorNode on a restricted site): a filter on its
        /// command channel trusting the site signer only, WRITE, a 16-signature replay memory and a
        /// 25% verification budget. The gateway's command is taken; the same token again is not
        /// verified again (the datagram's signature is); a forged command, another channel's token
        /// and a replay are refused; a flood is dropped unverified beyond the budget. Timed:
        /// "node: ..." lines.
        /// </summary>
        [TestMethod]
        public void The_Nodes_Command_Check_Takes_The_Signers_Command_Once_And_Bounds_A_Flood()
        {
            Ed25519 ed = new Ed25519();
            byte[] signerSeed = Hex.Bytes(SignerSeed), signerPk = new byte[32];
            ed.PublicKey(signerSeed, 0, signerPk, 0);
            MemoryWire wire = new MemoryWire();
            Context ctx = new Context(wire);
            Channel cmd = ctx.CreateChannel("site1/kitchen/cmd", WireProfile.V0_11);
            Channel other = ctx.CreateChannel("site1/hall/cmd", WireProfile.V0_11);
            Socket send = ctx.CreateSocket();
            send.Bind(cmd);
            send.Bind(other);
            byte[] hash = new byte[32], otherHash = new byte[32];
            cmd.CopyHashTo(hash, 0);
            other.CopyHashTo(otherHash, 0);
            // lcgw token NODE FILE --command: WRITE on SITE/NODE/cmd, issued to the signer itself.
            byte[] token = new byte[Token.Size], otherToken = new byte[Token.Size];
            Token.Issue(ed, signerSeed, 0, signerPk, 0, signerPk, 0, hash, 0, Token.Write, 0, token, 0);
            Token.Issue(ed, signerSeed, 0, signerPk, 0, signerPk, 0, otherHash, 0, Token.Write, 0, otherToken, 0);
            cmd.SetToken(token, 0, signerSeed, 0);
            byte[] text = new byte[] { (byte)'p', (byte)'u', (byte)'b', (byte)'l', (byte)'i', (byte)'s', (byte)'h' };
            cmd.SendMessage(text, 0, text.Length);
            cmd.SendMessage(text, 0, text.Length);
            other.SetToken(otherToken, 0, signerSeed, 0);
            other.SendMessage(text, 0, text.Length);

            // The node.
            MemoryWire nodeWire = new MemoryWire();
            Context node = new Context(nodeWire);
            Socket listen = node.CreateSocket();
            Channel commands = node.CreateChannel("site1/kitchen/cmd", WireProfile.V0_11);
            listen.Bind(commands);
            Keyring signers = new Keyring();
            signers.Add(signerPk, 0);
            TokenFilter filter = new TokenFilter(signers, Token.Write, 16);
            commands.TokenFilter = filter;
            Message m = new Message(256 + TokenFilter.Overhead);

            long t0 = System.DateTime.UtcNow.Ticks;
            nodeWire.Inject(wire.Sent[0]);
            Assert.IsTrue(listen.ReceiveMessage(m, 0) == ReceiveResult.Ok, "the signer's command refused: " + TokenFilter.NameOf(filter.LastVerdict));
            long first = System.DateTime.UtcNow.Ticks - t0;
            Assert.AreEqual("7075626c697368", Hex.Of(m.Buffer, m.PayloadOffset, m.PayloadLength), "command");
            t0 = System.DateTime.UtcNow.Ticks;
            nodeWire.Inject(wire.Sent[1]);
            Assert.IsTrue(listen.ReceiveMessage(m, 0) == ReceiveResult.Ok, "the second command refused: " + TokenFilter.NameOf(filter.LastVerdict));
            long again = System.DateTime.UtcNow.Ticks - t0;
            Assert.AreEqual(1, filter.TokenVerifications, "the same token verified again");
            Assert.AreEqual(2, filter.PacketVerifications, "datagram signatures verified");

            nodeWire.Inject(wire.Sent[1]);
            Assert.IsTrue(listen.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "a replayed command taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.Replayed, "replay: " + TokenFilter.NameOf(filter.LastVerdict));
            nodeWire.Inject(wire.Sent[2]);
            Assert.IsTrue(listen.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "another node's command taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.WrongChannel, "other channel: " + TokenFilter.NameOf(filter.LastVerdict));
            byte[] forged = Copy(wire.Sent[0]);
            forged[Token.Size + Frame.HeaderSize] = (byte)'P';
            nodeWire.Inject(forged);
            Assert.IsTrue(listen.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "a forged command taken");
            Assert.IsTrue(filter.LastVerdict == TokenVerdict.BadSignature, "forged: " + TokenFilter.NameOf(filter.LastVerdict));
            // Only the last good token is remembered: the other channel's token took its place.
            Assert.AreEqual(3, filter.TokenVerifications, "token verifications");

            // The budget: 25%, no burst. Each check "takes" 1 s on the stepping clock; the bucket
            // fills 250 ms per 1 s read, so 3 s of drops follow it (the node's own burst is 60 s).
            filter.Limiter = new VerifyLimiter(new SteppingClock(), 25, 0);
            int taken = 0, dropped = 0;
            for (int i = 0; i < 20; i++)
            {
                nodeWire.Inject(forged);
                Assert.IsTrue(listen.ReceiveMessage(m, 0) == ReceiveResult.Unauthorized, "a forged command taken in the flood");
                if (filter.LastVerdict == TokenVerdict.RateLimited) dropped++;
                else
                {
                    Assert.IsTrue(filter.LastVerdict == TokenVerdict.BadSignature, "flood: " + TokenFilter.NameOf(filter.LastVerdict));
                    taken++;
                }
            }
            // Clock reads: a check reads it twice (start, end), a drop once; a check at t blocks until t + 3 s.
            // 1 check, 3 drops, 1 check, ...: the 1st, 5th, ... 17th of 20 are verified (25%).
            Assert.AreEqual(5, taken, "forged commands verified in the flood");
            Assert.AreEqual(15, dropped, "forged commands dropped unverified");
            Assert.AreEqual(15L, filter.Count(TokenVerdict.RateLimited), "rate_limited counted");
            Assert.AreEqual(15, filter.Limiter.Refused, "refused by the limiter");

            OutputHelper.WriteLine("node: verify a command, first (token + datagram) " + Ms(first) + " ms; the same token again (datagram only) " + Ms(again) + " ms");
        }

        private static byte[] Copy(byte[] d)
        {
            byte[] c = new byte[d.Length];
            for (int i = 0; i < d.Length; i++) c[i] = d[i];
            return c;
        }

        private static string Ms(long ticks) { return (ticks / System.TimeSpan.TicksPerMillisecond).ToString(); }
    }
}
