using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>The librecast message header, against the datagram captured from the C library's lc_msg_send (shared/WIRE.md).</summary>
    [TestClass]
    public class FrameCases
    {
        /// <summary>lc_msg_send of "world" as captured on the wire.</summary>
        public const string WorldDatagram = "18eb3547dfaaec1f" + "0000000000000001" + "02015c6fdd637cac" + "00" + "0000000000000005" + "776f726c64";

        [TestMethod]
        public void Decodes_The_Datagram_Of_Lc_Msg_Send()
        {
            byte[] d = Hex.Bytes(WorldDatagram);
            FrameHeader h = new FrameHeader();
            Assert.IsTrue(Frame.TryDecode(d, 0, d.Length, h) == FrameStatus.Ok, "decode status");
            Assert.IsTrue(h.Timestamp == 0x18eb3547dfaaec1fUL, "timestamp");
            Assert.IsTrue(h.Sequence == 1UL, "sequence");
            Assert.IsTrue(h.Random == 0x02015c6fdd637cacUL, "random");
            Assert.IsTrue(h.Op == Opcode.Data, "opcode");
            Assert.AreEqual(33, h.PayloadOffset, "payload offset");
            Assert.AreEqual(5, h.PayloadLength, "payload length");
        }

        [TestMethod]
        public void Encodes_Byte_For_Byte_What_Lc_Msg_Send_Sends()
        {
            byte[] payload = new byte[] { 0x77, 0x6f, 0x72, 0x6c, 0x64 };
            byte[] buf = new byte[64];
            int n = Frame.Encode(buf, 0, 0x18eb3547dfaaec1fUL, 1, 0x02015c6fdd637cacUL, Opcode.Data, payload, 0, payload.Length);
            Assert.AreEqual(WorldDatagram, Hex.Of(buf, 0, n), "encoded datagram");
        }

        [TestMethod]
        public void Malformed_Datagrams_Are_Refused_Not_Thrown()
        {
            byte[] d = Hex.Bytes(WorldDatagram);
            FrameHeader h = new FrameHeader();
            Assert.IsTrue(Frame.TryDecode(d, 0, 32, h) == FrameStatus.TooShort, "32 bytes");
            byte[] longer = Hex.Bytes(WorldDatagram + "ffff");
            Assert.IsTrue(Frame.TryDecode(longer, 0, longer.Length, h) == FrameStatus.LengthMismatch, "length field says 5, 7 bytes follow");
            byte[] bad = Hex.Bytes(WorldDatagram);
            bad[24] = 0xee;
            // librecast 0.5.1 accepts any op byte (lc_msg_recv, lc_socket_listen): so do we, with its value.
            Assert.IsTrue(Frame.TryDecode(bad, 0, bad.Length, h) == FrameStatus.Ok, "unknown opcode is a frame");
            Assert.AreEqual(0xee, (int)h.Op, "op value kept");
        }
    }
}
