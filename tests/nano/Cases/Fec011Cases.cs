using Librecast;
using Librecast.Fec;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// librecast 0.11.2's FEC datagram (object id ‖ SBN‖ESI ‖ symbol) as the core sends and takes
    /// it: the object the real library was measured with (F 3000, bytes 00 01 02 ...), and a forged
    /// object under the genuine object id, which must never come out.
    /// </summary>
    [TestClass]
    public class Fec011Cases
    {
        private static byte[] Measured()
        {
            byte[] d = new byte[3000];
            for (int i = 0; i < d.Length; i++) d[i] = (byte)i;
            return d;
        }

        // One lc_channel_send round of 0.11.2 (K' + 10 = 20 symbols for K 3) of obj, led by objectId.
        private static MemoryWire Send(byte[] obj, byte[] objectId)
        {
            MemoryWire wire = new MemoryWire();
            Context ctx = new Context(wire);
            Socket socket = ctx.CreateSocket();
            Channel channel = ctx.CreateChannel("fec/nano", WireProfile.V0_11);
            socket.Bind(channel);
            FecSender sender = new FecSender(new ObjectEncoder(Oti.ForLibrecast(obj.Length, 1024), obj, 0), channel, WireProfile.V0_11, false, false, objectId, wire);
            for (int i = 0; i < sender.RoundSymbols; i++) sender.SendNext();
            return wire;
        }

        [TestMethod]
        public void Sends_The_Object_Id_And_Decodes_The_Object_Whose_Blake3_It_Is()
        {
            byte[] obj = Measured();
            byte[] id = new byte[32];
            Blake3Hasher.Hash(obj, 0, obj.Length, id, 0);
            string oid = Hex.Of(id);
            Assert.IsTrue(oid.Substring(0, 8) == "6c943946" && oid.Substring(60, 4) == "9052", "object id " + oid + ", 0.11.2 put 6c943946...9052 on the wire");
            MemoryWire wire = Send(obj, id);
            Assert.AreEqual(20, wire.SentCount, "K' + 10 datagrams a round");
            for (int i = 0; i < 3; i++)
            {
                byte[] d = wire.Sent[i];
                Assert.AreEqual(1060, d.Length, "datagram " + i + ": object id 32 + pid 4 + T 1024");
                Assert.AreEqual(oid, Hex.Of(d, 0, 32), "datagram " + i + ": the object id leads");
                Assert.AreEqual("0000000" + i, Hex.Of(d, 32, 4), "datagram " + i + ": SBN 0 then ESI " + i);
            }
            FecReceiver r = new FecReceiver(WireProfile.V0_11, Oti.ForLibrecast(3000, 1024), 4, null);
            // From the repair symbols only (ESIs >= K): source symbols 0..2 lost.
            for (int i = 3; i < wire.SentCount && !r.Complete; i++) r.Offer(wire.Sent[i], 0, wire.Sent[i].Length);
            Assert.IsTrue(r.Complete, "decoded from repair symbols");
            Assert.AreEqual(3000, r.ResultLength, "object length");
            int bad = -1;
            for (int i = 0; i < 3000 && bad < 0; i++) if (r.Result![i] != obj[i]) bad = i;
            Assert.AreEqual(-1, bad, "first wrong byte of the decoded object");
            Assert.AreEqual(0, (int)r.RefusedObjects, "refused objects");
        }

        [TestMethod]
        public void Refuses_A_Forged_Object_Under_The_Genuine_Object_Id()
        {
            byte[] genuine = Measured();
            byte[] id = new byte[32];
            Blake3Hasher.Hash(genuine, 0, genuine.Length, id, 0);
            byte[] forged = Measured();
            forged[1234] ^= 0x40;
            MemoryWire wire = Send(forged, id);
            FecReceiver r = new FecReceiver(WireProfile.V0_11, Oti.ForLibrecast(3000, 1024), 4, null);
            for (int i = 0; i < wire.SentCount; i++) r.Offer(wire.Sent[i], 0, wire.Sent[i].Length);
            Assert.IsFalse(r.Complete, "a forged object came out under the genuine object id");
            Assert.IsTrue(r.RefusedObjects >= 1, "the decoded forgery was not counted as refused (" + (int)r.RefusedObjects + ")");
            Assert.AreEqual(0, (int)r.OtherObject, "datagrams of another object id");
        }
    }
}
