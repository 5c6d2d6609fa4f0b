using System;

namespace Librecast.Fec
{
    /// <summary>RaptorQ encoder for a whole object: its Z source blocks (N sub-blocks each) per RFC 6330 4.4.1.2.</summary>
    /// <remarks>
    /// Memory: one <see cref="BlockEncoder"/> (L·T bytes) per source block and one shared
    /// <see cref="Solver"/>, all allocated by the constructor; <see cref="Symbol"/> allocates nothing.
    /// </remarks>
    public sealed class ObjectEncoder
    {
        private readonly Oti oti;
        private readonly BlockEncoder[] blocks;

        /// <summary>Encodes oti.F bytes of data starting at offset.</summary>
        public ObjectEncoder(Oti oti, byte[] data, int offset)
        {
            if (oti == null) throw new ArgumentNullException("oti");
            if (data == null) throw new ArgumentNullException("data");
            if (oti.F > data.Length - offset) throw new ArgumentException("data shorter than F");
            this.oti = oti;
            Solver solver = new Solver(oti.KL, 0);
            blocks = new BlockEncoder[oti.Z];
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                BlockEncoder enc = new BlockEncoder(solver, oti.BlockSymbols(sbn), oti.T);
                SourceBlock b = new SourceBlock(oti.BlockSymbols(sbn));
                byte[] store = enc.Begin(b);
                ObjectLayout.Scatter(oti, sbn, data, offset + (int)oti.BlockStart(sbn), oti.BlockBytes(sbn), store, enc.SourceOffset(0));
                enc.Prepare();
                blocks[sbn] = enc;
            }
        }

        /// <summary>The object's transmission information.</summary>
        public Oti Oti { get { return oti; } }

        /// <summary>Source symbols in block sbn.</summary>
        public int K(int sbn) { return blocks[sbn].Block.K; }

        /// <summary>Writes encoding symbol (sbn, esi), T bytes, to dst[offset].</summary>
        public void Symbol(int sbn, int esi, byte[] dst, int offset)
        {
            blocks[sbn].Symbol(esi, dst, offset);
        }
    }

    /// <summary>Where an object's bytes sit in a source block's symbols: N sub-blocks interleaved (RFC 6330 4.4.1.2).</summary>
    internal static class ObjectLayout
    {
        /// <summary>Copies len object bytes (block sbn's, from src[srcOff]) into the block's K symbols at dst[dstOff]; padding stays as is (zero).</summary>
        internal static void Scatter(Oti oti, int sbn, byte[] src, int srcOff, int len, byte[] dst, int dstOff)
        {
            int k = oti.BlockSymbols(sbn);
            if (oti.N == 1)
            {
                Array.Copy(src, srcOff, dst, dstOff, len);
                return;
            }
            int symOff = 0;
            for (int n = 0; n < oti.N; n++)
            {
                int tn = (n < oti.NL ? oti.TL : oti.TS) * oti.Al;
                int subStart = k * symOff;
                for (int i = 0; i < k; i++)
                {
                    int from = subStart + i * tn;
                    if (from >= len) break;
                    int c = len - from < tn ? len - from : tn;
                    Array.Copy(src, srcOff + from, dst, dstOff + i * oti.T + symOff, c);
                }
                symOff += tn;
            }
        }

        /// <summary>The inverse of <see cref="Scatter"/>: block sbn's K symbols at src[srcOff] to len object bytes at dst[dstOff].</summary>
        internal static void Gather(Oti oti, int sbn, byte[] src, int srcOff, byte[] dst, int dstOff, int len)
        {
            int k = oti.BlockSymbols(sbn);
            if (oti.N == 1)
            {
                Array.Copy(src, srcOff, dst, dstOff, len);
                return;
            }
            int symOff = 0;
            for (int n = 0; n < oti.N; n++)
            {
                int tn = (n < oti.NL ? oti.TL : oti.TS) * oti.Al;
                int subStart = k * symOff;
                for (int i = 0; i < k; i++)
                {
                    int to = subStart + i * tn;
                    if (to >= len) break;
                    int c = len - to < tn ? len - to : tn;
                    Array.Copy(src, srcOff + i * oti.T + symOff, dst, dstOff + to, c);
                }
                symOff += tn;
            }
        }
    }
}
