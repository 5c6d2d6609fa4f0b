using System;
using System.Threading;
using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>The claim/commit send ring in nanoCLR: one writer and many, order, packing, full, wrap.</summary>
    [TestClass]
    public class SendRingCases
    {
        [TestMethod]
        public void One_Writer_Claims_Packs_Commits_And_Wraps_In_Order()
        {
            SendRing ring = new SendRing(8, 256, 64, null, true);
            int next = 0, read = 0;
            for (int round = 0; round < 40; round++)
            {
                // Fill until full (records or bytes), then read everything back in order.
                int position, at, lastEnd = -1, claimed = 0;
                while (ring.TryClaim(20 + next % 40, out position, out at))
                {
                    if (lastEnd >= 0 && at != 0) Assert.AreEqual(lastEnd, at, "packed back to back");
                    lastEnd = at + 20 + next % 40;
                    Assert.IsTrue(lastEnd <= 256, "never wraps the slab");
                    ring.Slab[at] = (byte)next;
                    ring.Commit(position);
                    next++;
                    claimed++;
                }
                Assert.IsTrue(claimed > 0, "room in round " + round);
                int n = ring.Committed(64);
                Assert.AreEqual(claimed, n, "all committed are readable");
                for (int k = 0; k < n; k++)
                {
                    Assert.AreEqual((byte)read, ring.Slab[ring.StartOf(ring.Tail + k)], "order");
                    Assert.AreEqual(20 + read % 40, ring.LengthOf(ring.Tail + k), "length");
                    read++;
                }
                ring.Release(n);
            }
            Assert.AreEqual(next, read, "nothing lost");
        }

        [TestMethod]
        public void A_Shrunk_Claim_Gives_Its_Tail_To_The_Next()
        {
            SendRing ring = new SendRing(8, 256, 64, null, true);
            int p0, a0, p1, a1;
            Assert.IsTrue(ring.TryClaim(60, out p0, out a0), "claim 60");
            ring.Shrink(p0, 10);
            ring.Commit(p0);
            Assert.IsTrue(ring.TryClaim(60, out p1, out a1), "claim 60 more");
            Assert.AreEqual(a0 + 10, a1, "back to back after the shrink");
            ring.Commit(p1);
            Assert.AreEqual(2, ring.Committed(8), "both readable");
            Assert.AreEqual(10, ring.LengthOf(p0), "shrunk length");
            Assert.AreEqual(60, ring.LengthOf(p1), "whole length");
            bool thrown = false;
            try { ring.Shrink(p1, 61); }
            catch (ArgumentOutOfRangeException) { thrown = true; }
            Assert.IsTrue(thrown, "growing refused");
            ring.Release(2);
        }

        [TestMethod]
        public void Sizes_Must_Be_Powers_Of_Two()
        {
            bool thrown = false;
            try { new SendRing(6, 256, 64, null, true); }
            catch (ArgumentException) { thrown = true; }
            Assert.IsTrue(thrown, "6 records refused");
            thrown = false;
            try { new SendRing(8, 64, 64, null, true); }
            catch (ArgumentException) { thrown = true; }
            Assert.IsTrue(thrown, "a slab of one datagram refused");
        }

        private sealed class Writer
        {
            private readonly SendRing ring;
            private readonly byte id;
            public int Done;

            public Writer(SendRing ring, byte id)
            {
                this.ring = ring;
                this.id = id;
            }

            public void Run()
            {
                int position, at;
                for (int i = 0; i < 200; i++)
                {
                    while (!ring.TryClaim(8, out position, out at)) Thread.Sleep(0);
                    ring.Slab[at] = id;
                    ring.Slab[at + 1] = (byte)i;
                    ring.Commit(position);
                }
                Interlocked.Exchange(ref Done, 1);
            }
        }

        [TestMethod]
        public void Many_Writers_On_Threads_Lose_Nothing_And_Keep_Each_Writers_Order()
        {
            SendRing shared = new SendRing(4, 64, 16, null, false);
            Writer one = new Writer(shared, 1);
            Writer two = new Writer(shared, 2);
            Thread a = new Thread(new ThreadStart(one.Run));
            Thread b = new Thread(new ThreadStart(two.Run));
            a.Start();
            b.Start();
            int[] next = new int[3];
            int seen = 0;
            while (seen < 400)
            {
                int n = shared.Committed(4);
                if (n == 0) { Thread.Sleep(0); continue; }
                for (int k = 0; k < n; k++)
                {
                    int at = shared.StartOf(shared.Tail + k);
                    int id = shared.Slab[at];
                    Assert.AreEqual((byte)next[id], shared.Slab[at + 1], "writer " + id + "'s order");
                    next[id]++;
                }
                shared.Release(n);
                seen += n;
            }
            a.Join();
            b.Join();
            Assert.AreEqual(1, one.Done, "writer 1 done");
            Assert.AreEqual(1, two.Done, "writer 2 done");
            Assert.AreEqual(200, next[1], "writer 1's all");
            Assert.AreEqual(200, next[2], "writer 2's all");
        }
    }
}
