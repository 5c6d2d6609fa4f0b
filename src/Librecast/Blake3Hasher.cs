using System;

namespace Librecast
{

    /// <summary>Incremental BLAKE3 hasher (portable: no SIMD, no Span, no generics; allocation-free after construction).</summary>
    /// <remarks>
    /// Written for .NET nanoFramework as well as desktop .NET, so it sticks to plain arrays and
    /// integer arithmetic. It follows the structure of the BLAKE3 reference implementation: a
    /// chunk state, a stack of subtree chaining values merged lazily, and an output node that is
    /// only compressed with the ROOT flag when output is requested. Only the default (unkeyed)
    /// hash mode is exposed; the flag and key plumbing is kept so keyed modes can be added.
    /// </remarks>
    public sealed partial class Blake3Hasher
    {
        /// <summary>Length in bytes of the default BLAKE3 digest (BLAKE3_OUT_LEN).</summary>
        public const int OutLength = 32;

        private const int BlockLength = 64;
        private const int ChunkLength = 1024;

        // 2^64 bytes of input is 2^54 chunks, so at most 54 subtree CVs are ever pending;
        // one extra slot keeps the push after a merge within bounds without a special case.
        private const int MaxDepth = 54;

        private const uint ChunkStart = 1;
        private const uint ChunkEnd = 2;
        private const uint Parent = 4;
        private const uint Root = 8;
        private const uint KeyedHash = 16;
        private const uint DeriveKeyContext = 32;
        private const uint DeriveKeyMaterial = 64;

        private static readonly uint[] IV =
        {
            0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
            0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
        };

        // The message permutation applied 0..6 times, precomputed so rounds index the block
        // words in place instead of shuffling a copy of them after every round.
        private static readonly byte[] MessageSchedule =
        {
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8,
            3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1,
            10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6,
            12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4,
            9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7,
            11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13,
        };

        private readonly uint[] key = new uint[8];
        private readonly uint flags;

        // Chunk state.
        private readonly uint[] chunkCv = new uint[8];
        private readonly byte[] block = new byte[BlockLength];
        private ulong chunkCounter;
        private int blockLength;
        private int blocksCompressed;

        // Chaining values of completed subtrees, 8 words each, oldest (largest) first.
        private readonly uint[] cvStack = new uint[(MaxDepth + 1) * 8];
        private int cvStackLength;

        // Scratch space, so Update and Finish never allocate.
        private readonly uint[] message = new uint[16];
        private readonly uint[] outputCv = new uint[8];
        private readonly uint[] outputBlock = new uint[16];
        private readonly uint[] outputWords = new uint[16];

        /// <summary>Creates a hasher in the default (unkeyed) hash mode.</summary>
        public Blake3Hasher()
        {
            Array.Copy(IV, key, 8);
            flags = 0;
            Reset();
        }

        /// <summary>Creates a hasher in BLAKE3's keyed hash mode with the 32-byte key at key[offset] (as blake3_hasher_init_keyed).</summary>
        /// <exception cref="ArgumentException">Fewer than 32 bytes from offset.</exception>
        public Blake3Hasher(byte[] key, int offset)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            if (offset < 0 || offset > key.Length - 32) throw new ArgumentException("a BLAKE3 key is 32 bytes", nameof(key));
            for (int i = 0; i < 8; i++)
            {
                int o = offset + 4 * i;
                this.key[i] = (uint)(key[o] | (key[o + 1] << 8) | (key[o + 2] << 16) | (key[o + 3] << 24));
            }
            flags = KeyedHash;
            Reset();
        }

        // A hasher with the key words and mode flags given (key derivation's two steps).
        private Blake3Hasher(uint[] keyWords, uint modeFlags)
        {
            Array.Copy(keyWords, key, 8);
            flags = modeFlags;
            Reset();
        }

