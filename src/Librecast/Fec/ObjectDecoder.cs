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
            solver = new Solver(oti.KL, extra, oti.T);
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

        /// <summary>
        /// Maps part <paramref name="part"/> (<see cref="BlockDecoder.PrefaultBytes"/>) of block
        /// <paramref name="sbn"/>'s symbol storage now (<see cref="BlockDecoder.Prefault"/>); false
        /// when the part is past that storage. Changes no byte: safe while symbols arrive on another thread.
        /// </summary>
        public bool Prefault(int sbn, int part)
        {
            return blocks[sbn].Prefault(part);
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

        /// <summary>Symbols the last decode attempt of block sbn used (0 before any).</summary>
        public int BlockAttempted(int sbn) { return blocks[sbn].AttemptedAt; }

        /// <summary>Symbols block sbn's decode used (0 until it decoded): K, or more when K did not decode.</summary>
        public int BlockUsed(int sbn) { return blocks[sbn].Used; }

        /// <summary>Takes one encoding symbol (T bytes at src[offset]); returns true if it completed a block.</summary>
        /// <remarks>Decodes a block on the caller's thread as soon as it holds K symbols; <see cref="Collect"/> and <see cref="TryDecodeBlock"/> split the two.</remarks>
        /// <exception cref="ArgumentOutOfRangeException">sbn is not a block of this object.</exception>
        public bool Add(int sbn, int esi, byte[] src, int offset)
        {
            if (Collect(sbn, esi, src, offset) != BlockDecoder.Added) return false;
            if (blocks[sbn].Count < blocks[sbn].Block.K) return false;
            return TryDecodeBlock(sbn);
        }

        /// <summary>
        /// Stores one encoding symbol without decoding; returns <see cref="BlockDecoder.Added"/>,
        /// Duplicate, Full or AlreadyDecoded. Touches only block sbn: another thread may decode
        /// another block meanwhile, never this one.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">sbn is not a block of this object.</exception>
        public int Collect(int sbn, int esi, byte[] src, int offset)
        {
            if (sbn < 0 || sbn >= oti.Z) throw new ArgumentOutOfRangeException("sbn", "no source block " + sbn + " in an object of " + oti.Z);
            int r = blocks[sbn].Add(esi, src, offset);
            if (r == BlockDecoder.Added) received++;
            else if (r != BlockDecoder.Duplicate) refused++;
            return r;
        }

        /// <summary>
        /// Tries to decode block sbn from the fewest of its symbols not tried yet (K first, in the
        /// order they arrived); on success writes its bytes into <see cref="Result"/> and returns
        /// true. One thread at a time (the solver and block buffer are shared by all blocks), and
        /// none may <see cref="Collect"/> into block sbn meanwhile.
        /// </summary>
        public bool TryDecodeBlock(int sbn)
        {
            BlockDecoder b = blocks[sbn];
            if (b.Decoded) return false;
            int use = b.AttemptedAt + 1;
            if (use < b.Block.K) use = b.Block.K;
            for (; use <= b.Count; use++)
            {
                if (blockBuffer == null)
                {
                    if (!b.TryDecodeFirst(use, result, 0, result.Length)) continue;
                }
                else
                {
                    if (!b.TryDecodeFirst(use, blockBuffer, 0, b.Block.K * oti.T)) continue;
                    ObjectLayout.Gather(oti, sbn, blockBuffer, 0, result, (int)oti.BlockStart(sbn), oti.BlockBytes(sbn));
                }
                blocksDone++;
                return true;
            }
            return false;
        }
    }
}
