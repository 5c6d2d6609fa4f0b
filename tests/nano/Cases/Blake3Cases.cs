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

        /// <summary>The BLAKE3 test vectors' input: byte i is i mod 251.</summary>
        public static byte[] Input(int length)
        {
            byte[] b = new byte[length];
            for (int i = 0; i < length; i++) b[i] = (byte)(i % 251);
            return b;
        }
    }
}