        /// <summary>
        /// Creates a hasher in BLAKE3's key derivation mode (as <c>blake3_hasher_init_derive_key_raw</c>)
        /// for the context string's bytes <paramref name="context"/>[offset, +count): the key material
        /// is then what <see cref="Update"/> is given, the derived key what <see cref="Finish"/> writes.
        /// The context must be hard-coded, unique to the application and its purpose (BLAKE3's rule).
        /// </summary>
        public static Blake3Hasher ForDeriveKey(byte[] context, int offset, int count)
        {
            CheckRange(context, "context", offset, "offset", count, "count");
            Blake3Hasher contextHasher = new Blake3Hasher(IV, DeriveKeyContext);
            contextHasher.Update(context, offset, count);
            byte[] contextKey = new byte[OutLength];
            contextHasher.Finish(contextKey, 0, OutLength);
            uint[] words = new uint[8];
            for (int i = 0; i < 8; i++)
            {
                int o = 4 * i;
                words[i] = (uint)(contextKey[o] | (contextKey[o + 1] << 8) | (contextKey[o + 2] << 16) | (contextKey[o + 3] << 24));
                contextKey[o] = contextKey[o + 1] = contextKey[o + 2] = contextKey[o + 3] = 0;
            }
            Blake3Hasher h = new Blake3Hasher(words, DeriveKeyMaterial);
            for (int i = 0; i < 8; i++) words[i] = 0;
            return h;
        }

        /// <summary>
        /// BLAKE3's <c>derive_key(context, key_material)</c>: writes <paramref name="count"/> bytes of
        /// key derived from <paramref name="material"/>[materialOffset, +materialCount) for the
        /// (hard-coded) context string <paramref name="context"/> (UTF-8) into <paramref name="output"/>[outputOffset].
        /// </summary>
        public static void DeriveKey(string context, byte[] material, int materialOffset, int materialCount, byte[] output, int outputOffset, int count)
        {
            if (context == null) throw new ArgumentNullException("context");
            byte[] c = Utf8.GetBytes(context);
            Blake3Hasher h = ForDeriveKey(c, 0, c.Length);
            h.Update(material, materialOffset, materialCount);
            h.Finish(output, outputOffset, count);
        }

        /// <summary>Discards all input so far, returning the hasher to its freshly constructed state.</summary>
        public void Reset()
        {
            Array.Copy(key, chunkCv, 8);
            chunkCounter = 0;
            blockLength = 0;
            blocksCompressed = 0;
            cvStackLength = 0;
        }

        /// <summary>Adds input to the hash. May be called any number of times with any length.</summary>
        /// <param name="input">Buffer holding the input.</param>
        /// <param name="offset">Index in <paramref name="input"/> of the first byte to hash.</param>
        /// <param name="count">Number of bytes to hash; zero is allowed.</param>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside <paramref name="input"/>.</exception>
        public void Update(byte[] input, int offset, int count)
        {
            CheckRange(input, nameof(input), offset, nameof(offset), count, nameof(count));
            while (count > 0)
            {
                // A full chunk is only closed once more input proves it is not the last one,
                // because the last chunk may be the root and must not be finalized yet.
                if (blocksCompressed * BlockLength + blockLength == ChunkLength)
                {
                    LoadBlock(block, 0, BlockLength, message);
                    Compress(chunkCv, 0, message, chunkCounter, BlockLength, flags | StartFlag() | ChunkEnd, chunkCv, 0, false);
                    chunkCounter++;
                    PushChunkCv(chunkCounter);
                    Array.Copy(key, chunkCv, 8);
                    blocksCompressed = 0;
                    blockLength = 0;
                }

                // Likewise a full block is only compressed once more input arrives, as the
                // chunk's last block needs CHUNK_END (and possibly ROOT).
                if (blockLength == BlockLength)
                {
                    LoadBlock(block, 0, BlockLength, message);
                    Compress(chunkCv, 0, message, chunkCounter, BlockLength, flags | StartFlag(), chunkCv, 0, false);
                    blocksCompressed++;
                    blockLength = 0;
                }

                // Whole blocks that are certainly neither the chunk's last block nor the
                // input's last block skip the copy into the buffer.
                while (blockLength == 0 && count > BlockLength && blocksCompressed < ChunkLength / BlockLength - 1)
                {
                    LoadBlock(input, offset, BlockLength, message);
                    Compress(chunkCv, 0, message, chunkCounter, BlockLength, flags | StartFlag(), chunkCv, 0, false);
                    blocksCompressed++;
                    offset += BlockLength;
                    count -= BlockLength;
                }

                int take = BlockLength - blockLength;
                if (take > count)
                    take = count;
                Array.Copy(input, offset, block, blockLength, take);
                blockLength += take;
                offset += take;
                count -= take;
            }
        }

