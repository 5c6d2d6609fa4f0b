using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>BLAKE3 against the C implementation inside liblibrecast (tests/peers/b3.c), across chunk and tree boundaries.</summary>
    [TestClass]
    public class Blake3Cases
    {
        [TestMethod]
        public void Digests_Match_The_C_Blake3()
        {
            Blake3Hasher hasher = new Blake3Hasher();
            byte[] digest = new byte[32];
            for (int v = 0; v < Vectors.Blake3Lengths.Length; v++)
            {
                byte[] input = Input(Vectors.Blake3Lengths[v]);
                hasher.Reset();
                hasher.Update(input, 0, input.Length);
                hasher.Finish(digest, 0, 32);
                Assert.AreEqual(Vectors.Blake3Digests[v], Hex.Of(digest), "BLAKE3 of " + input.Length + " bytes");
            }
        }

        [TestMethod]
        public void Digests_Do_Not_Depend_On_How_The_Input_Is_Split()
        {
            Blake3Hasher hasher = new Blake3Hasher();
            byte[] digest = new byte[32];
            int[] steps = new int[] { 1, 7, 63, 64, 65, 1000 };
            for (int v = 0; v < Vectors.Blake3Lengths.Length; v++)
            {
                byte[] input = Input(Vectors.Blake3Lengths[v]);
                for (int s = 0; s < steps.Length; s++)
                {
                    hasher.Reset();
                    for (int at = 0; at < input.Length; at += steps[s])
                        hasher.Update(input, at, input.Length - at < steps[s] ? input.Length - at : steps[s]);
                    hasher.Finish(digest, 0, 32);
                    Assert.AreEqual(Vectors.Blake3Digests[v], Hex.Of(digest), "BLAKE3 of " + input.Length + " bytes fed " + steps[s] + " at a time");
                }
            }
        }

        // BLAKE3's official test vectors (BLAKE3-team/BLAKE3 test_vectors/test_vectors.json):
        // derive_key with the context "BLAKE3 2019-12-27 16:29:52 test vectors context" of the
        // input i mod 251, the first 32 bytes of each extended output; and their whole 131 bytes for length 0.
        private const string DeriveContext = "BLAKE3 2019-12-27 16:29:52 test vectors context";
        private static readonly int[] DeriveLengths = new int[] { 0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 4096, 5121, 7169 };
        private static readonly string[] DeriveKeys = new string[]
        {
            "2cc39783c223154fea8dfb7c1b1660f2ac2dcbd1c1de8277b0b0dd39b7e50d7d",
            "b3e2e340a117a499c6cf2398a19ee0d29cca2bb7404c73063382693bf66cb06c",
            "74a16c1c3d44368a86e1ca6df64be6a2f64cce8f09220787450722d85725dea5",
            "7356cd7720d5b66b6d0697eb3177d9f8d73a4a5c5e968896eb6a689684302706",
            "effaa245f065fbf82ac186839a249707c3bddf6d3fdda22d1b95a3c970379bcb",
            "7b2945cb4fef70885cc5d78a87bf6f6207dd901ff239201351ffac04e1088a23",
            "2ea477c5515cc3dd606512ee72bb3e0e758cfae7232826f35fb98ca1bcbdf273",
            "050df97f8c2ead654d9bb3ab8c9178edcd902a32f8495949feadcc1e0480c46b",
            "1e0d7f3db8c414c97c6307cbda6cd27ac3b030949da8e23be1a1a924ad2f25b9",
            "b07f01e518e702f7ccb44a267e9e112d403a7b3f4883a47ffbed4b48339b3c34",
            "554b0a5efea9ef183f2f9b931b7497995d9eb26f5c5c6dad2b97d62fc5ac31d9",
        };
        private const string DeriveKeyEmptyExtended =
            "2cc39783c223154fea8dfb7c1b1660f2ac2dcbd1c1de8277b0b0dd39b7e50d7d905630c8be290dfcf3e6842f13bddd573c098c3f17361f1f206b8cad9d088aa4" +
            "a3f746752c6b0ce6a83b0da81d59649257cdf8eb3e9f7d4998e41021fac119deefb896224ac99f860011f73609e6e0e4540f93b273e56547dfd3aa1a035ba6689d89a0";

        [TestMethod]
        public void Derive_Key_Matches_The_Official_Vectors()
        {
            byte[] key = new byte[32];
            for (int v = 0; v < DeriveLengths.Length; v++)
            {
                byte[] input = Input(DeriveLengths[v]);
                Blake3Hasher.DeriveKey(DeriveContext, input, 0, input.Length, key, 0, 32);
                Assert.AreEqual(DeriveKeys[v], Hex.Of(key), "derive_key of " + input.Length + " bytes");
            }
            byte[] extended = new byte[131];
            Blake3Hasher.DeriveKey(DeriveContext, new byte[0], 0, 0, extended, 0, extended.Length);
            Assert.AreEqual(DeriveKeyEmptyExtended, Hex.Of(extended), "derive_key extended output");
            // Fed in pieces, after a Reset, from a hasher made for the context.
            byte[] context = Librecast.Utf8.GetBytes(DeriveContext);
            Blake3Hasher h = Blake3Hasher.ForDeriveKey(context, 0, context.Length);
            byte[] big = Input(7169);
            h.Update(big, 0, 100);
            h.Reset();
            for (int at = 0; at < big.Length; at += 1000) h.Update(big, at, big.Length - at < 1000 ? big.Length - at : 1000);
            h.Finish(key, 0, 32);
            Assert.AreEqual(DeriveKeys[DeriveKeys.Length - 1], Hex.Of(key), "derive_key fed in pieces after a reset");
        }

        /// <summary>The BLAKE3 test vectors' input: byte i is i mod 251.</summary>
        public static byte[] Input(int length)
        {
            byte[] b = new byte[length];
            for (int i = 0; i < length; i++) b[i] = (byte)(i % 251);
            return b;
        }
    }
}
