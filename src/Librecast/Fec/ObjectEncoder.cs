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
            Move(oti, sbn, src, srcOff, len, dst, dstOff, true);
        }

        /// <summary>The inverse of <see cref="Scatter"/>: block sbn's K symbols at src[srcOff] to len object bytes at dst[dstOff].</summary>
        internal static void Gather(Oti oti, int sbn, byte[] src, int srcOff, byte[] dst, int dstOff, int len)
        {
            Move(oti, sbn, dst, dstOff, len, src, srcOff, false);
        }

        // One walk of the layout for both directions: object bytes [objOff, objOff+len) and the
        // block's symbols at symbols[symbolsOff]; toSymbols says which way the bytes go.
        private static void Move(Oti oti, int sbn, byte[] obj, int objOff, int len, byte[] symbols, int symbolsOff, bool toSymbols)
        {
            int k = oti.BlockSymbols(sbn);
            if (oti.N == 1)
            {
                if (toSymbols) Array.Copy(obj, objOff, symbols, symbolsOff, len);
                else Array.Copy(symbols, symbolsOff, obj, objOff, len);
                return;
            }
            int symOff = 0;
            for (int n = 0; n < oti.N; n++)
            {
                int tn = (n < oti.NL ? oti.TL : oti.TS) * oti.Al;
                int subStart = k * symOff;
                for (int i = 0; i < k; i++)
                {
                    int at = subStart + i * tn;
                    if (at >= len) break;
                    int c = len - at < tn ? len - at : tn;
                    if (toSymbols) Array.Copy(obj, objOff + at, symbols, symbolsOff + i * oti.T + symOff, c);
                    else Array.Copy(symbols, symbolsOff + i * oti.T + symOff, obj, objOff + at, c);
                }
                symOff += tn;
            }
        }
    }
}