        /// <summary>
        /// Writes <paramref name="count"/> bytes of output (the first 32 are the standard digest;
        /// more extend it as BLAKE3's XOF). Leaves the hasher unchanged, so it may be called again
        /// and further <see cref="Update"/> calls continue the same input.
        /// </summary>
        /// <param name="output">Buffer receiving the output.</param>
        /// <param name="offset">Index in <paramref name="output"/> of the first byte written.</param>
        /// <param name="count">Number of output bytes; zero is allowed.</param>
        /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside <paramref name="output"/>.</exception>
        public void Finish(byte[] output, int offset, int count)
        {
            CheckRange(output, nameof(output), offset, nameof(offset), count, nameof(count));

            // The output node starts as the current (possibly partial) chunk's last block. Working
            // on copies keeps the hasher's own state untouched.
            Array.Copy(chunkCv, outputCv, 8);
            LoadBlock(block, 0, blockLength, outputBlock);
            ulong counter = chunkCounter;
            uint length = (uint)blockLength;
            uint nodeFlags = flags | StartFlag() | ChunkEnd;

            // Fold the pending subtrees from the newest down; each fold yields a parent node
            // whose own compression is deferred so that the topmost one can carry ROOT.
            for (int i = cvStackLength - 1; i >= 0; i--)
            {
                Compress(outputCv, 0, outputBlock, counter, length, nodeFlags, outputWords, 0, false);
                Array.Copy(cvStack, i * 8, outputBlock, 0, 8);
                Array.Copy(outputWords, 0, outputBlock, 8, 8);
                Array.Copy(key, outputCv, 8);
                counter = 0;
                length = BlockLength;
                nodeFlags = flags | Parent;
            }

            // The extended output is the root node recompressed with an incrementing counter.
            ulong outputBlockCounter = 0;
            while (count > 0)
            {
                Compress(outputCv, 0, outputBlock, outputBlockCounter, length, nodeFlags | Root, outputWords, 0, true);
                int take = count < BlockLength ? count : BlockLength;
                for (int i = 0; i < take; i++)
                    output[offset + i] = (byte)(outputWords[i >> 2] >> ((i & 3) * 8));
                offset += take;
                count -= take;
                outputBlockCounter++;
            }
        }

        /// <summary>Computes the 32-byte BLAKE3 digest of a buffer in one call.</summary>
        /// <remarks>On .NET this is Blake3Fast (SIMD lanes and all cores, no allocation); on nanoFramework, this class.</remarks>
        /// <param name="input">Buffer holding the input.</param>
        /// <param name="offset">Index in <paramref name="input"/> of the first byte to hash.</param>
        /// <param name="count">Number of bytes to hash.</param>
        /// <param name="output">Buffer receiving the <see cref="OutLength"/>-byte digest.</param>
        /// <param name="outputOffset">Index in <paramref name="output"/> of the digest's first byte.</param>
        /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="output"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A range lies outside its buffer.</exception>
        public static void Hash(byte[] input, int offset, int count, byte[] output, int outputOffset)
        {
            CheckRange(input, nameof(input), offset, nameof(offset), count, nameof(count));
            // Checked before hashing so a bad output buffer does not cost a full pass over the input.
            if (output == null)
                throw new ArgumentNullException(nameof(output));
            if (outputOffset < 0 || outputOffset > output.Length - OutLength)
                throw new ArgumentOutOfRangeException(nameof(outputOffset), "output needs 32 bytes from outputOffset");
            bool hashed = false;
            HashNative(input, offset, count, output, outputOffset, ref hashed);
            if (hashed)
                return;
            Blake3Hasher hasher = new Blake3Hasher();
            hasher.Update(input, offset, count);
            hasher.Finish(output, outputOffset, OutLength);
        }

        // The .NET build hashes with SIMD and threads instead (Blake3Hasher.net.cs: Blake3Fast);
        // nanoFramework has no such half and hashes right here.
        static partial void HashNative(byte[] input, int offset, int count, byte[] output, int outputOffset, ref bool hashed);

