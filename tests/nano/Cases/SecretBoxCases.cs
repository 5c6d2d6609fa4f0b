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
        public void The_Platform_Nonce_Is_Prefix_Counter_And_Eight_Zeros_Sealed_As_Libsodium_Seals()
        {
            // Seal(..., IPlatform): 8 bytes of prefix (random XOR wall clock, drawn once per box),
            // a big-endian counter from 1, then 8 zero bytes as librecast sends them. Each datagram
            // must equal what the explicit-nonce form (checked against libsodium above) makes.
            MemoryWire wire = new MemoryWire(new byte[] { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 });
            wire.Now = 0x0102030405060708UL;
            byte[] key = Hex.Bytes(Vectors.BoxKeys[0]);
            SecretBox box = new SecretBox(key);
            SecretBox reference = new SecretBox(key);
            byte[] message = new byte[] { 1, 2, 3, 4, 5 };
            for (int i = 1; i <= 3; i++)
            {
                byte[] datagram = new byte[message.Length + SecretBox.Overhead];
                int n = box.Seal(message, 0, message.Length, datagram, 0, wire);
                string nonce = Hex.Of(datagram, n - SecretBox.NonceSize, SecretBox.NonceSize);
                // 0x11..0x88 XOR the clock's bytes, least significant first.
                Assert.AreEqual("1925354151657589" + "000000000000000" + i.ToString() + "0000000000000000", nonce, "nonce " + i);
                byte[] expected = new byte[datagram.Length];
                reference.SealWithNonce(message, 0, message.Length, expected, 0, Hex.Bytes(nonce), 0);
                Assert.AreEqual(Hex.Of(expected, 0, n), Hex.Of(datagram, 0, n), "datagram " + i);
            }
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
