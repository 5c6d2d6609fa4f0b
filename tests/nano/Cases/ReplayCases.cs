using Librecast.Security;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>The replay and loss window: the verdicts and counts of a stream with loss, reordering, duplicates and a restart.</summary>
    [TestClass]
    public class ReplayCases
    {
        private static readonly byte[] Source = new byte[] { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

        private static ReplayVerdict Check(ReplayWindow w, ulong seq)
        {
            return w.Check(Source, 0, 4242, 0, seq, 0, 0);
        }

        [TestMethod]
        public void Verdicts_Over_A_Stream_With_Loss_Reordering_And_Duplicates()
        {
            ReplayWindow w = new ReplayWindow(4, 64, 0, 0);
            ulong[] seqs = new ulong[] { 1, 2, 3, 5, 4, 4, 9, 2, 100, 30, 10 };
            ReplayVerdict[] expected = new ReplayVerdict[]
            {
                ReplayVerdict.New, ReplayVerdict.New, ReplayVerdict.New, ReplayVerdict.New, ReplayVerdict.Reordered,
                ReplayVerdict.Duplicate, ReplayVerdict.New, ReplayVerdict.Duplicate, ReplayVerdict.New, ReplayVerdict.TooOld,
                ReplayVerdict.TooOld,
            };
            for (int i = 0; i < seqs.Length; i++)
                Assert.AreEqual((int)expected[i], (int)Check(w, seqs[i]), "seq " + seqs[i] + " (message " + i + ")");
            Assert.IsTrue(w.New == 6, "new: " + w.New);
            Assert.IsTrue(w.Reordered == 1, "reordered: " + w.Reordered);
            Assert.IsTrue(w.Duplicates == 2, "duplicates: " + w.Duplicates);
            // 1..100 known to exist, 1,2,3,4,5,9,100 accepted: 93 lost.
            Assert.IsTrue(w.Lost == 93, "lost: " + w.Lost);
        }

        [TestMethod]
        public void Many_In_Order_Then_Each_Replayed_Is_A_Duplicate()
        {
            ReplayWindow w = new ReplayWindow(4, 64, 0, 0);
            for (ulong s = 1; s <= 2000; s++) Assert.AreEqual((int)ReplayVerdict.New, (int)Check(w, s), "seq " + s);
            for (ulong s = 2000 - (ulong)w.WindowSize + 1; s <= 2000; s++)
                Assert.AreEqual((int)ReplayVerdict.Duplicate, (int)Check(w, s), "replayed seq " + s);
            Assert.IsTrue(w.Lost == 0, "lost: " + w.Lost);
        }
    }
}