        private uint StartFlag()
        {
            return blocksCompressed == 0 ? ChunkStart : 0;
        }

        // Merges the new chunk CV (in chunkCv) with completed subtrees: each trailing zero bit of
        // the total chunk count marks a subtree of equal size on the stack that is now complete.
        private void PushChunkCv(ulong totalChunks)
        {
            while ((totalChunks & 1) == 0)
            {
                cvStackLength--;
                Array.Copy(cvStack, cvStackLength * 8, message, 0, 8);
                Array.Copy(chunkCv, 0, message, 8, 8);
                Compress(key, 0, message, 0, BlockLength, flags | Parent, chunkCv, 0, false);
                totalChunks >>= 1;
            }
            Array.Copy(chunkCv, 0, cvStack, cvStackLength * 8, 8);
            cvStackLength++;
        }

        // Reads up to 64 bytes as little-endian words, zero-padding the rest of the block.
        private static void LoadBlock(byte[] source, int offset, int length, uint[] words)
        {
            int whole = length >> 2;
            for (int i = 0; i < whole; i++)
            {
                int p = offset + (i << 2);
                words[i] = (uint)source[p] | ((uint)source[p + 1] << 8) | ((uint)source[p + 2] << 16) | ((uint)source[p + 3] << 24);
            }
            int next = whole;
            int rest = length & 3;
            if (rest != 0)
            {
                int p = offset + (whole << 2);
                uint w = 0;
                for (int j = 0; j < rest; j++)
                    w |= (uint)source[p + j] << (j * 8);
                words[next++] = w;
            }
            for (int i = next; i < 16; i++)
                words[i] = 0;
        }

