using System;
using Librecast;
using Librecast.Fec;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// Receiving small objects on the ESP32: our RaptorQ decoder recovers objects of 600 B to 32 KB
    /// in nanoCLR from a mix of source and repair symbols that liblcrq produced (Vectors.g.cs:
    /// the ESIs, the BLAKE3 of liblcrq's symbols, and for the smallest the symbols themselves),
    /// and prints the decoder's memory (the sum of its arrays) and the time it took.
    /// </summary>
    [TestClass]
    public class RaptorQCases
    {
        /// <summary>Symbols a decoder keeps beyond K per block on the node (a set of K + 4 that does not decode is about 1 in 10^10).</summary>
        public const int Extra = 4;

        [TestMethod]
        public void Decodes_600_Bytes_From_Liblcrq_Symbols_At_T64() { Run(0); }

        [TestMethod]
        public void Decodes_3000_Bytes_From_One_Source_And_Three_Repair_Symbols() { Run(1); }

        [TestMethod]
        public void Decodes_16_KiB_At_T512_With_A_Quarter_Of_The_Source_Lost() { Run(2); }

        [TestMethod]
        public void Decodes_32_KiB_At_T1024_With_Half_The_Source_Lost() { Run(3); }

        [TestMethod]
        public void Decodes_32_KiB_At_T256_K128() { Run(4); }

        [TestMethod]
        public void Decodes_24_KiB_From_Repair_Symbols_Only() { Run(5); }

        [TestMethod]
        public void Encodes_Blocks_Of_One_K_From_One_Plan_As_Each_Alone()
        {
            // 4 blocks of K 20 (T 16): the encoder solves K' 20's matrix once into a plan and
            // replays it per block; every symbol must be what an encoder of that block alone
            // (solved directly) gives.
            int t = 16, f = 80 * t - 5;
            Oti oti = Oti.ForBlocks(f, t, 20);
            Assert.AreEqual(4, oti.Z, "blocks");
            byte[] data = Data(f);
            ObjectEncoder enc = new ObjectEncoder(oti, data, 0);
            SolvePlan? plan = enc.Plan(0);
            Assert.IsTrue(plan != null, "block 0 has a plan");
            byte[] a = new byte[t];
            byte[] b = new byte[t];
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                ObjectEncoder alone = new ObjectEncoder(Oti.ForBlocks(oti.BlockBytes(sbn), t, 20), data, (int)oti.BlockStart(sbn));
                Assert.IsTrue(alone.Plan(0) == null, "one block: solved directly");
                for (int esi = 0; esi < 30; esi++)
                {
                    enc.Symbol(sbn, esi, a, 0);
                    alone.Symbol(0, esi, b, 0);
                    for (int i = 0; i < t; i++) Assert.AreEqual(b[i], a[i], "block " + sbn + " ESI " + esi + " byte " + i);
                }
            }
            OutputHelper.WriteLine("fec: " + oti.Z + " blocks of K' " + plan!.KPrime + " from one plan of " + plan.Operations + " symbol operations");
        }

        /// <summary>The case's object: byte i is (i * 7 + i / 251) mod 256 (as NanoVectorTests gave liblcrq).</summary>
        public static byte[] Data(int f)
        {
            byte[] b = new byte[f];
            for (int i = 0; i < f; i++) b[i] = (byte)((i * 7 + i / 251) & 0xff);
            return b;
        }

        private static int[] Esis(string list)
        {
            string[] parts = list.Split(' ');
            int[] esis = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++) esis[i] = int.Parse(parts[i]);
            return esis;
        }

        private static long Ms(long ticks) { return ticks / TimeSpan.TicksPerMillisecond; }

        private static void Run(int c)
        {
            int f = Vectors.FecF[c], t = Vectors.FecT[c];
            string what = "F " + f + ", T " + t;
            Oti oti = Oti.ForLibrecast(f, t);
            Assert.AreEqual(1, oti.Z, what + ": one source block");
            int k = oti.KL;
            int[] esis = Esis(Vectors.FecEsis[c]);
            int n = esis.Length;
            int sources = 0;
            for (int i = 0; i < n; i++) if (esis[i] < k) sources++;

            // The symbols liblcrq sent: its own bytes where the vectors carry them, else ours,
            // which must have liblcrq's BLAKE3.
            byte[] symbols;
            long encodeTicks = 0;
            if (Vectors.FecSymbols[c].Length > 0)
            {
                symbols = Hex.Bytes(Vectors.FecSymbols[c]);
            }
            else
            {
                long e0 = DateTime.UtcNow.Ticks;
                ObjectEncoder enc = new ObjectEncoder(oti, Data(f), 0);
                symbols = new byte[n * t];
                for (int i = 0; i < n; i++) enc.Symbol(0, esis[i], symbols, i * t);
                encodeTicks = DateTime.UtcNow.Ticks - e0;
            }
            Assert.AreEqual(Vectors.FecSymbolsBlake3[c], Digest(symbols), what + ": the symbols are liblcrq's (BLAKE3)");

            long d0 = DateTime.UtcNow.Ticks;
            ObjectDecoder dec = new ObjectDecoder(oti, Extra);
            long d1 = DateTime.UtcNow.Ticks;
            int completedAt = -1;
            for (int i = 0; i < n && completedAt < 0; i++)
                if (dec.Add(0, esis[i], symbols, i * t)) completedAt = i + 1;
            long d2 = DateTime.UtcNow.Ticks;
            Assert.IsTrue(dec.Complete, what + ": decoded from " + sources + " source + " + (n - sources) + " repair symbols (K " + k + ")");
            Assert.IsTrue(completedAt >= k, what + ": completed at symbol " + completedAt + ", not before K " + k);

            byte[] want = Data(f);
            byte[] got = dec.Result;
            Assert.AreEqual(f, got.Length, what + ": object length");
            int bad = -1;
            for (int i = 0; i < f && bad < 0; i++) if (got[i] != want[i]) bad = i;
            Assert.AreEqual(-1, bad, what + ": first wrong byte of the decoded object");

            long bytes = dec.ArrayBytes;
            long store = BlockDecoder.ArrayBytesFor(k, t, Extra), solver = Solver.WorkingBytesFor(k, Extra);
            Assert.AreEqual((int)ObjectDecoder.MemoryBytes(oti, Extra), (int)bytes, what + ": MemoryBytes says what the decoder allocates");
            OutputHelper.WriteLine("fec: " + what + " (K " + k + ", K' " + new SourceBlock(k).KPrime + "): decoded after " + completedAt + " of " + sources + " source + "
                + (n - sources) + " repair symbols; decoder arrays " + bytes + " bytes (object " + f + ", symbol store "
                + store + ", solver " + solver + (bytes - f - store - solver > 0 ? ", block buffer " + (bytes - f - store - solver) : "")
                + "); new " + Ms(d1 - d0)
                + " ms, add+decode " + Ms(d2 - d1) + " ms" + (encodeTicks > 0 ? ", our encode of the " + n + " symbols " + Ms(encodeTicks) + " ms" : ""));
        }

        private static string Digest(byte[] b)
        {
            byte[] d = new byte[32];
            Blake3Hasher.Hash(b, 0, b.Length, d, 0);
            return Hex.Of(d);
        }
    }
}
