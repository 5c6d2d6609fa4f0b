using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Librecast
{
    // BLAKE3's compression function three ways, for Blake3Fast (.NET only: this folder never reaches
    // the nanoFramework builds). "Many" compresses several independent inputs of the same shape at
    // once, one input per vector lane: 8 with AVX2 (Vector256), 4 with Vector128 (SSE2 on x86,
    // AdvSimd on Arm, software elsewhere), 1 in plain integer code. That is the hash_many design of
    // the BLAKE3 paper (section 5.3): whole chunks (16 blocks, counters counting up, CHUNK_START on
    // the first block and CHUNK_END on the last) or parent nodes (one block of two chaining values,
    // counter 0, PARENT) side by side, so no lane waits for another. The rounds are spelled out with
    // the message permutation already applied (as Blake3Hasher.MessageSchedule), one line per half
    // round: G on the four columns, then on the four diagonals.
    internal static class Blake3Kernels
    {
        internal const uint ChunkStart = 1;
        internal const uint ChunkEnd = 2;
        internal const uint Parent = 4;
        internal const uint Root = 8;
        internal const uint KeyedHash = 16;
        internal const uint DeriveKeyContext = 32;
        internal const uint DeriveKeyMaterial = 64;

        internal const uint IV0 = 0x6A09E667, IV1 = 0xBB67AE85, IV2 = 0x3C6EF372, IV3 = 0xA54FF53A;
        internal const uint IV4 = 0x510E527F, IV5 = 0x9B05688C, IV6 = 0x1F83D9AB, IV7 = 0x5BE0CD19;

        /// <summary>The widest kernel this machine runs in hardware: 8 (AVX2), 4 (Vector128) or 1.</summary>
        internal static readonly int BestLanes = Avx2.IsSupported ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

        /// <summary>
        /// Compresses count inputs, each blocks x 64 bytes and stride bytes after the previous one,
        /// starting from the chaining value key; writes input i's 32-byte chaining value (its 8 words,
        /// little-endian) at output[32 i]. Input i's counter is counter + i when increment is set, else
        /// counter. Every block carries flags, the first flagsStart too, the last flagsEnd too. The
        /// inputs of a group of lanes are all read before its outputs are written, so output may
        /// overlap inputs already passed (a level of parents written over the level below it).
        /// lanes: 8, 4 or 1, the widest kernel used (narrower ones take what is left over).
        /// </summary>
        internal static void Many(ReadOnlySpan<byte> inputs, int count, int stride, int blocks, ReadOnlySpan<uint> key,
            ulong counter, bool increment, uint flags, uint flagsStart, uint flagsEnd, Span<byte> output, int lanes)
        {
            if (count <= 0) return;
            if (key.Length < 8 || blocks < 1 || stride < blocks * 64 && count > 1 || output.Length < count * 32 ||
                inputs.Length < (long)(count - 1) * stride + blocks * 64)
                throw new ArgumentException("BLAKE3 kernel: inputs, key or output too short for the shape asked");
            ref byte input = ref MemoryMarshal.GetReference(inputs);
            ref byte outRef = ref MemoryMarshal.GetReference(output);
            int i = 0;
            if (lanes >= 8 && Avx2.IsSupported)
            {
                for (; count - i >= 8; i += 8)
                    Many8(ref Unsafe.Add(ref input, i * stride), stride, blocks, key, increment ? counter + (ulong)i : counter,
                        increment, flags, flagsStart, flagsEnd, ref Unsafe.Add(ref outRef, i * 32));
            }
            if (lanes >= 4)
            {
                // Byte shuffles or shifts for the rotations, chosen here, so the kernel itself asks nothing (see GShuffle).
                bool shuffle = RuntimeFeature.IsDynamicCodeCompiled && (Ssse3.IsSupported || AdvSimd.IsSupported);
                for (; count - i >= 4; i += 4)
                {
                    if (shuffle)
                        Many4Shuffle(ref Unsafe.Add(ref input, i * stride), stride, blocks, key, increment ? counter + (ulong)i : counter,
                            increment, flags, flagsStart, flagsEnd, ref Unsafe.Add(ref outRef, i * 32));
                    else
                        Many4Shift(ref Unsafe.Add(ref input, i * stride), stride, blocks, key, increment ? counter + (ulong)i : counter,
                            increment, flags, flagsStart, flagsEnd, ref Unsafe.Add(ref outRef, i * 32));
                }
            }
            Span<uint> cv = stackalloc uint[8];
            for (; i < count; i++)
            {
                key.Slice(0, 8).CopyTo(cv);
                ReadOnlySpan<byte> one = inputs.Slice(i * stride, blocks * 64);
                ulong c = increment ? counter + (ulong)i : counter;
                for (int b = 0; b < blocks; b++)
                {
                    uint f = flags;
                    if (b == 0) f |= flagsStart;
                    if (b == blocks - 1) f |= flagsEnd;
                    Compress(cv, one.Slice(b * 64, 64), c, 64, f, cv);
                }
                for (int w = 0; w < 8; w++)
                    BinaryPrimitives.WriteUInt32LittleEndian(output.Slice(i * 32 + 4 * w, 4), cv[w]);
            }
        }

        /// <summary>
        /// One compression in plain integer code: the 64-byte block (little-endian words) from the
        /// chaining value cv (8 words). Writes output's first 8 words (the next chaining value), or
        /// all 16 when output holds 16 (an extended output block). cv and output may be the same.
        /// </summary>
        internal static void Compress(ReadOnlySpan<uint> cv, ReadOnlySpan<byte> block, ulong counter, uint blockLen, uint flags, Span<uint> output)
        {
            if (cv.Length < 8 || block.Length < 64 || output.Length < 8)
                throw new ArgumentException("BLAKE3 compress: a chaining value is 8 words, a block 64 bytes");
            uint c0 = cv[0], c1 = cv[1], c2 = cv[2], c3 = cv[3], c4 = cv[4], c5 = cv[5], c6 = cv[6], c7 = cv[7];
            uint m0 = BinaryPrimitives.ReadUInt32LittleEndian(block), m1 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(4));
            uint m2 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(8)), m3 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(12));
            uint m4 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(16)), m5 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(20));
            uint m6 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(24)), m7 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(28));
            uint m8 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(32)), m9 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(36));
            uint m10 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(40)), m11 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(44));
            uint m12 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(48)), m13 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(52));
            uint m14 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(56)), m15 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(60));
            uint v0 = c0, v1 = c1, v2 = c2, v3 = c3, v4 = c4, v5 = c5, v6 = c6, v7 = c7;
            uint v8 = IV0, v9 = IV1, v10 = IV2, v11 = IV3;
            uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLen, v15 = flags;

            // round 1
            G(ref v0, ref v4, ref v8, ref v12, m0, m1); G(ref v1, ref v5, ref v9, ref v13, m2, m3); G(ref v2, ref v6, ref v10, ref v14, m4, m5); G(ref v3, ref v7, ref v11, ref v15, m6, m7);
            G(ref v0, ref v5, ref v10, ref v15, m8, m9); G(ref v1, ref v6, ref v11, ref v12, m10, m11); G(ref v2, ref v7, ref v8, ref v13, m12, m13); G(ref v3, ref v4, ref v9, ref v14, m14, m15);
            // round 2
            G(ref v0, ref v4, ref v8, ref v12, m2, m6); G(ref v1, ref v5, ref v9, ref v13, m3, m10); G(ref v2, ref v6, ref v10, ref v14, m7, m0); G(ref v3, ref v7, ref v11, ref v15, m4, m13);
            G(ref v0, ref v5, ref v10, ref v15, m1, m11); G(ref v1, ref v6, ref v11, ref v12, m12, m5); G(ref v2, ref v7, ref v8, ref v13, m9, m14); G(ref v3, ref v4, ref v9, ref v14, m15, m8);
            // round 3
            G(ref v0, ref v4, ref v8, ref v12, m3, m4); G(ref v1, ref v5, ref v9, ref v13, m10, m12); G(ref v2, ref v6, ref v10, ref v14, m13, m2); G(ref v3, ref v7, ref v11, ref v15, m7, m14);
            G(ref v0, ref v5, ref v10, ref v15, m6, m5); G(ref v1, ref v6, ref v11, ref v12, m9, m0); G(ref v2, ref v7, ref v8, ref v13, m11, m15); G(ref v3, ref v4, ref v9, ref v14, m8, m1);
            // round 4
            G(ref v0, ref v4, ref v8, ref v12, m10, m7); G(ref v1, ref v5, ref v9, ref v13, m12, m9); G(ref v2, ref v6, ref v10, ref v14, m14, m3); G(ref v3, ref v7, ref v11, ref v15, m13, m15);
            G(ref v0, ref v5, ref v10, ref v15, m4, m0); G(ref v1, ref v6, ref v11, ref v12, m11, m2); G(ref v2, ref v7, ref v8, ref v13, m5, m8); G(ref v3, ref v4, ref v9, ref v14, m1, m6);
            // round 5
            G(ref v0, ref v4, ref v8, ref v12, m12, m13); G(ref v1, ref v5, ref v9, ref v13, m9, m11); G(ref v2, ref v6, ref v10, ref v14, m15, m10); G(ref v3, ref v7, ref v11, ref v15, m14, m8);
            G(ref v0, ref v5, ref v10, ref v15, m7, m2); G(ref v1, ref v6, ref v11, ref v12, m5, m3); G(ref v2, ref v7, ref v8, ref v13, m0, m1); G(ref v3, ref v4, ref v9, ref v14, m6, m4);
            // round 6
            G(ref v0, ref v4, ref v8, ref v12, m9, m14); G(ref v1, ref v5, ref v9, ref v13, m11, m5); G(ref v2, ref v6, ref v10, ref v14, m8, m12); G(ref v3, ref v7, ref v11, ref v15, m15, m1);
            G(ref v0, ref v5, ref v10, ref v15, m13, m3); G(ref v1, ref v6, ref v11, ref v12, m0, m10); G(ref v2, ref v7, ref v8, ref v13, m2, m6); G(ref v3, ref v4, ref v9, ref v14, m4, m7);
            // round 7
            G(ref v0, ref v4, ref v8, ref v12, m11, m15); G(ref v1, ref v5, ref v9, ref v13, m5, m0); G(ref v2, ref v6, ref v10, ref v14, m1, m9); G(ref v3, ref v7, ref v11, ref v15, m8, m6);
            G(ref v0, ref v5, ref v10, ref v15, m14, m10); G(ref v1, ref v6, ref v11, ref v12, m2, m12); G(ref v2, ref v7, ref v8, ref v13, m3, m4); G(ref v3, ref v4, ref v9, ref v14, m7, m13);


            output[0] = v0 ^ v8; output[1] = v1 ^ v9; output[2] = v2 ^ v10; output[3] = v3 ^ v11;
            output[4] = v4 ^ v12; output[5] = v5 ^ v13; output[6] = v6 ^ v14; output[7] = v7 ^ v15;
            if (output.Length >= 16)
            {
                output[8] = v8 ^ c0; output[9] = v9 ^ c1; output[10] = v10 ^ c2; output[11] = v11 ^ c3;
                output[12] = v12 ^ c4; output[13] = v13 ^ c5; output[14] = v14 ^ c6; output[15] = v15 ^ c7;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void G(ref uint a, ref uint b, ref uint c, ref uint d, uint x, uint y)
        {
            a = a + b + x; d = BitOperations.RotateRight(d ^ a, 16);
            c = c + d; b = BitOperations.RotateRight(b ^ c, 12);
            a = a + b + y; d = BitOperations.RotateRight(d ^ a, 8);
            c = c + d; b = BitOperations.RotateRight(b ^ c, 7);
        }

        // Eight inputs, one a lane of each Vector256 (AVX2).
        private static void Many8(ref byte input, int stride, int blocks, ReadOnlySpan<uint> key, ulong counter, bool increment,
            uint flags, uint flagsStart, uint flagsEnd, ref byte output)
        {
            Vector256<uint> h0 = Vector256.Create(key[0]), h1 = Vector256.Create(key[1]), h2 = Vector256.Create(key[2]), h3 = Vector256.Create(key[3]);
            Vector256<uint> h4 = Vector256.Create(key[4]), h5 = Vector256.Create(key[5]), h6 = Vector256.Create(key[6]), h7 = Vector256.Create(key[7]);
            ulong step = increment ? 1UL : 0UL;
            Vector256<uint> counterLow = Vector256.Create((uint)counter, (uint)(counter + step), (uint)(counter + 2 * step), (uint)(counter + 3 * step),
                (uint)(counter + 4 * step), (uint)(counter + 5 * step), (uint)(counter + 6 * step), (uint)(counter + 7 * step));
            Vector256<uint> counterHigh = Vector256.Create((uint)(counter >> 32), (uint)((counter + step) >> 32), (uint)((counter + 2 * step) >> 32),
                (uint)((counter + 3 * step) >> 32), (uint)((counter + 4 * step) >> 32), (uint)((counter + 5 * step) >> 32),
                (uint)((counter + 6 * step) >> 32), (uint)((counter + 7 * step) >> 32));
            for (int b = 0; b < blocks; b++)
            {
                uint f = flags;
                if (b == 0) f |= flagsStart;
                if (b == blocks - 1) f |= flagsEnd;
                int o = b * 64;
                Transpose(Load256(ref input, o), Load256(ref input, o + stride), Load256(ref input, o + 2 * stride), Load256(ref input, o + 3 * stride),
                    Load256(ref input, o + 4 * stride), Load256(ref input, o + 5 * stride), Load256(ref input, o + 6 * stride), Load256(ref input, o + 7 * stride),
                    out Vector256<uint> m0, out Vector256<uint> m1, out Vector256<uint> m2, out Vector256<uint> m3,
                    out Vector256<uint> m4, out Vector256<uint> m5, out Vector256<uint> m6, out Vector256<uint> m7);
                o += 32;
                Transpose(Load256(ref input, o), Load256(ref input, o + stride), Load256(ref input, o + 2 * stride), Load256(ref input, o + 3 * stride),
                    Load256(ref input, o + 4 * stride), Load256(ref input, o + 5 * stride), Load256(ref input, o + 6 * stride), Load256(ref input, o + 7 * stride),
                    out Vector256<uint> m8, out Vector256<uint> m9, out Vector256<uint> m10, out Vector256<uint> m11,
                    out Vector256<uint> m12, out Vector256<uint> m13, out Vector256<uint> m14, out Vector256<uint> m15);

                Vector256<uint> v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
                Vector256<uint> v8 = Vector256.Create(IV0), v9 = Vector256.Create(IV1), v10 = Vector256.Create(IV2), v11 = Vector256.Create(IV3);
                Vector256<uint> v12 = counterLow, v13 = counterHigh, v14 = Vector256.Create(64u), v15 = Vector256.Create(f);

                // round 1
                G(ref v0, ref v4, ref v8, ref v12, m0, m1); G(ref v1, ref v5, ref v9, ref v13, m2, m3); G(ref v2, ref v6, ref v10, ref v14, m4, m5); G(ref v3, ref v7, ref v11, ref v15, m6, m7);
                G(ref v0, ref v5, ref v10, ref v15, m8, m9); G(ref v1, ref v6, ref v11, ref v12, m10, m11); G(ref v2, ref v7, ref v8, ref v13, m12, m13); G(ref v3, ref v4, ref v9, ref v14, m14, m15);
                // round 2
                G(ref v0, ref v4, ref v8, ref v12, m2, m6); G(ref v1, ref v5, ref v9, ref v13, m3, m10); G(ref v2, ref v6, ref v10, ref v14, m7, m0); G(ref v3, ref v7, ref v11, ref v15, m4, m13);
                G(ref v0, ref v5, ref v10, ref v15, m1, m11); G(ref v1, ref v6, ref v11, ref v12, m12, m5); G(ref v2, ref v7, ref v8, ref v13, m9, m14); G(ref v3, ref v4, ref v9, ref v14, m15, m8);
                // round 3
                G(ref v0, ref v4, ref v8, ref v12, m3, m4); G(ref v1, ref v5, ref v9, ref v13, m10, m12); G(ref v2, ref v6, ref v10, ref v14, m13, m2); G(ref v3, ref v7, ref v11, ref v15, m7, m14);
                G(ref v0, ref v5, ref v10, ref v15, m6, m5); G(ref v1, ref v6, ref v11, ref v12, m9, m0); G(ref v2, ref v7, ref v8, ref v13, m11, m15); G(ref v3, ref v4, ref v9, ref v14, m8, m1);
                // round 4
                G(ref v0, ref v4, ref v8, ref v12, m10, m7); G(ref v1, ref v5, ref v9, ref v13, m12, m9); G(ref v2, ref v6, ref v10, ref v14, m14, m3); G(ref v3, ref v7, ref v11, ref v15, m13, m15);
                G(ref v0, ref v5, ref v10, ref v15, m4, m0); G(ref v1, ref v6, ref v11, ref v12, m11, m2); G(ref v2, ref v7, ref v8, ref v13, m5, m8); G(ref v3, ref v4, ref v9, ref v14, m1, m6);
                // round 5
                G(ref v0, ref v4, ref v8, ref v12, m12, m13); G(ref v1, ref v5, ref v9, ref v13, m9, m11); G(ref v2, ref v6, ref v10, ref v14, m15, m10); G(ref v3, ref v7, ref v11, ref v15, m14, m8);
                G(ref v0, ref v5, ref v10, ref v15, m7, m2); G(ref v1, ref v6, ref v11, ref v12, m5, m3); G(ref v2, ref v7, ref v8, ref v13, m0, m1); G(ref v3, ref v4, ref v9, ref v14, m6, m4);
                // round 6
                G(ref v0, ref v4, ref v8, ref v12, m9, m14); G(ref v1, ref v5, ref v9, ref v13, m11, m5); G(ref v2, ref v6, ref v10, ref v14, m8, m12); G(ref v3, ref v7, ref v11, ref v15, m15, m1);
                G(ref v0, ref v5, ref v10, ref v15, m13, m3); G(ref v1, ref v6, ref v11, ref v12, m0, m10); G(ref v2, ref v7, ref v8, ref v13, m2, m6); G(ref v3, ref v4, ref v9, ref v14, m4, m7);
                // round 7
                G(ref v0, ref v4, ref v8, ref v12, m11, m15); G(ref v1, ref v5, ref v9, ref v13, m5, m0); G(ref v2, ref v6, ref v10, ref v14, m1, m9); G(ref v3, ref v7, ref v11, ref v15, m8, m6);
                G(ref v0, ref v5, ref v10, ref v15, m14, m10); G(ref v1, ref v6, ref v11, ref v12, m2, m12); G(ref v2, ref v7, ref v8, ref v13, m3, m4); G(ref v3, ref v4, ref v9, ref v14, m7, m13);


                h0 = v0 ^ v8; h1 = v1 ^ v9; h2 = v2 ^ v10; h3 = v3 ^ v11;
                h4 = v4 ^ v12; h5 = v5 ^ v13; h6 = v6 ^ v14; h7 = v7 ^ v15;
            }
            Transpose(h0, h1, h2, h3, h4, h5, h6, h7,
                out Vector256<uint> r0, out Vector256<uint> r1, out Vector256<uint> r2, out Vector256<uint> r3,
                out Vector256<uint> r4, out Vector256<uint> r5, out Vector256<uint> r6, out Vector256<uint> r7);
            Store(r0, ref output, 0); Store(r1, ref output, 32); Store(r2, ref output, 64); Store(r3, ref output, 96);
            Store(r4, ref output, 128); Store(r5, ref output, 160); Store(r6, ref output, 192); Store(r7, ref output, 224);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Load256(ref byte input, int offset) => Vector256.LoadUnsafe(ref input, (nuint)offset).AsUInt32();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(Vector256<uint> v, ref byte output, int offset) => v.AsByte().StoreUnsafe(ref output, (nuint)offset);

        // Rows a..h (8 words each) to columns: m_j holds word j of every row, row i in lane i. Its own inverse.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d,
            Vector256<uint> e, Vector256<uint> f, Vector256<uint> g, Vector256<uint> h,
            out Vector256<uint> m0, out Vector256<uint> m1, out Vector256<uint> m2, out Vector256<uint> m3,
            out Vector256<uint> m4, out Vector256<uint> m5, out Vector256<uint> m6, out Vector256<uint> m7)
        {
            // Pairs of rows interleaved by word: a0 b0 a1 b1 | a4 b4 a5 b5, and a2 b2 a3 b3 | a6 b6 a7 b7.
            Vector256<uint> ab0145 = Avx2.UnpackLow(a, b), ab2367 = Avx2.UnpackHigh(a, b);
            Vector256<uint> cd0145 = Avx2.UnpackLow(c, d), cd2367 = Avx2.UnpackHigh(c, d);
            Vector256<uint> ef0145 = Avx2.UnpackLow(e, f), ef2367 = Avx2.UnpackHigh(e, f);
            Vector256<uint> gh0145 = Avx2.UnpackLow(g, h), gh2367 = Avx2.UnpackHigh(g, h);
            // Then by pairs of words: a0 b0 c0 d0 | a4 b4 c4 d4, ...
            Vector256<uint> abcd04 = Avx2.UnpackLow(ab0145.AsUInt64(), cd0145.AsUInt64()).AsUInt32();
            Vector256<uint> abcd15 = Avx2.UnpackHigh(ab0145.AsUInt64(), cd0145.AsUInt64()).AsUInt32();
            Vector256<uint> abcd26 = Avx2.UnpackLow(ab2367.AsUInt64(), cd2367.AsUInt64()).AsUInt32();
            Vector256<uint> abcd37 = Avx2.UnpackHigh(ab2367.AsUInt64(), cd2367.AsUInt64()).AsUInt32();
            Vector256<uint> efgh04 = Avx2.UnpackLow(ef0145.AsUInt64(), gh0145.AsUInt64()).AsUInt32();
            Vector256<uint> efgh15 = Avx2.UnpackHigh(ef0145.AsUInt64(), gh0145.AsUInt64()).AsUInt32();
            Vector256<uint> efgh26 = Avx2.UnpackLow(ef2367.AsUInt64(), gh2367.AsUInt64()).AsUInt32();
            Vector256<uint> efgh37 = Avx2.UnpackHigh(ef2367.AsUInt64(), gh2367.AsUInt64()).AsUInt32();
            // Then the 128-bit halves: low halves make words 0-3, high halves words 4-7.
            m0 = Avx2.Permute2x128(abcd04, efgh04, 0x20); m4 = Avx2.Permute2x128(abcd04, efgh04, 0x31);
            m1 = Avx2.Permute2x128(abcd15, efgh15, 0x20); m5 = Avx2.Permute2x128(abcd15, efgh15, 0x31);
            m2 = Avx2.Permute2x128(abcd26, efgh26, 0x20); m6 = Avx2.Permute2x128(abcd26, efgh26, 0x31);
            m3 = Avx2.Permute2x128(abcd37, efgh37, 0x20); m7 = Avx2.Permute2x128(abcd37, efgh37, 0x31);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void G(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d, Vector256<uint> x, Vector256<uint> y)
        {
            a = a + b + x; d = Rotate16(d ^ a);
            c = c + d; b = Rotate12(b ^ c);
            a = a + b + y; d = Rotate8(d ^ a);
            c = c + d; b = Rotate7(b ^ c);
        }

        // Rotations by whole bytes are one byte shuffle; AVX-512VL, where present, rotates in one instruction.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Rotate16(Vector256<uint> x)
        {
            if (Avx512F.VL.IsSupported) return Avx512F.VL.RotateRight(x, 16);
            return Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Rotate8(Vector256<uint> x)
        {
            if (Avx512F.VL.IsSupported) return Avx512F.VL.RotateRight(x, 8);
            return Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Rotate12(Vector256<uint> x)
        {
            if (Avx512F.VL.IsSupported) return Avx512F.VL.RotateRight(x, 12);
            return Vector256.ShiftRightLogical(x, 12) | Vector256.ShiftLeft(x, 20);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<uint> Rotate7(Vector256<uint> x)
        {
            if (Avx512F.VL.IsSupported) return Avx512F.VL.RotateRight(x, 7);
            return Vector256.ShiftRightLogical(x, 7) | Vector256.ShiftLeft(x, 25);
        }

        // Four inputs, one a lane of each Vector128; rotations by 16 and 8 as byte shuffles.
        private static void Many4Shuffle(ref byte input, int stride, int blocks, ReadOnlySpan<uint> key, ulong counter, bool increment,
            uint flags, uint flagsStart, uint flagsEnd, ref byte output)
        {
            Vector128<uint> h0 = Vector128.Create(key[0]), h1 = Vector128.Create(key[1]), h2 = Vector128.Create(key[2]), h3 = Vector128.Create(key[3]);
            Vector128<uint> h4 = Vector128.Create(key[4]), h5 = Vector128.Create(key[5]), h6 = Vector128.Create(key[6]), h7 = Vector128.Create(key[7]);
            Vector128<byte> r16 = Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
            Vector128<byte> r8 = Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
            ulong step = increment ? 1UL : 0UL;
            Vector128<uint> counterLow = Vector128.Create((uint)counter, (uint)(counter + step), (uint)(counter + 2 * step), (uint)(counter + 3 * step));
            Vector128<uint> counterHigh = Vector128.Create((uint)(counter >> 32), (uint)((counter + step) >> 32), (uint)((counter + 2 * step) >> 32),
                (uint)((counter + 3 * step) >> 32));
            for (int b = 0; b < blocks; b++)
            {
                uint f = flags;
                if (b == 0) f |= flagsStart;
                if (b == blocks - 1) f |= flagsEnd;
                int o = b * 64;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m0, out Vector128<uint> m1, out Vector128<uint> m2, out Vector128<uint> m3);
                o += 16;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m4, out Vector128<uint> m5, out Vector128<uint> m6, out Vector128<uint> m7);
                o += 16;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m8, out Vector128<uint> m9, out Vector128<uint> m10, out Vector128<uint> m11);
                o += 16;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m12, out Vector128<uint> m13, out Vector128<uint> m14, out Vector128<uint> m15);

                Vector128<uint> v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
                Vector128<uint> v8 = Vector128.Create(IV0), v9 = Vector128.Create(IV1), v10 = Vector128.Create(IV2), v11 = Vector128.Create(IV3);
                Vector128<uint> v12 = counterLow, v13 = counterHigh, v14 = Vector128.Create(64u), v15 = Vector128.Create(f);

                // round 1
                GShuffle(ref v0, ref v4, ref v8, ref v12, m0, m1, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m2, m3, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m4, m5, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m6, m7, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m8, m9, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m10, m11, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m12, m13, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m14, m15, r16, r8);
                // round 2
                GShuffle(ref v0, ref v4, ref v8, ref v12, m2, m6, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m3, m10, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m7, m0, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m4, m13, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m1, m11, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m12, m5, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m9, m14, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m15, m8, r16, r8);
                // round 3
                GShuffle(ref v0, ref v4, ref v8, ref v12, m3, m4, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m10, m12, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m13, m2, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m7, m14, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m6, m5, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m9, m0, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m11, m15, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m8, m1, r16, r8);
                // round 4
                GShuffle(ref v0, ref v4, ref v8, ref v12, m10, m7, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m12, m9, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m14, m3, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m13, m15, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m4, m0, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m11, m2, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m5, m8, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m1, m6, r16, r8);
                // round 5
                GShuffle(ref v0, ref v4, ref v8, ref v12, m12, m13, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m9, m11, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m15, m10, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m14, m8, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m7, m2, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m5, m3, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m0, m1, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m6, m4, r16, r8);
                // round 6
                GShuffle(ref v0, ref v4, ref v8, ref v12, m9, m14, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m11, m5, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m8, m12, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m15, m1, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m13, m3, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m0, m10, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m2, m6, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m4, m7, r16, r8);
                // round 7
                GShuffle(ref v0, ref v4, ref v8, ref v12, m11, m15, r16, r8); GShuffle(ref v1, ref v5, ref v9, ref v13, m5, m0, r16, r8); GShuffle(ref v2, ref v6, ref v10, ref v14, m1, m9, r16, r8); GShuffle(ref v3, ref v7, ref v11, ref v15, m8, m6, r16, r8);
                GShuffle(ref v0, ref v5, ref v10, ref v15, m14, m10, r16, r8); GShuffle(ref v1, ref v6, ref v11, ref v12, m2, m12, r16, r8); GShuffle(ref v2, ref v7, ref v8, ref v13, m3, m4, r16, r8); GShuffle(ref v3, ref v4, ref v9, ref v14, m7, m13, r16, r8);


                h0 = v0 ^ v8; h1 = v1 ^ v9; h2 = v2 ^ v10; h3 = v3 ^ v11;
                h4 = v4 ^ v12; h5 = v5 ^ v13; h6 = v6 ^ v14; h7 = v7 ^ v15;
            }
            Transpose(h0, h1, h2, h3, out Vector128<uint> r0, out Vector128<uint> r1, out Vector128<uint> r2, out Vector128<uint> r3);
            Transpose(h4, h5, h6, h7, out Vector128<uint> s0, out Vector128<uint> s1, out Vector128<uint> s2, out Vector128<uint> s3);
            Store(r0, ref output, 0); Store(s0, ref output, 16); Store(r1, ref output, 32); Store(s1, ref output, 48);
            Store(r2, ref output, 64); Store(s2, ref output, 80); Store(r3, ref output, 96); Store(s3, ref output, 112);
        }

        // The same with every rotation by shifts (the two copies differ only in the G they call).
        private static void Many4Shift(ref byte input, int stride, int blocks, ReadOnlySpan<uint> key, ulong counter, bool increment,
            uint flags, uint flagsStart, uint flagsEnd, ref byte output)
        {
            Vector128<uint> h0 = Vector128.Create(key[0]), h1 = Vector128.Create(key[1]), h2 = Vector128.Create(key[2]), h3 = Vector128.Create(key[3]);
            Vector128<uint> h4 = Vector128.Create(key[4]), h5 = Vector128.Create(key[5]), h6 = Vector128.Create(key[6]), h7 = Vector128.Create(key[7]);
            ulong step = increment ? 1UL : 0UL;
            Vector128<uint> counterLow = Vector128.Create((uint)counter, (uint)(counter + step), (uint)(counter + 2 * step), (uint)(counter + 3 * step));
            Vector128<uint> counterHigh = Vector128.Create((uint)(counter >> 32), (uint)((counter + step) >> 32), (uint)((counter + 2 * step) >> 32),
                (uint)((counter + 3 * step) >> 32));
            for (int b = 0; b < blocks; b++)
            {
                uint f = flags;
                if (b == 0) f |= flagsStart;
                if (b == blocks - 1) f |= flagsEnd;
                int o = b * 64;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m0, out Vector128<uint> m1, out Vector128<uint> m2, out Vector128<uint> m3);
                o += 16;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m4, out Vector128<uint> m5, out Vector128<uint> m6, out Vector128<uint> m7);
                o += 16;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m8, out Vector128<uint> m9, out Vector128<uint> m10, out Vector128<uint> m11);
                o += 16;
                Transpose(Load128(ref input, o), Load128(ref input, o + stride), Load128(ref input, o + 2 * stride), Load128(ref input, o + 3 * stride),
                    out Vector128<uint> m12, out Vector128<uint> m13, out Vector128<uint> m14, out Vector128<uint> m15);

                Vector128<uint> v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
                Vector128<uint> v8 = Vector128.Create(IV0), v9 = Vector128.Create(IV1), v10 = Vector128.Create(IV2), v11 = Vector128.Create(IV3);
                Vector128<uint> v12 = counterLow, v13 = counterHigh, v14 = Vector128.Create(64u), v15 = Vector128.Create(f);

                // round 1
                GShift(ref v0, ref v4, ref v8, ref v12, m0, m1); GShift(ref v1, ref v5, ref v9, ref v13, m2, m3); GShift(ref v2, ref v6, ref v10, ref v14, m4, m5); GShift(ref v3, ref v7, ref v11, ref v15, m6, m7);
                GShift(ref v0, ref v5, ref v10, ref v15, m8, m9); GShift(ref v1, ref v6, ref v11, ref v12, m10, m11); GShift(ref v2, ref v7, ref v8, ref v13, m12, m13); GShift(ref v3, ref v4, ref v9, ref v14, m14, m15);
                // round 2
                GShift(ref v0, ref v4, ref v8, ref v12, m2, m6); GShift(ref v1, ref v5, ref v9, ref v13, m3, m10); GShift(ref v2, ref v6, ref v10, ref v14, m7, m0); GShift(ref v3, ref v7, ref v11, ref v15, m4, m13);
                GShift(ref v0, ref v5, ref v10, ref v15, m1, m11); GShift(ref v1, ref v6, ref v11, ref v12, m12, m5); GShift(ref v2, ref v7, ref v8, ref v13, m9, m14); GShift(ref v3, ref v4, ref v9, ref v14, m15, m8);
                // round 3
                GShift(ref v0, ref v4, ref v8, ref v12, m3, m4); GShift(ref v1, ref v5, ref v9, ref v13, m10, m12); GShift(ref v2, ref v6, ref v10, ref v14, m13, m2); GShift(ref v3, ref v7, ref v11, ref v15, m7, m14);
                GShift(ref v0, ref v5, ref v10, ref v15, m6, m5); GShift(ref v1, ref v6, ref v11, ref v12, m9, m0); GShift(ref v2, ref v7, ref v8, ref v13, m11, m15); GShift(ref v3, ref v4, ref v9, ref v14, m8, m1);
                // round 4
                GShift(ref v0, ref v4, ref v8, ref v12, m10, m7); GShift(ref v1, ref v5, ref v9, ref v13, m12, m9); GShift(ref v2, ref v6, ref v10, ref v14, m14, m3); GShift(ref v3, ref v7, ref v11, ref v15, m13, m15);
                GShift(ref v0, ref v5, ref v10, ref v15, m4, m0); GShift(ref v1, ref v6, ref v11, ref v12, m11, m2); GShift(ref v2, ref v7, ref v8, ref v13, m5, m8); GShift(ref v3, ref v4, ref v9, ref v14, m1, m6);
                // round 5
                GShift(ref v0, ref v4, ref v8, ref v12, m12, m13); GShift(ref v1, ref v5, ref v9, ref v13, m9, m11); GShift(ref v2, ref v6, ref v10, ref v14, m15, m10); GShift(ref v3, ref v7, ref v11, ref v15, m14, m8);
                GShift(ref v0, ref v5, ref v10, ref v15, m7, m2); GShift(ref v1, ref v6, ref v11, ref v12, m5, m3); GShift(ref v2, ref v7, ref v8, ref v13, m0, m1); GShift(ref v3, ref v4, ref v9, ref v14, m6, m4);
                // round 6
                GShift(ref v0, ref v4, ref v8, ref v12, m9, m14); GShift(ref v1, ref v5, ref v9, ref v13, m11, m5); GShift(ref v2, ref v6, ref v10, ref v14, m8, m12); GShift(ref v3, ref v7, ref v11, ref v15, m15, m1);
                GShift(ref v0, ref v5, ref v10, ref v15, m13, m3); GShift(ref v1, ref v6, ref v11, ref v12, m0, m10); GShift(ref v2, ref v7, ref v8, ref v13, m2, m6); GShift(ref v3, ref v4, ref v9, ref v14, m4, m7);
                // round 7
                GShift(ref v0, ref v4, ref v8, ref v12, m11, m15); GShift(ref v1, ref v5, ref v9, ref v13, m5, m0); GShift(ref v2, ref v6, ref v10, ref v14, m1, m9); GShift(ref v3, ref v7, ref v11, ref v15, m8, m6);
                GShift(ref v0, ref v5, ref v10, ref v15, m14, m10); GShift(ref v1, ref v6, ref v11, ref v12, m2, m12); GShift(ref v2, ref v7, ref v8, ref v13, m3, m4); GShift(ref v3, ref v4, ref v9, ref v14, m7, m13);


                h0 = v0 ^ v8; h1 = v1 ^ v9; h2 = v2 ^ v10; h3 = v3 ^ v11;
                h4 = v4 ^ v12; h5 = v5 ^ v13; h6 = v6 ^ v14; h7 = v7 ^ v15;
            }
            Transpose(h0, h1, h2, h3, out Vector128<uint> r0, out Vector128<uint> r1, out Vector128<uint> r2, out Vector128<uint> r3);
            Transpose(h4, h5, h6, h7, out Vector128<uint> s0, out Vector128<uint> s1, out Vector128<uint> s2, out Vector128<uint> s3);
            Store(r0, ref output, 0); Store(s0, ref output, 16); Store(r1, ref output, 32); Store(s1, ref output, 48);
            Store(r2, ref output, 64); Store(s2, ref output, 80); Store(r3, ref output, 96); Store(s3, ref output, 112);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> Load128(ref byte input, int offset) => Vector128.LoadUnsafe(ref input, (nuint)offset).AsUInt32();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(Vector128<uint> v, ref byte output, int offset) => v.AsByte().StoreUnsafe(ref output, (nuint)offset);

        // Rows a..d (4 words each) to columns; its own inverse.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose(Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, Vector128<uint> d,
            out Vector128<uint> m0, out Vector128<uint> m1, out Vector128<uint> m2, out Vector128<uint> m3)
        {
            Vector128<uint> ab01 = InterleaveLow32(a, b), ab23 = InterleaveHigh32(a, b);
            Vector128<uint> cd01 = InterleaveLow32(c, d), cd23 = InterleaveHigh32(c, d);
            m0 = InterleaveLow64(ab01, cd01); m1 = InterleaveHigh64(ab01, cd01);
            m2 = InterleaveLow64(ab23, cd23); m3 = InterleaveHigh64(ab23, cd23);
        }

        // a0 b0 a1 b1
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> InterleaveLow32(Vector128<uint> a, Vector128<uint> b)
        {
            if (Sse2.IsSupported) return Sse2.UnpackLow(a, b);
            if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.ZipLow(a, b);
            return Vector128.Create(a.GetElement(0), b.GetElement(0), a.GetElement(1), b.GetElement(1));
        }

        // a2 b2 a3 b3
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> InterleaveHigh32(Vector128<uint> a, Vector128<uint> b)
        {
            if (Sse2.IsSupported) return Sse2.UnpackHigh(a, b);
            if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.ZipHigh(a, b);
            return Vector128.Create(a.GetElement(2), b.GetElement(2), a.GetElement(3), b.GetElement(3));
        }

        // a0 a1 b0 b1
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> InterleaveLow64(Vector128<uint> a, Vector128<uint> b)
        {
            if (Sse2.IsSupported) return Sse2.UnpackLow(a.AsUInt64(), b.AsUInt64()).AsUInt32();
            if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.ZipLow(a.AsUInt64(), b.AsUInt64()).AsUInt32();
            return Vector128.Create(a.GetElement(0), a.GetElement(1), b.GetElement(0), b.GetElement(1));
        }

        // a2 a3 b2 b3
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> InterleaveHigh64(Vector128<uint> a, Vector128<uint> b)
        {
            if (Sse2.IsSupported) return Sse2.UnpackHigh(a.AsUInt64(), b.AsUInt64()).AsUInt32();
            if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.ZipHigh(a.AsUInt64(), b.AsUInt64()).AsUInt32();
            return Vector128.Create(a.GetElement(2), a.GetElement(3), b.GetElement(2), b.GetElement(3));
        }

        // The 4-lane G two ways. Rotations by 16 and 8 as a byte shuffle where it is one instruction
        // (SSSE3's pshufb, Arm's tbl) and the code is JIT-compiled for this machine, by shifts
        // otherwise: NativeAOT's default x64 target is SSE2, a check there for SSSE3 is made at run
        // time, and one inside the kernel spilled its state to the stack around every branch (4x
        // slower; before that Vector128.Shuffle was a call and G was not inlined: 8x). The masks are
        // made once by the kernel, and nothing here is generic: both keep Many4 within the JIT's
        // inlining budget (past it, G, Transpose and Store were calls: 3x slower).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GShuffle(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d,
            Vector128<uint> x, Vector128<uint> y, Vector128<byte> r16, Vector128<byte> r8)
        {
            a = a + b + x; d = Shuffle(d ^ a, r16);
            c = c + d; b ^= c; b = Vector128.ShiftRightLogical(b, 12) | Vector128.ShiftLeft(b, 20);
            a = a + b + y; d = Shuffle(d ^ a, r8);
            c = c + d; b ^= c; b = Vector128.ShiftRightLogical(b, 7) | Vector128.ShiftLeft(b, 25);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> Shuffle(Vector128<uint> x, Vector128<byte> mask) =>
            Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), mask).AsUInt32() : Vector128.Shuffle(x.AsByte(), mask).AsUInt32();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GShift(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d,
            Vector128<uint> x, Vector128<uint> y)
        {
            a = a + b + x; d ^= a; d = Vector128.ShiftRightLogical(d, 16) | Vector128.ShiftLeft(d, 16);
            c = c + d; b ^= c; b = Vector128.ShiftRightLogical(b, 12) | Vector128.ShiftLeft(b, 20);
            a = a + b + y; d ^= a; d = Vector128.ShiftRightLogical(d, 8) | Vector128.ShiftLeft(d, 24);
            c = c + d; b ^= c; b = Vector128.ShiftRightLogical(b, 7) | Vector128.ShiftLeft(b, 25);
        }
    }
}
