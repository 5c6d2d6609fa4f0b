using Librecast.Crypto;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// SHA-512 (FIPS 180-4's "abc") and Ed25519 / Ed25519ph (RFC 8032 7.1 TEST 1 and 2, 7.3 TEST abc)
    /// in the runtime that runs on the ESP32; the xUnit side checks the same code against libsodium
    /// on 10,000 random keys (Ed25519Tests). nanoCLR reports each case's time.
    /// </summary>
    [TestClass]
    public class Ed25519Cases
    {
        [TestMethod]
        public void Sha512_Of_Abc_Is_Fips_180_4s()
        {
            byte[] digest = new byte[64];
            Sha512.Hash(new byte[] { 0x61, 0x62, 0x63 }, 0, 3, digest, 0);
            Assert.AreEqual("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
                            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", Hex.Of(digest), "SHA-512(abc)");
        }

        [TestMethod]
        public void The_Curve_Constants_Are_What_Their_Definitions_Give()
        {
            Assert.IsTrue(new Ed25519().ConstantsAreRight(), "d, 2d, sqrt(-1) or the base point differ from their derivation");
        }

        [TestMethod]
        public void Rfc8032_Test1_Key_Sign_Verify()
        {
            Check("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
                  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        }

        [TestMethod]
        public void Rfc8032_Test2_Key_Sign_Verify()
        {
            Check("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
                  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
        }

        [TestMethod]
        public void Rfc8032_Ed25519ph_Abc_Sign_Verify()
        {
            Ed25519 ed = new Ed25519();
            byte[] seed = Hex.Bytes("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42");
            byte[] pk = new byte[32], sig = new byte[64], digest = new byte[64];
            ed.PublicKey(seed, 0, pk, 0);
            Assert.AreEqual("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", Hex.Of(pk), "public key");
            Sha512.Hash(new byte[] { 0x61, 0x62, 0x63 }, 0, 3, digest, 0);
            ed.SignPrehashed(seed, 0, pk, 0, digest, 0, sig, 0);
            Assert.AreEqual("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41" +
                            "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406", Hex.Of(sig), "Ed25519ph signature");
            Assert.IsTrue(ed.VerifyPrehashed(pk, 0, digest, 0, sig, 0), "ph signature refused");
            digest[0] ^= 1;
            Assert.IsFalse(ed.VerifyPrehashed(pk, 0, digest, 0, sig, 0), "ph signature of another message accepted");
        }

        private static void Check(string seedHex, string publicHex, string messageHex, string signatureHex)
        {
            Ed25519 ed = new Ed25519();
            byte[] seed = Hex.Bytes(seedHex), message = Hex.Bytes(messageHex);
            byte[] pk = new byte[32], sig = new byte[64];
            ed.PublicKey(seed, 0, pk, 0);
            Assert.AreEqual(publicHex, Hex.Of(pk), "public key");
            ed.Sign(seed, 0, pk, 0, message, 0, message.Length, sig, 0);
            Assert.AreEqual(signatureHex, Hex.Of(sig), "signature");
            Assert.IsTrue(ed.Verify(pk, 0, message, 0, message.Length, sig, 0), "signature refused");
            sig[40] ^= 0x10;
            Assert.IsFalse(ed.Verify(pk, 0, message, 0, message.Length, sig, 0), "tampered signature accepted");
        }
    }
}
