using System;

namespace Librecast.Fec
{
    /// <summary>RaptorQ encoder for a whole object: its Z source blocks (N sub-blocks each) per RFC 6330 4.4.1.2.</summary>
    /// <remarks>
    /// Memory: one <see cref="BlockEncoder"/> (L·T bytes) per source block and one shared
    /// <see cref="Solver"/>, all allocated by the constructor; <see cref="Symbol"/> allocates nothing.
    /// Where two or more blocks have the same K' (every block of a large object but the last, at
    /// most two sizes by 4.4.1.2), the constructor solves that K's matrix once into a
    /// <see cref="SolvePlan"/> (about 5 bytes a symbol operation: ~120 KB at K 1000) and each such
    /// block replays it: preparing a block is then its symbol operations only, allocates
    /// nothing, and may run on several threads (<see cref="PrepareBlock(int, byte[])"/>).
    /// </remarks>
    public sealed class ObjectEncoder
    {
        private readonly Oti oti;
        private readonly BlockEncoder[] blocks;
        private readonly Solver solver;
        private readonly bool[] prepared;
        private readonly SolvePlan?[] plans;
        private readonly SourceBlock[] sizes;
        private readonly byte[] scratch;
        private byte[]? source;
        private readonly int sourceOffset;

        /// <summary>Encodes oti.F bytes of data starting at offset (every block prepared here).</summary>
        public ObjectEncoder(Oti oti, byte[] data, int offset) : this(oti, data, offset, true)
        {
        }