        // The BLAKE3 compression function. Writes the 8-word chaining value to output, or with
        // extended set the full 16-word XOF block. The inputs are read into locals first, so
        // output may alias cv (but not m).
        private static void Compress(uint[] cv, int cvOffset, uint[] m, ulong counter, uint blockLen, uint blockFlags,
            uint[] output, int outputOffset, bool extended)
        {
            uint c0 = cv[cvOffset], c1 = cv[cvOffset + 1], c2 = cv[cvOffset + 2], c3 = cv[cvOffset + 3];
            uint c4 = cv[cvOffset + 4], c5 = cv[cvOffset + 5], c6 = cv[cvOffset + 6], c7 = cv[cvOffset + 7];
            uint v0 = c0, v1 = c1, v2 = c2, v3 = c3, v4 = c4, v5 = c5, v6 = c6, v7 = c7;
            uint v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
            uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLen, v15 = blockFlags;
            byte[] schedule = MessageSchedule;

            for (int r = 0; r < 7 * 16; r += 16)
            {
                // Columns.
                v0 = v0 + v4 + m[schedule[r + 0]]; v12 ^= v0; v12 = (v12 >> 16) | (v12 << 16);
                v8 = v8 + v12; v4 ^= v8; v4 = (v4 >> 12) | (v4 << 20);
                v0 = v0 + v4 + m[schedule[r + 1]]; v12 ^= v0; v12 = (v12 >> 8) | (v12 << 24);
                v8 = v8 + v12; v4 ^= v8; v4 = (v4 >> 7) | (v4 << 25);
                v1 = v1 + v5 + m[schedule[r + 2]]; v13 ^= v1; v13 = (v13 >> 16) | (v13 << 16);
                v9 = v9 + v13; v5 ^= v9; v5 = (v5 >> 12) | (v5 << 20);
                v1 = v1 + v5 + m[schedule[r + 3]]; v13 ^= v1; v13 = (v13 >> 8) | (v13 << 24);
                v9 = v9 + v13; v5 ^= v9; v5 = (v5 >> 7) | (v5 << 25);
                v2 = v2 + v6 + m[schedule[r + 4]]; v14 ^= v2; v14 = (v14 >> 16) | (v14 << 16);
                v10 = v10 + v14; v6 ^= v10; v6 = (v6 >> 12) | (v6 << 20);
                v2 = v2 + v6 + m[schedule[r + 5]]; v14 ^= v2; v14 = (v14 >> 8) | (v14 << 24);
                v10 = v10 + v14; v6 ^= v10; v6 = (v6 >> 7) | (v6 << 25);
                v3 = v3 + v7 + m[schedule[r + 6]]; v15 ^= v3; v15 = (v15 >> 16) | (v15 << 16);
                v11 = v11 + v15; v7 ^= v11; v7 = (v7 >> 12) | (v7 << 20);
                v3 = v3 + v7 + m[schedule[r + 7]]; v15 ^= v3; v15 = (v15 >> 8) | (v15 << 24);
                v11 = v11 + v15; v7 ^= v11; v7 = (v7 >> 7) | (v7 << 25);
                // Diagonals.
                v0 = v0 + v5 + m[schedule[r + 8]]; v15 ^= v0; v15 = (v15 >> 16) | (v15 << 16);
                v10 = v10 + v15; v5 ^= v10; v5 = (v5 >> 12) | (v5 << 20);
                v0 = v0 + v5 + m[schedule[r + 9]]; v15 ^= v0; v15 = (v15 >> 8) | (v15 << 24);
                v10 = v10 + v15; v5 ^= v10; v5 = (v5 >> 7) | (v5 << 25);
                v1 = v1 + v6 + m[schedule[r + 10]]; v12 ^= v1; v12 = (v12 >> 16) | (v12 << 16);
                v11 = v11 + v12; v6 ^= v11; v6 = (v6 >> 12) | (v6 << 20);
                v1 = v1 + v6 + m[schedule[r + 11]]; v12 ^= v1; v12 = (v12 >> 8) | (v12 << 24);
                v11 = v11 + v12; v6 ^= v11; v6 = (v6 >> 7) | (v6 << 25);
                v2 = v2 + v7 + m[schedule[r + 12]]; v13 ^= v2; v13 = (v13 >> 16) | (v13 << 16);
                v8 = v8 + v13; v7 ^= v8; v7 = (v7 >> 12) | (v7 << 20);
                v2 = v2 + v7 + m[schedule[r + 13]]; v13 ^= v2; v13 = (v13 >> 8) | (v13 << 24);
                v8 = v8 + v13; v7 ^= v8; v7 = (v7 >> 7) | (v7 << 25);
                v3 = v3 + v4 + m[schedule[r + 14]]; v14 ^= v3; v14 = (v14 >> 16) | (v14 << 16);
                v9 = v9 + v14; v4 ^= v9; v4 = (v4 >> 12) | (v4 << 20);
                v3 = v3 + v4 + m[schedule[r + 15]]; v14 ^= v3; v14 = (v14 >> 8) | (v14 << 24);
                v9 = v9 + v14; v4 ^= v9; v4 = (v4 >> 7) | (v4 << 25);
            }

            output[outputOffset] = v0 ^ v8;
            output[outputOffset + 1] = v1 ^ v9;
            output[outputOffset + 2] = v2 ^ v10;
            output[outputOffset + 3] = v3 ^ v11;
            output[outputOffset + 4] = v4 ^ v12;
            output[outputOffset + 5] = v5 ^ v13;
            output[outputOffset + 6] = v6 ^ v14;
            output[outputOffset + 7] = v7 ^ v15;
            if (extended)
            {
                output[outputOffset + 8] = v8 ^ c0;
                output[outputOffset + 9] = v9 ^ c1;
                output[outputOffset + 10] = v10 ^ c2;
                output[outputOffset + 11] = v11 ^ c3;
                output[outputOffset + 12] = v12 ^ c4;
                output[outputOffset + 13] = v13 ^ c5;
                output[outputOffset + 14] = v14 ^ c6;
                output[outputOffset + 15] = v15 ^ c7;
            }
        }

        private static void CheckRange(byte[] buffer, string bufferName, int offset, string offsetName, int count, string countName)
        {
            if (buffer == null)
                throw new ArgumentNullException(bufferName);
            if (offset < 0 || offset > buffer.Length)
                throw new ArgumentOutOfRangeException(offsetName, "must lie within " + bufferName);
            if (count < 0 || count > buffer.Length - offset)
                throw new ArgumentOutOfRangeException(countName, "must not run past the end of " + bufferName);
        }
    }
}
