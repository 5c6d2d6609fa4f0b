using System;
using Librecast;
using Librecast.Crypto;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// What a restricted channel costs the node, in the runtime that runs on the ESP32 (issue 21
    /// part 5; docs/security.md "On the ESP32"): signing one telemetry datagram (SHA-512 of token
    /// and reading, then Ed25519ph), verifying a token (pure Ed25519 over its 64 bytes) and
    /// verifying a datagram (SHA-512, then Ed25519ph). The sizes are the node's: a 128-byte token
    /// and a 60-byte SenML reading. Each operation runs Rounds times, each result is checked, and
    /// the mean time per operation is printed as "ed25519: ..." (tests/nano/run repeats those lines).
    /// </summary>
    [TestClass]
    public class SigningCostCases
    {
        private const int Rounds = 3;
        private const int TokenSize = 128, ReadingSize = 60;

        [TestMethod]
        public void Sign_And_Verify_A_Reading_And_A_Token_Timed()
        {
            Ed25519 ed = new Ed25519();
            Sha512 sha = new Sha512();
            byte[] signerSeed = new byte[32], bearerSeed = new byte[32];
            for (int i = 0; i < 32; i++) { signerSeed[i] = (byte)(i * 7 + 1); bearerSeed[i] = (byte)(i * 13 + 5); }
            byte[] signerPk = new byte[32], bearerPk = new byte[32];
            ed.PublicKey(signerSeed, 0, signerPk, 0);
            long k0 = DateTime.UtcNow.Ticks;
            ed.PublicKey(bearerSeed, 0, bearerPk, 0);
            long keyTicks = DateTime.UtcNow.Ticks - k0;

            // token + reading + signature, as TokenSealer lays a datagram out.
            byte[] packet = new byte[TokenSize + ReadingSize + 64];
            for (int i = 0; i < TokenSize + ReadingSize; i++) packet[i] = (byte)(i * 31 + 3);
            byte[] digest = new byte[64];

            // The token's own signature: pure Ed25519 over its first 64 bytes, by the signer.
            ed.Sign(signerSeed, 0, signerPk, 0, packet, 0, 64, packet, 64);

            long t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < Rounds; r++)
            {
                packet[TokenSize] = (byte)r; // another reading each round
                sha.Reset();
                sha.Update(packet, 0, TokenSize + ReadingSize);
                sha.Finish(digest, 0);
                ed.SignPrehashed(bearerSeed, 0, bearerPk, 0, digest, 0, packet, TokenSize + ReadingSize);
            }
            long signTicks = (DateTime.UtcNow.Ticks - t0) / Rounds;

            t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < Rounds; r++)
                Assert.IsTrue(ed.Verify(signerPk, 0, packet, 0, 64, packet, 64), "token signature refused");
            long tokenTicks = (DateTime.UtcNow.Ticks - t0) / Rounds;

            t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < Rounds; r++)
            {
                sha.Reset();
                sha.Update(packet, 0, TokenSize + ReadingSize);
                sha.Finish(digest, 0);
                Assert.IsTrue(ed.VerifyPrehashed(bearerPk, 0, digest, 0, packet, TokenSize + ReadingSize), "datagram signature refused");
            }
            long verifyTicks = (DateTime.UtcNow.Ticks - t0) / Rounds;

            packet[TokenSize + 1] ^= 1;
            sha.Reset();
            sha.Update(packet, 0, TokenSize + ReadingSize);
            sha.Finish(digest, 0);
            Assert.IsFalse(ed.VerifyPrehashed(bearerPk, 0, digest, 0, packet, TokenSize + ReadingSize), "a changed reading verified");

            OutputHelper.WriteLine("ed25519: public key from seed " + Ms(keyTicks) + " ms");
            OutputHelper.WriteLine("ed25519: sign a datagram (SHA-512 of 188 B + Ed25519ph) " + Ms(signTicks) + " ms");
            OutputHelper.WriteLine("ed25519: verify a token (Ed25519 of 64 B) " + Ms(tokenTicks) + " ms");
            OutputHelper.WriteLine("ed25519: verify a datagram (SHA-512 of 188 B + Ed25519ph) " + Ms(verifyTicks) + " ms");
        }

        /// <summary>
        /// The node's cheaper telemetry mode: its reading sealed (XSalsa20-Poly1305, SYMM) with its
        /// own key, derived from the site master with BLAKE3's derive_key (lcgw does that; the node
        /// only holds the result), against the same reading signed (token + Ed25519ph), both through
        /// the channel's send path as the node sends. Printed as "node key: ..." lines.
        /// </summary>
        [TestMethod]
        public void Seal_A_Reading_With_The_Node_Key_Against_Signing_It_Timed()
        {
            byte[] master = new byte[32];
            for (int i = 0; i < 32; i++) master[i] = (byte)(i * 3 + 7);
            byte[] nodeKey = new byte[32], other = new byte[32];
            const int DeriveRounds = 20;
            long t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < DeriveRounds; r++) Librecast.Security.NodeKey.Derive(master, 0, "site1", "kitchen", nodeKey, 0);
            long deriveTicks = (DateTime.UtcNow.Ticks - t0) / DeriveRounds;
            Librecast.Security.NodeKey.Derive(master, 0, "site1", "hall", other, 0);
            Assert.IsFalse(Hex.Of(nodeKey) == Hex.Of(other), "two nodes got one key");

            byte[] reading = new byte[ReadingSize];
            for (int i = 0; i < ReadingSize; i++) reading[i] = (byte)('a' + i % 26);
            MemoryWire wire = new MemoryWire();
            Context ctx = new Context(wire);
            Socket socket = ctx.CreateSocket();
            Channel keyed = ctx.CreateChannel("site1/kitchen/telemetry", WireProfile.V0_11);
            socket.Bind(keyed);
            keyed.SetKey(nodeKey);
            const int SealRounds = 200;
            t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < SealRounds; r++) keyed.SendMessage(reading, 0, ReadingSize);
            long sealTicks = (DateTime.UtcNow.Ticks - t0) / SealRounds;
            Assert.AreEqual(SealRounds, wire.SentCount, "sealed readings sent");

            // The same reading signed instead (what bearer_key + token make the node do).
            Ed25519 ed = new Ed25519();
            byte[] seed = new byte[32], pk = new byte[32], hash = new byte[32], token = new byte[128];
            for (int i = 0; i < 32; i++) seed[i] = (byte)(i + 1);
            ed.PublicKey(seed, 0, pk, 0);
            Channel signedChannel = ctx.CreateChannel("site1/hall/telemetry", WireProfile.V0_11);
            socket.Bind(signedChannel);
            signedChannel.CopyHashTo(hash, 0);
            Librecast.Security.Token.Issue(ed, seed, 0, pk, 0, pk, 0, hash, 0, Librecast.Security.Token.Write, 0, token, 0);
            signedChannel.SetToken(token, 0, seed, 0);
            t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < Rounds; r++) signedChannel.SendMessage(reading, 0, ReadingSize);
            long signTicks = (DateTime.UtcNow.Ticks - t0) / Rounds;
            Assert.AreEqual(SealRounds + Rounds, wire.SentCount, "signed readings sent");

            OutputHelper.WriteLine("node key: derive a node's key (BLAKE3 derive_key, once, on the gateway; mean of " + DeriveRounds + ") " + (deriveTicks / 10).ToString() + " us");
            OutputHelper.WriteLine("node key: send a 60 B reading sealed with the node key (frame + XSalsa20-Poly1305; mean of " + SealRounds + ") " + (sealTicks / 10).ToString() + " us");
            OutputHelper.WriteLine("node key: send a 60 B reading signed (frame + token + Ed25519ph) " + Ms(signTicks) + " ms");
        }

        private static string Ms(long ticks) { return (ticks / TimeSpan.TicksPerMillisecond).ToString() + "." + ((ticks / (TimeSpan.TicksPerMillisecond / 10)) % 10).ToString(); }
    }
}
