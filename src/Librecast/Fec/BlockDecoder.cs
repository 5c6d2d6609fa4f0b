using System;

namespace Librecast.Fec
{
    /// <summary>RaptorQ decoder for one source block: collects encoding symbols, then recovers the K source symbols.</summary>
    /// <remarks>
    /// Storage is fixed at construction: (S + H + K' + extra) symbols for the largest block, one
    /// slot per received symbol, so adding a symbol copies it and allocates nothing. Duplicates
    /// are ignored; once K + extra symbols are held, further ones are refused (counted by the
    /// caller). A decode attempt first checks the rows without touching the symbols, so a failure
    /// (rare: about 1 in 100 at K received, 1 in 10^6 at K + 2) costs nothing but time.
    /// </remarks>
    public sealed class BlockDecoder
    {
        private readonly Solver solver;
        private readonly int symbolSize;
        private readonly int extra;
        private readonly byte[] store;
        private readonly int[] isi;
        private readonly int[] esiOf;
        private readonly int[] hash;
        private readonly bool[] haveSource;
        private readonly int[] cols = new int[SourceBlock.MaxRowWeight];
        private SourceBlock block = null!;
        private int count;
        private int attemptedAt;
        private bool decoded;

        /// <summary>A decoder for blocks of up to maxK symbols of symbolSize bytes holding up to K + extra symbols.</summary>
        public BlockDecoder(Solver solver, int maxK, int symbolSize, int extra)
        {
            if (solver == null) throw new ArgumentNullException("solver");
            if (symbolSize < 1) throw new ArgumentOutOfRangeException("symbolSize");
            if (extra < 0) throw new ArgumentOutOfRangeException("extra");
            this.solver = solver;
            this.symbolSize = symbolSize;
            this.extra = extra;
            SourceBlock big = new SourceBlock(maxK);
            int slots = big.S + big.H + big.KPrime + extra;
            if (slots > solver.MaxRows) throw new ArgumentException("solver too small for these blocks");
            store = new byte[slots * symbolSize];
            isi = new int[big.KPrime + extra];
            esiOf = new int[big.K + extra];
            int h = 1;
            while (h < 2 * (big.K + extra)) h <<= 1;
            hash = new int[h];
            haveSource = new bool[big.K];
        }

        /// <summary>Bytes of symbol storage one <see cref="Prefault"/> call maps.</summary>
        public const int PrefaultBytes = 64 * 1024;

        /// <summary>
        /// Asks the operating system to map part number <paramref name="part"/> of the symbol
        /// storage (<see cref="PrefaultBytes"/> from part × PrefaultBytes) now, rather than page
        /// by page under later symbols (<see cref="ISymbolOps.Populate"/>): lc fetch's receive
        /// thread spent half its time in such page faults. Changes no byte, so it may run while
        /// <see cref="Add"/> writes on another thread. Returns false when the part is past the storage.
        /// </summary>
        public bool Prefault(int part)
        {
            long at = (long)part * PrefaultBytes;
            if (part < 0 || at >= store.Length) return false;
            long left = store.Length - at;
            SymbolOps.Current.Populate(store, (int)at, left < PrefaultBytes ? (int)left : PrefaultBytes);
            return true;
        }

        /// <summary>Bytes of symbol storage this decoder holds.</summary>
        public long StorageBytes { get { return store.Length; } }

        /// <summary>Bytes this decoder's own arrays hold (symbol storage and its indexes; the shared solver not included).</summary>
        public long ArrayBytes
        {
            get { return store.Length + haveSource.Length + 4L * (isi.Length + esiOf.Length + hash.Length + cols.Length); }
        }

        /// <summary>What <see cref="ArrayBytes"/> will be for a BlockDecoder(solver, maxK, symbolSize, extra), without building one.</summary>
        public static long ArrayBytesFor(int maxK, int symbolSize, int extra)
        {
            SourceBlock big = new SourceBlock(maxK);
            long h = 1;
            while (h < 2 * (big.K + extra)) h <<= 1;
            return (long)(big.S + big.H + big.KPrime + extra) * symbolSize + big.K
                + 4L * (big.KPrime + extra + big.K + extra + h + SourceBlock.MaxRowWeight);
        }

        /// <summary>The block being decoded.</summary>
        public SourceBlock Block { get { return block; } }

        /// <summary>Distinct symbols held.</summary>
        public int Count { get { return count; } }

        /// <summary>True once TryDecode succeeded.</summary>
        public bool Decoded { get { return decoded; } }

