using Librecast;
using Librecast.Crypto;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>XSalsa20-Poly1305 (librecast's SYMM layout: MAC, ciphertext, 24-byte nonce) against boxes libsodium made (tests/peers/sodium.c).</summary>
    [TestClass]
    public class SecretBoxCases
    {
        [TestMethod]
        public void Seals_Byte_For_Byte_As_Libsodium()
        {
            for (int v = 0; v < Vectors.BoxKeys.Length; v++)
            {
                byte[] message = Hex.Bytes(Vectors.BoxMessages[v]);
                byte[] nonce = Hex.Bytes(Vectors.BoxNonces[v]);
                byte[] datagram = new byte[message.Length + SecretBox.Overhead];
                SecretBox box = new SecretBox(Hex.Bytes(Vectors.BoxKeys[v]));
                int n = box.SealWithNonce(message, 0, message.Length, datagram, 0, nonce, 0);
                Assert.AreEqual(Vectors.BoxSealed[v] + Vectors.BoxNonces[v], Hex.Of(datagram, 0, n), "box " + v + " (" + message.Length + " bytes)");
            }
        }

        [TestMethod]
        public void The_Platform_Nonce_Form_Is_Libsodiums_Too()
        {
            // Seal(..., IPlatform) takes 16 random bytes and 8 zero bytes: vectors with such nonces.
            int tried = 0;
            for (int v = 0; v < Vectors.BoxKeys.Length; v++)
            {
                if (!Vectors.BoxNonces[v].EndsWith("0000000000000000")) continue;
                byte[] message = Hex.Bytes(Vectors.BoxMessages[v]);
                byte[] datagram = new byte[message.Length + SecretBox.Overhead];
                SecretBox box = new SecretBox(Hex.Bytes(Vectors.BoxKeys[v]));
                int n = box.Seal(message, 0, message.Length, datagram, 0, new MemoryWire(Hex.Bytes(Vectors.BoxNonces[v])));
                Assert.AreEqual(Vectors.BoxSealed[v] + Vectors.BoxNonces[v], Hex.Of(datagram, 0, n), "box " + v);
                tried++;
            }
            Assert.IsTrue(tried > 0, "no vector with a 16+8 nonce");
        }

        [TestMethod]
        public void Opens_Libsodiums_Boxes_And_Refuses_Every_Flipped_Bit()
        {
            for (int v = 0; v < Vectors.BoxKeys.Length; v++)
            {
                byte[] datagram = Hex.Bytes(Vectors.BoxSealed[v] + Vectors.BoxNonces[v]);
                byte[] plain = new byte[datagram.Length];
                SecretBox box = new SecretBox(Hex.Bytes(Vectors.BoxKeys[v]));
                int n;
                bool tooShort = datagram.Length <= SecretBox.Overhead;
                SecretBoxStatus status = box.Open(datagram, 0, datagram.Length, plain, 0, out n);
                if (tooShort)
                {
                    // librecast drops datagrams of 40 bytes or less, and so do we.
                    Assert.IsTrue(status == SecretBoxStatus.TooShort, "box " + v + ": empty message is TooShort");
                    continue;
                }
                Assert.IsTrue(status == SecretBoxStatus.Ok, "box " + v + " opens");
                Assert.AreEqual(Vectors.BoxMessages[v], Hex.Of(plain, 0, n), "box " + v + " plaintext");
                for (int bit = 0; bit < datagram.Length * 8; bit += 13)
                {
                    datagram[bit >> 3] ^= (byte)(1 << (bit & 7));
                    Assert.IsTrue(box.Open(datagram, 0, datagram.Length, plain, 0, out n) == SecretBoxStatus.Forged, "box " + v + " with bit " + bit + " flipped");
                    datagram[bit >> 3] ^= (byte)(1 << (bit & 7));
                }
            }
        }
    }
}
