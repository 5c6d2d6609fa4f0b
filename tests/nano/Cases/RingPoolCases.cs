using System;
using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>The lock-free index ring and the buffer pool on one thread: order, full, empty, and the capacity rule.</summary>
    [TestClass]
    public class RingPoolCases
    {
        [TestMethod]
        public void Ring_Is_Fifo_Refuses_When_Full_And_Wraps()
        {
            IndexRing ring = new IndexRing(8);
            int v;
            Assert.IsFalse(ring.TryDequeue(out v), "empty");
            for (int round = 0; round < 5; round++)
            {
                for (int i = 0; i < 8; i++) Assert.IsTrue(ring.TryEnqueue(round * 100 + i), "enqueue " + i + " in round " + round);
                Assert.IsFalse(ring.TryEnqueue(-1), "full in round " + round);
                for (int i = 0; i < 8; i++)
                {
                    Assert.IsTrue(ring.TryDequeue(out v), "dequeue " + i);
                    Assert.AreEqual(round * 100 + i, v, "order in round " + round);
                }
                Assert.IsFalse(ring.TryDequeue(out v), "empty again in round " + round);
            }
        }

        [TestMethod]
        public void Ring_Capacity_Must_Be_A_Power_Of_Two()
        {
            bool thrown = false;
            try { new IndexRing(6); }
            catch (ArgumentException) { thrown = true; }
            Assert.IsTrue(thrown, "capacity 6 refused");
        }

        [TestMethod]
        public void Pool_Rents_Each_Buffer_Once_Until_Returned()
        {
            BufferPool pool = new BufferPool(4, 256, null);
            bool[] seen = new bool[4];
            int[] rented = new int[4];
            for (int i = 0; i < 4; i++)
            {
                Assert.IsTrue(pool.TryRent(out rented[i]), "rent " + i);
                Assert.IsFalse(seen[rented[i]], "buffer " + rented[i] + " rented twice");
                seen[rented[i]] = true;
                Assert.AreEqual(rented[i] * 256, pool.OffsetOf(rented[i]), "offset of buffer " + rented[i]);
            }
            int none;
            Assert.IsFalse(pool.TryRent(out none), "exhausted");
            pool.Return(rented[2]);
            int again;
            Assert.IsTrue(pool.TryRent(out again), "rent after return");
            Assert.AreEqual(rented[2], again, "the returned buffer");
        }
    }
}