        /// <summary>Forgets everything and starts on a block of b.K symbols.</summary>
        public void Reset(SourceBlock b)
        {
            if (b.S + b.H + b.KPrime + extra > store.Length / symbolSize || b.K > haveSource.Length)
                throw new ArgumentException("block larger than this decoder was sized for");
            block = b;
            count = 0;
            attemptedAt = 0;
            decoded = false;
            for (int i = 0; i < hash.Length; i++) hash[i] = -1;
            Array.Clear(haveSource, 0, b.K);
            int pad = b.KPrime - b.K;
            for (int j = 0; j < pad; j++) isi[j] = b.K + j;
        }

        /// <summary>Outcome of <see cref="Add"/>.</summary>
        public const int Added = 0, Duplicate = 1, Full = 2, AlreadyDecoded = 3;

        /// <summary>Takes the encoding symbol esi (symbolSize bytes at src[offset]); returns Added, Duplicate, Full or AlreadyDecoded.</summary>
        public int Add(int esi, byte[] src, int offset)
        {
            if (esi < 0 || esi > 0xFFFFFF) throw new ArgumentOutOfRangeException("esi", "an ESI is 24 bits");
            if (decoded) return AlreadyDecoded;
            int mask = hash.Length - 1;
            int h = (int)(((uint)esi * 2654435761u) >> 8) & mask;
            while (hash[h] >= 0)
            {
                if (esiOf[hash[h]] == esi) return Duplicate;
                h = (h + 1) & mask;
            }
            if (count == block.K + extra) return Full;
            hash[h] = count;
            esiOf[count] = esi;
            int pad = block.KPrime - block.K;
            isi[pad + count] = block.Isi(esi);
            if (esi < block.K) haveSource[esi] = true;
            Array.Copy(src, offset, store, (block.S + block.H + pad + count) * symbolSize, symbolSize);
            count++;
            return Added;
        }

        /// <summary>
        /// With at least K symbols held, tries to recover the block; on success writes the K source
        /// symbols (K·T bytes) to dst[offset] and returns true. Retries only after new symbols.
        /// </summary>
        public bool TryDecode(byte[] dst, int offset)
        {
            if (decoded) throw new InvalidOperationException("block already decoded");
            if (count < block.K || count == attemptedAt) return false;
            return TryDecodeFirst(count, dst, offset, block.K * symbolSize);
        }

        /// <summary>Symbols the last decode attempt used (0 before any).</summary>
        public int AttemptedAt { get { return attemptedAt; } }

        /// <summary>Symbols the successful decode used: the first <see cref="Used"/> added (0 until decoded).</summary>
        public int Used { get { return decoded ? attemptedAt : 0; } }

        /// <summary>
        /// As <see cref="TryDecode(byte[], int)"/> from the first use symbols held, in the order
        /// they were added (K &lt;= use &lt;= Count), writing only the first length bytes of the K
        /// source symbols (a block straight into its object, without the padding): a decoder that
        /// collected more symbols than it tried finds the fewest that decode, as one decoding on
        /// every arrival would.
        /// </summary>
        public bool TryDecodeFirst(int use, byte[] dst, int offset, int length)
        {
            if (length < 0 || length > block.K * symbolSize) throw new ArgumentOutOfRangeException("length");
            if (decoded) throw new InvalidOperationException("block already decoded");
            if (use < block.K || use > count) throw new ArgumentOutOfRangeException("use", "between K and the symbols held");
            attemptedAt = use;
            int pad = block.KPrime - block.K;
            int n = pad + use;
            if (!solver.Solve(block, isi, n, null, 0, symbolSize)) return false;

            int T = symbolSize;
            int first = block.S + block.H;
            for (int j = 0; j < count; j++)
            {
                int e = esiOf[j];
                if (e < block.K && e * T < length) Array.Copy(store, (first + pad + j) * T, dst, offset + e * T, Clip(e, length));
            }
            Array.Clear(store, 0, (first + pad) * T);
            if (!solver.Solve(block, isi, n, store, 0, T))
                throw new InvalidOperationException("RaptorQ: rows that solved without symbols failed with them");
            ISymbolOps ops = SymbolOps.Current;
            for (int e = 0; e < block.K && e * T < length; e++)
            {
                if (haveSource[e]) continue;
                int c = block.LtColumns((uint)e, cols);
                int o = offset + e * T;
                int len = Clip(e, length);
                Array.Copy(store, solver.SlotOf(cols[0]) * T, dst, o, len);
                for (int k = 1; k < c; k++) ops.Xor(dst, o, store, solver.SlotOf(cols[k]) * T, len);
            }
            decoded = true;
            return true;
        }

        // Bytes of source symbol e that fall within the first length bytes.
        private int Clip(int e, int length)
        {
            int rest = length - e * symbolSize;
            return rest < symbolSize ? rest : symbolSize;
        }
    }
}
