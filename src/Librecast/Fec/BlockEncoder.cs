using System;

namespace Librecast.Fec
{
    /// <summary>Systematic RaptorQ encoder for one source block: K source symbols in, any ESI out (RFC 6330 5.3).</summary>
    /// <remarks>
    /// Holds the block's L intermediate symbols (L·T bytes, allocated once for the largest block
    /// it was sized for). <see cref="Prepare()"/> solves for them; <see cref="Symbol"/> then writes
    /// any encoding symbol with a handful of symbol XORs and no allocation.
    /// </remarks>
    public sealed class BlockEncoder
    {
        private readonly Solver solver;
        private readonly int symbolSize;
        private readonly byte[] store;
        private readonly int[] isi;
        private readonly int[] cols = new int[SourceBlock.MaxRowWeight];
        private readonly int[] ahead = new int[SourceBlock.MaxRowWeight];
        private readonly int[] slots;
        private SourceBlock block = null!;
        private bool ready;

        /// <summary>An encoder for blocks of up to maxK symbols of symbolSize bytes, using the given solver.</summary>
        public BlockEncoder(Solver solver, int maxK, int symbolSize)
        {
            if (solver == null) throw new ArgumentNullException("solver");
            if (symbolSize < 1) throw new ArgumentOutOfRangeException("symbolSize");
            this.solver = solver;
            this.symbolSize = symbolSize;
            SourceBlock big = new SourceBlock(maxK);
            store = new byte[big.L * symbolSize];
            isi = new int[big.KPrime];
            slots = new int[big.L];
            for (int i = 0; i < isi.Length; i++) isi[i] = i;
        }

        /// <summary>The block being encoded (after <see cref="Begin"/>).</summary>
        public SourceBlock Block { get { return block; } }

        /// <summary>Symbol size T in bytes.</summary>
        public int SymbolSize { get { return symbolSize; } }

        /// <summary>Starts a block of K symbols: returns the buffer whose source symbol i the caller
        /// writes at <see cref="SourceOffset"/>(i) (zeroed), before calling <see cref="Prepare()"/>.</summary>
        public byte[] Begin(SourceBlock b)
        {
            if (b.L * symbolSize > store.Length) throw new ArgumentException("block larger than this encoder was sized for");
            block = b;
            ready = false;
            // The first block in a fresh buffer: its pages mapped in one call rather than a fault
            // each under the clear (FecBench share: PrepareBlock x99 at 100 MB, 507-525 -> 293-450 ms CPU).
            SymbolOps.Current.Populate(store, 0, b.L * symbolSize);
            Array.Clear(store, 0, b.L * symbolSize);
            return store;
        }

        /// <summary>Where source symbol i goes in the buffer <see cref="Begin"/> returned.</summary>
        public int SourceOffset(int i) { return (block.S + block.H + i) * symbolSize; }

        /// <summary>Copies K symbols (len bytes, the rest zero) from src and prepares the block.</summary>
        public void SetSource(SourceBlock b, byte[] src, int offset, int len)
        {
            if (len > b.K * symbolSize) throw new ArgumentException("more data than K symbols");
            Begin(b);
            Array.Copy(src, offset, store, SourceOffset(0), len);
            Prepare();
        }

        /// <summary>Computes the intermediate symbols from the source symbols written since <see cref="Begin"/>.</summary>
        public void Prepare()
        {
            if (!solver.Solve(block, isi, block.KPrime, store, 0, symbolSize))
                throw new InvalidOperationException("RaptorQ: the systematic rows did not solve (K = " + block.K + ")");
            // The solver is shared by the blocks of an object: keep where this block's C[j] are.
            for (int j = 0; j < block.L; j++) slots[j] = solver.SlotOf(j);
            ready = true;
        }

        /// <summary>
        /// Computes the intermediate symbols by replaying <paramref name="plan"/> (recorded by
        /// <see cref="Solver.Plan(SourceBlock, int[], int, int)"/> for this block's K') over the source symbols written since
        /// <see cref="Begin"/>: the same bytes as <see cref="Prepare()"/> without the elimination,
        /// and without the shared solver, so blocks may be prepared on several threads (each
        /// with its own scratch of <see cref="SolvePlan.ScratchBytes"/>). Allocates nothing.
        /// </summary>
        public void Prepare(SolvePlan plan, byte[] scratch)
        {
            if (plan.KPrime != block.KPrime) throw new ArgumentException("a plan for another K'");
            plan.Apply(store, 0, symbolSize, scratch);
            for (int j = 0; j < block.L; j++) slots[j] = plan.SlotOf(j);
            ready = true;
        }

        /// <summary>
        /// Asks the processor to start loading the intermediate symbols that the encoding symbol
        /// with this ESI is made of (<see cref="ISymbolOps.Prefetch"/>), so that writing it later
        /// finds them in cache: a sender calls it one symbol ahead. Nothing before <see cref="Prepare()"/>.
        /// </summary>
        public void Prefetch(int esi)
        {
            if (!ready || esi < 0 || esi > 0xFFFFFF) return;
            int n = block.LtColumns((uint)block.Isi(esi), ahead);
            ISymbolOps ops = SymbolOps.Current;
            for (int k = 0; k < n; k++) ops.Prefetch(store, slots[ahead[k]] * symbolSize, symbolSize);
        }

        /// <summary>Writes the encoding symbol with this ESI (source for ESI &lt; K, repair above) to dst.</summary>
        public void Symbol(int esi, byte[] dst, int offset)
        {
            if (!ready) throw new InvalidOperationException("call Prepare (or SetSource) first");
            if (esi < 0 || esi > 0xFFFFFF) throw new ArgumentOutOfRangeException("esi", "an ESI is 24 bits");
            int n = block.LtColumns((uint)block.Isi(esi), cols);
            Array.Copy(store, slots[cols[0]] * symbolSize, dst, offset, symbolSize);
            ISymbolOps ops = SymbolOps.Current;
            for (int k = 1; k < n; k++) ops.Xor(dst, offset, store, slots[cols[k]] * symbolSize, symbolSize);
        }
    }
}
