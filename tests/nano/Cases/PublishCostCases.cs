using System;
using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// What publishing one reading costs the node in nanoCLR (issue 23: "the ESP32: what
    /// publishing one reading costs in nanoCLR ... before and after"), as time per publish in the
    /// interpreter: the node's direct send (Channel.SendMessage on a socket without a publisher:
    /// frame, clock, 8 random bytes, send) against the same message through the socket's send ring
    /// (SendMessage queues it on a single-writer publisher without a sender thread, then DoWork
    /// stamps and sends it), as the node would have to for one reading every few seconds. Plain
    /// and sealed (XSalsa20-Poly1305, the site key). A 90-byte payload, as a 3-record SenML pack.
    /// The transport discards (nothing copied); its clock and random bytes are the test's, so the
    /// figures are the core's own work. Each result is checked (sequence numbers, datagrams
    /// counted) and the mean time per publish printed as "publish: ..." (tests/nano/run repeats
    /// those lines). nanoCLR here is the Linux build on x86-64, not an ESP32: compare the two paths
    /// within a run, not with the board.
    /// </summary>
    [TestClass]
    public class PublishCostCases
    {
        private const int Rounds = 200;
        private const int PayloadSize = 90;

        [TestMethod]
        public void Publish_One_Reading_Direct_And_Through_The_Ring_Timed()
        {
            byte[] payload = new byte[PayloadSize];
            for (int i = 0; i < PayloadSize; i++) payload[i] = (byte)(i * 7 + 3);
            byte[] key = new byte[32];
            for (int i = 0; i < 32; i++) key[i] = (byte)i;

            long directPlain = Time(false, null, payload);
            long ringPlain = Time(true, null, payload);
            long directSealed = Time(false, key, payload);
            long ringSealed = Time(true, key, payload);

            OutputHelper.WriteLine("publish: one reading (" + PayloadSize + " B), direct send " + Us(directPlain) + " us, through the send ring " + Us(ringPlain) + " us (nanoCLR time, mean of " + Rounds + ")");
            OutputHelper.WriteLine("publish: one sealed reading (" + PayloadSize + " B), direct send " + Us(directSealed) + " us, through the send ring " + Us(ringSealed) + " us (nanoCLR time, mean of " + Rounds + ")");
        }

        // Mean ticks per publish of Rounds messages on one channel, after one warm-up publish.
        private static long Time(bool ring, byte[]? key, byte[] payload)
        {
            MemoryWire wire = new MemoryWire();
            wire.Discard = true;
            Context context = new Context(wire);
            Socket socket = context.CreateSocket();
            Channel channel = context.CreateChannel("site/node/telemetry");
            if (key != null) channel.SetKey(key);
            socket.Bind(channel);
            Publisher? publisher = null;
            if (ring)
            {
                PublisherOptions options = new PublisherOptions();
                options.Capacity = 4;
                options.BufferSize = 256;
                options.Policy = OverflowPolicy.Block;
                options.StartThread = false;
                publisher = socket.StartPublisher(options);
            }
            Publish(channel, publisher, payload); // warm-up: first calls bind methods
            long t0 = DateTime.UtcNow.Ticks;
            for (int r = 0; r < Rounds; r++)
            {
                payload[0] = (byte)r; // another reading each round
                Publish(channel, publisher, payload);
            }
            long ticks = (DateTime.UtcNow.Ticks - t0) / Rounds;
            Assert.AreEqual(Rounds + 1, wire.SentCount, "every publish sent");
            Assert.IsTrue(channel.Sequence == (ulong)(Rounds + 1), "numbered 1.." + (Rounds + 1));
            Assert.AreEqual(Rounds + 1, (int)context.Counters.Sent, "counted as sent");
            return ticks;
        }

        private static void Publish(Channel channel, Publisher? publisher, byte[] payload)
        {
            channel.SendMessage(payload, 0, payload.Length);
            if (publisher != null) while (publisher.DoWork() > 0) { }
        }

        private static string Us(long ticks)
        {
            return (ticks / 10).ToString() + "." + (ticks % 10).ToString();
        }
    }
}