        /// <summary>
        /// Encodes oti.F bytes of data starting at offset. With <paramref name="prepare"/> false the
        /// blocks are only allocated: <see cref="PrepareBlock(int)"/> solves each (on any one thread),
        /// and until <see cref="ReleaseSource"/> the encoder keeps <paramref name="data"/> and sends
        /// the source symbols (ESI &lt; K) straight from it, prepared or not: the caller must not
        /// change those bytes before then. Only for N = 1 (one sub-block: the share layout).
        /// </summary>
        public ObjectEncoder(Oti oti, byte[] data, int offset, bool prepare)
        {
            if (oti == null) throw new ArgumentNullException("oti");
            if (data == null) throw new ArgumentNullException("data");
            if (oti.F > data.Length - offset) throw new ArgumentException("data shorter than F");
            if (!prepare && oti.N != 1) throw new ArgumentException("deferred preparation needs N = 1", "prepare");
            this.oti = oti;
            solver = new Solver(oti.KL, 0, oti.T);
            blocks = new BlockEncoder[oti.Z];
            prepared = new bool[oti.Z];
            plans = new SolvePlan?[oti.Z];
            sizes = new SourceBlock[oti.Z];
            source = data;
            sourceOffset = offset;
            int scratchBytes = 0;
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                // At most two block sizes, each block's neighbours first (4.4.1.2): one SourceBlock
                // a size, so preparing allocates nothing; one plan for a run of two or more of a K'.
                int k = oti.BlockSymbols(sbn);
                SourceBlock b = sbn > 0 && sizes[sbn - 1].K == k ? sizes[sbn - 1] : new SourceBlock(k);
                sizes[sbn] = b;
                if (sbn == 0 || sizes[sbn - 1].KPrime != b.KPrime) continue;
                if (plans[sbn - 1] == null)
                {
                    int[] isi = new int[b.KPrime];
                    for (int i = 0; i < isi.Length; i++) isi[i] = i;
                    SolvePlan? plan = solver.Plan(b, isi, b.KPrime, oti.T);
                    if (plan == null) throw new InvalidOperationException("RaptorQ: the systematic rows did not solve");
                    plans[sbn - 1] = plan;
                    if (plan.ScratchBytes(oti.T) > scratchBytes) scratchBytes = plan.ScratchBytes(oti.T);
                }
                plans[sbn] = plans[sbn - 1];
            }
            scratch = new byte[scratchBytes];
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                blocks[sbn] = new BlockEncoder(solver, oti.BlockSymbols(sbn), oti.T);
                if (prepare) PrepareBlock(sbn);
            }
            if (prepare) source = null;
        }

        /// <summary>The object's transmission information.</summary>
        public Oti Oti { get { return oti; } }

        /// <summary>Source symbols in block sbn.</summary>
        public int K(int sbn) { return oti.BlockSymbols(sbn); }

        /// <summary>True once block sbn is prepared (it can give repair symbols). Not synchronised: a caller preparing on another thread publishes that itself.</summary>
        public bool BlockPrepared(int sbn) { return prepared[sbn]; }

        /// <summary>The plan block sbn replays, or null if it is solved directly (the only block of its K').</summary>
        public SolvePlan? Plan(int sbn) { return plans[sbn]; }

        /// <summary>Scratch bytes a thread needs to prepare blocks with <see cref="PrepareBlock(int, byte[])"/>.</summary>
        public int PrepareScratchBytes { get { return scratch.Length; } }

        /// <summary>
        /// Copies block sbn's source bytes into its encoder and computes its intermediate symbols
        /// (the cost of encoding: its symbol operations, and the solve's matrix work for a block
        /// without a plan). Once per block; needs the data.
        /// </summary>
        public void PrepareBlock(int sbn)
        {
            PrepareBlock(sbn, scratch);
        }

        /// <summary>
        /// <see cref="PrepareBlock(int)"/> with the caller's scratch (<see cref="PrepareScratchBytes"/>):
        /// blocks with a plan (<see cref="Plan"/> not null) may be prepared on several threads at
        /// once, each with its own scratch and its own blocks; blocks without one share the solver
        /// (one thread at a time). The caller publishes the results to the threads that send.
        /// </summary>
        public void PrepareBlock(int sbn, byte[] scratch)
        {
            if (prepared[sbn]) return;
            byte[]? data = source;
            if (data == null) throw new InvalidOperationException("source released before every block was prepared");
            BlockEncoder enc = blocks[sbn];
            byte[] store = enc.Begin(sizes[sbn]);
            ObjectLayout.Scatter(oti, sbn, data, sourceOffset + (int)oti.BlockStart(sbn), oti.BlockBytes(sbn), store, enc.SourceOffset(0));
            SolvePlan? plan = plans[sbn];
            if (plan != null) enc.Prepare(plan, scratch);
            else enc.Prepare();
            prepared[sbn] = true;
        }

        /// <summary>Lets go of the data (after every block is prepared): source symbols are then computed from the intermediate symbols.</summary>
        public void ReleaseSource()
        {
            for (int sbn = 0; sbn < prepared.Length; sbn++)
                if (!prepared[sbn]) throw new InvalidOperationException("block " + sbn + " not prepared");
            source = null;
        }

        /// <summary>
        /// Asks the processor to start loading what encoding symbol (sbn, esi) is made of: its bytes
        /// in the data while held, else the prepared block's intermediate symbols
        /// (<see cref="BlockEncoder.Prefetch"/>); nothing for a block not yet prepared. A hint only.
        /// </summary>
        public void Prefetch(int sbn, int esi)
        {
            byte[]? data = source;
            int have = HeldSourceBytes(data, sbn, esi, out int from);
            if (have >= 0)
            {
                if (have > 0) SymbolOps.Current.Prefetch(data!, from, have);
                return;
            }
            if (prepared[sbn]) blocks[sbn].Prefetch(esi);
        }

        /// <summary>Writes encoding symbol (sbn, esi), T bytes, to dst[offset]: a source symbol from the data while it is held, else from the prepared block.</summary>
        public void Symbol(int sbn, int esi, byte[] dst, int offset)
        {
            byte[]? data = source;
            int have = HeldSourceBytes(data, sbn, esi, out int from);
            if (have >= 0)
            {
                // N = 1: the block's bytes in order, zero after the object's end (the padding).
                if (have > 0) Array.Copy(data!, from, dst, offset, have);
                if (have < oti.T) Array.Clear(dst, offset + have, oti.T - have);
                return;
            }
            if (!prepared[sbn]) throw new InvalidOperationException("block " + sbn + " not prepared");
            blocks[sbn].Symbol(esi, dst, offset);
        }

        // With data (the source, while held) and a source ESI: how many of the symbol's T bytes
        // the data has (0..T; the rest is padding), starting at data[from]. -1 otherwise: the
        // symbol comes from the prepared block.
        private int HeldSourceBytes(byte[]? data, int sbn, int esi, out int from)
        {
            from = 0;
            if (data == null || esi < 0 || esi >= oti.BlockSymbols(sbn)) return -1;
            int at = esi * oti.T;
            from = sourceOffset + (int)oti.BlockStart(sbn) + at;
            int have = oti.BlockBytes(sbn) - at;
            return have <= 0 ? 0 : have < oti.T ? have : oti.T;
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
