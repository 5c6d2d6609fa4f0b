using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>The context/socket/channel API and the publish ring over an in-memory transport, without a thread.</summary>
    [TestClass]
    public class PublisherCases
    {
        private static Publisher Start(MemoryWire wire, OverflowPolicy policy, out Context context, out Channel channel)
        {
            context = new Context(wire);
            Socket socket = context.CreateSocket();
            channel = context.CreateChannel("pub/test");
            socket.Bind(channel);
            PublisherOptions options = new PublisherOptions();
            options.Capacity = 8;
            options.BufferSize = 256;
            options.Policy = policy;
            options.BatchSize = 4;
            options.StartThread = false;
            return socket.StartPublisher(options);
        }

        private static void Drain(Publisher p) { while (p.DoWork() > 0) { } }

        private static byte[] Int(int v) { return new byte[] { (byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24) }; }

        [TestMethod]
        public void DropWrite_Refuses_Exactly_What_Does_Not_Fit()
        {
            MemoryWire wire = new MemoryWire();
            Context ctx;
            Channel c;
            Publisher p = Start(wire, OverflowPolicy.DropWrite, out ctx, out c);
            int accepted = 0;
            for (int i = 0; i < 20; i++) if (c.Publish(Int(i), 0, 4)) accepted++;
            Assert.AreEqual(8, accepted, "accepted");
            Assert.AreEqual(12, ctx.Counters.Dropped, "dropped");
            Drain(p);
            Assert.AreEqual(8, ctx.Counters.Sent, "sent");
            Assert.AreEqual(8, wire.SentCount, "datagrams on the wire");
            FrameHeader h = new FrameHeader();
            for (int i = 0; i < 8; i++)
            {
                byte[] d = wire.Sent[i];
                Assert.IsTrue(Frame.TryDecode(d, 0, d.Length, h) == FrameStatus.Ok, "datagram " + i + " decodes");
                Assert.IsTrue(h.Sequence == (ulong)(i + 1), "datagram " + i + " is numbered " + (i + 1));
                Assert.AreEqual(i, d[h.PayloadOffset], "datagram " + i + " carries the " + i + "th offer");
            }
        }

        [TestMethod]
        public void A_Senml_Pack_Is_Written_In_The_Claimed_Datagram_And_An_Abandoned_Claim_Is_Not_Sent()
        {
            MemoryWire wire = new MemoryWire();
            Context ctx;
            Channel c;
            Publisher p = Start(wire, OverflowPolicy.DropWrite, out ctx, out c);
            byte[] own = new byte[200];
            Librecast.Senml.SenmlWriter writer = new Librecast.Senml.SenmlWriter(own, 0, own.Length);
            writer.Begin("urn:dev:lc:s:n:", 1795000000123L);
            writer.Add("temperature", "Cel", 21.53, 2);
            int expected = writer.End();
            int claim, at;
            Assert.IsTrue(p.TryClaim(c, Opcode.Data, true, 200, out claim, out at), "abandoned claim");
            p.Abandon(claim);
            Assert.IsTrue(p.TryClaim(c, Opcode.Data, true, 200, out claim, out at), "claim");
            writer.Reset(p.Buffer, at, 200);
            writer.Begin("urn:dev:lc:s:n:", 1795000000123L);
            writer.Add("temperature", "Cel", 21.53, 2);
            p.Commit(claim, writer.End());
            Drain(p);
            Assert.AreEqual(1, wire.SentCount, "one sent");
            byte[] d = wire.Sent[0];
            FrameHeader h = new FrameHeader();
            Assert.IsTrue(Frame.TryDecode(d, 0, d.Length, h) == FrameStatus.Ok, "decodes");
            Assert.IsTrue(h.Sequence == 1UL, "the abandoned claim took no number");
            Assert.AreEqual(Frame.HeaderSize + expected, d.Length, "the datagram is the pack's length");
            Assert.AreEqual(Hex.Of(own, 0, expected), Hex.Of(d, h.PayloadOffset, h.PayloadLength), "the pack");
            Assert.AreEqual(1, (int)ctx.Counters.Published, "published");
        }

        [TestMethod]
        public void Counter_Table_Has_A_Row_Per_Counter()
        {
            Counters c = new Counters();
            string line = c.ToString();
            Assert.AreEqual(14, Counters.Count, "rows");
            for (int i = 0; i < Counters.Count; i++)
            {
                Assert.IsTrue(Counters.NameOf((Counter)i).Length > 0 && Counters.HelpOf((Counter)i).Length > 20, "row " + i);
                Assert.IsTrue(line.IndexOf(Counters.NameOf((Counter)i) + "=0") >= 0, "row " + i + " in ToString");
            }
            Assert.AreEqual("duplicates", Counters.NameOf(Counter.Duplicates), "last row");
        }

        [TestMethod]
        public void DropOldest_Keeps_The_Newest()
        {
            MemoryWire wire = new MemoryWire();
            Context ctx;
            Channel c;
            Publisher p = Start(wire, OverflowPolicy.DropOldest, out ctx, out c);
            for (int i = 0; i < 20; i++) Assert.IsTrue(c.Publish(Int(i), 0, 4), "offer " + i);
            Assert.AreEqual(12, ctx.Counters.Dropped, "dropped");
            Drain(p);
            Assert.AreEqual(8, wire.SentCount, "datagrams on the wire");
            FrameHeader h = new FrameHeader();
            for (int i = 0; i < 8; i++)
            {
                byte[] d = wire.Sent[i];
                Assert.IsTrue(Frame.TryDecode(d, 0, d.Length, h) == FrameStatus.Ok, "datagram " + i + " decodes");
                Assert.AreEqual(12 + i, d[h.PayloadOffset], "datagram " + i + " is one of the newest");
            }
        }

        [TestMethod]
        public void Messages_Sent_And_Received_Through_The_Api()
        {
            MemoryWire wire = new MemoryWire();
            Context ctx = new Context(wire);
            Socket socket = ctx.CreateSocket();
            Channel c = ctx.CreateChannel("site1/node1/telemetry");
            socket.Bind(c);
            c.Join();
            Assert.AreEqual(1, wire.Joined, "joined");
            byte[] payload = new byte[] { 0x77, 0x6f, 0x72, 0x6c, 0x64 };
            c.SendMessage(payload, 0, payload.Length);
            Assert.AreEqual(1, wire.SentCount, "sent");
            wire.Inject(wire.Sent[0]);
            Message m = new Message(2048);
            Assert.IsTrue(socket.ReceiveMessage(m, 0) == ReceiveResult.Ok, "received");
            Assert.IsTrue(m.Header.Sequence == 1UL, "sequence");
            Assert.AreEqual(5, m.Header.PayloadLength, "payload length");
            Assert.AreEqual("776f726c64", Hex.Of(m.Buffer, m.Offset + m.Header.PayloadOffset, 5), "payload");
            Assert.IsTrue(socket.ReceiveMessage(m, 0) == ReceiveResult.Timeout, "nothing more");
        }

        [TestMethod]
        public void Encrypted_Channel_Round_Trip_And_Forgery()
        {
            MemoryWire wire = new MemoryWire(new byte[] { 1, 2, 3, 4, 5, 6, 7 });
            Context ctx = new Context(wire);
            Socket socket = ctx.CreateSocket();
            Channel c = ctx.CreateChannel("site1/node1/secret");
            socket.Bind(c);
            byte[] key = new byte[32];
            for (int i = 0; i < 32; i++) key[i] = (byte)(i * 7);
            c.SetKey(key);
            byte[] payload = new byte[] { 0x77, 0x6f, 0x72, 0x6c, 0x64 };
            c.SendMessage(payload, 0, payload.Length);
            Assert.AreEqual(33 + 5 + 40, wire.Sent[0].Length, "a sealed frame is 40 bytes longer");
            wire.Inject(wire.Sent[0]);
            Message m = new Message(2048);
            Assert.IsTrue(socket.ReceiveMessage(m, 0) == ReceiveResult.Ok, "opened");
            Assert.AreEqual("776f726c64", Hex.Of(m.Buffer, m.Offset + m.Header.PayloadOffset, 5), "payload");
            byte[] forged = new byte[wire.Sent[0].Length];
            System.Array.Copy(wire.Sent[0], forged, forged.Length);
            forged[20] ^= 1;
            wire.Inject(forged);
            Assert.IsTrue(socket.ReceiveMessage(m, 0) == ReceiveResult.Unauthenticated, "one flipped bit is refused");
            Assert.AreEqual(1, ctx.Counters.Unauthenticated, "and counted");
        }
    }
}
