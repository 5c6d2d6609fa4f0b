using System;

namespace Librecast.Fec
{
    /// <summary>RaptorQ decoder for a whole object: takes (SBN, ESI, symbol) in any order until every block decodes.</summary>
    /// <remarks>
    /// All memory is allocated by the constructor (<see cref="MemoryBytes"/> says how much before
    /// you build one): a <see cref="BlockDecoder"/> per source block holding up to K + extra
    /// symbols, one shared <see cref="Solver"/>, the F-byte result and, for an object of more than
    /// one block or sub-block, a K·T block buffer (one block in one sub-block decodes straight into the result).
    /// </remarks>
    public sealed class ObjectDecoder
    {
        private readonly Oti oti;
        private readonly BlockDecoder[] blocks;
        private readonly byte[]? blockBuffer;
        private readonly byte[] result;
        private readonly Solver solver;
        private int blocksDone;
        private long received;
        private long refused;

        /// <summary>A decoder for the object oti describes, keeping up to K + extra symbols per block.</summary>
        public ObjectDecoder(Oti oti, int extra)
        {
            if (oti == null) throw new ArgumentNullException("oti");
            if (oti.F > int.MaxValue) throw new ArgumentException("objects over 2 GiB are not supported in memory");
            this.oti = oti;
            solver = new Solver(oti.KL, extra);
            blocks = new BlockDecoder[oti.Z];
            for (int sbn = 0; sbn < oti.Z; sbn++)
            {
                int k = oti.BlockSymbols(sbn);
                blocks[sbn] = new BlockDecoder(solver, k, oti.T, extra);
                blocks[sbn].Reset(new SourceBlock(k));
            }
            // One block in one sub-block decodes straight into the result; otherwise a block
            // decodes into a K·T buffer and is gathered from there.
            blockBuffer = Direct(oti) ? null : new byte[oti.KL * oti.T];
            result = new byte[oti.F];
        }

        /// <summary>Bytes of array elements an ObjectDecoder for oti with this extra will allocate (what <see cref="ArrayBytes"/> will say).</summary>
        /// <remarks>Object headers are not counted: a few hundred bytes on nanoFramework (about 12-20 bytes per array or object).</remarks>
        public static long MemoryBytes(Oti oti, int extra)
        {
            long total = oti.F + (Direct(oti) ? 0 : (long)oti.KL * oti.T) + Solver.WorkingBytesFor(oti.KL, extra);
            for (int sbn = 0; sbn < oti.Z; sbn++)
                total += BlockDecoder.ArrayBytesFor(oti.BlockSymbols(sbn), oti.T, extra);
            return total;
        }

        /// <summary>Bytes of array elements this decoder holds: block decoders, the shared solver, the block buffer and the result.</summary>
        public long ArrayBytes
        {
            get
            {
                long total = result.Length + (blockBuffer == null ? 0 : blockBuffer.Length) + solver.WorkingBytes;
                for (int sbn = 0; sbn < blocks.Length; sbn++) total += blocks[sbn].ArrayBytes;
                return total;
            }
        }

        private static bool Direct(Oti oti) { return oti.Z == 1 && oti.N == 1; }

        /// <summary>The object's transmission information.</summary>
        public Oti Oti { get { return oti; } }

        /// <summary>True when every block has decoded.</summary>
        public bool Complete { get { return blocksDone == oti.Z; } }

        /// <summary>Blocks decoded so far.</summary>
        public int BlocksDone { get { return blocksDone; } }

        /// <summary>Distinct symbols taken (all blocks).</summary>
        public long Received { get { return received; } }

        /// <summary>Symbols refused because their block was full or already decoded (duplicates not counted).</summary>
        public long Refused { get { return refused; } }

        /// <summary>Source symbols in the whole object (sum of K): the fewest symbols that can decode it.</summary>
        public long Needed { get { return oti.Kt; } }

        /// <summary>Distinct symbols held for block sbn.</summary>
        public int BlockCount(int sbn) { return blocks[sbn].Count; }

        /// <summary>True when block sbn has decoded.</summary>
        public bool BlockDone(int sbn) { return blocks[sbn].Decoded; }

        /// <summary>The decoded object (oti.F bytes; valid once <see cref="Complete"/>).</summary>
        public byte[] Result { get { return result; } }

        /// <summary>Takes one encoding symbol (T bytes at src[offset]); returns true if it completed a block.</summary>
        /// <exception cref="ArgumentOutOfRangeException">sbn is not a block of this object.</exception>
        public bool Add(int sbn, int esi, byte[] src, int offset)
        {
            if (sbn < 0 || sbn >= oti.Z) throw new ArgumentOutOfRangeException("sbn", "no source block " + sbn + " in an object of " + oti.Z);
            BlockDecoder b = blocks[sbn];
            int r = b.Add(esi, src, offset);
            if (r == BlockDecoder.Duplicate) return false;
            if (r != BlockDecoder.Added) { refused++; return false; }
            received++;
            if (b.Count < b.Block.K) return false;
            if (blockBuffer == null)
            {
                if (!b.TryDecode(result, 0, result.Length)) return false;
            }
            else
            {
                if (!b.TryDecode(blockBuffer, 0)) return false;
                ObjectLayout.Gather(oti, sbn, blockBuffer, 0, result, (int)oti.BlockStart(sbn), oti.BlockBytes(sbn));
            }
            blocksDone++;
            return true;
        }
    }
}
