using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Librecast.Fec;

namespace Librecast.Sockets
{
    /// <summary>RaptorQ symbol arithmetic with <see cref="Vector{T}"/>: XOR a vector at a time, GF(256) products by split tables.</summary>
    /// <remarks>
    /// The core's <see cref="PortableSymbolOps"/> defines the bytes; this gives the same ones faster
    /// (the tests run the coder both ways). GF(256) multiplication by beta uses two 16-entry tables
    /// (beta·low nibble, beta·high nibble) per beta, built once for all 256 values (8 KiB).
    /// </remarks>
    public sealed class VectorSymbolOps : ISymbolOps
    {
        private static readonly byte[] Lo = new byte[256 * 16];
        private static readonly byte[] Hi = new byte[256 * 16];

        static VectorSymbolOps()
        {
            for (int b = 0; b < 256; b++)
                for (int n = 0; n < 16; n++)
                {
                    Lo[b * 16 + n] = Gf256.Mul((byte)b, (byte)n);
                    Hi[b * 16 + n] = Gf256.Mul((byte)b, (byte)(n << 4));
                }
        }

        /// <summary>Makes the RaptorQ coder use this implementation.</summary>
        public static void Install() { SymbolOps.Use(new VectorSymbolOps()); }

        /// <inheritdoc/>
        public void Xor(byte[] dst, int dOff, byte[] src, int sOff, int len)
        {
            Span<byte> d = dst.AsSpan(dOff, len);
            ReadOnlySpan<byte> s = src.AsSpan(sOff, len);
            int i = 0;
            int w = Vector<byte>.Count;
            for (; i <= len - w; i += w)
            {
                var v = new Vector<byte>(d.Slice(i)) ^ new Vector<byte>(s.Slice(i));
                v.CopyTo(d.Slice(i));
            }
            Span<ulong> d8 = MemoryMarshal.Cast<byte, ulong>(d.Slice(i));
            ReadOnlySpan<ulong> s8 = MemoryMarshal.Cast<byte, ulong>(s.Slice(i));
            for (int j = 0; j < d8.Length; j++) d8[j] ^= s8[j];
            for (i += d8.Length * 8; i < len; i++) d[i] ^= s[i];
        }

        /// <inheritdoc/>
        public void MulAdd(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta)
        {
            if (System.Runtime.Intrinsics.X86.Ssse3.IsSupported && len >= 16)
            {
                MulAddSsse3(dst, dOff, src, sOff, len, beta);
                return;
            }
            int lo = beta * 16;
            for (int i = 0; i < len; i++)
            {
                int x = src[sOff + i];
                dst[dOff + i] ^= (byte)(Lo[lo + (x & 15)] ^ Hi[lo + (x >> 4)]);
            }
        }

        /// <inheritdoc/>
        public void Scale(byte[] buf, int off, int len, byte beta)
        {
            int lo = beta * 16;
            for (int i = 0; i < len; i++)
            {
                int x = buf[off + i];
                buf[off + i] = (byte)(Lo[lo + (x & 15)] ^ Hi[lo + (x >> 4)]);
            }
        }

        private static void MulAddSsse3(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta)
        {
            var tlo = System.Runtime.Intrinsics.Vector128.Create(Lo, beta * 16);
            var thi = System.Runtime.Intrinsics.Vector128.Create(Hi, beta * 16);
            var mask = System.Runtime.Intrinsics.Vector128.Create((byte)15);
            int i = 0;
            for (; i <= len - 16; i += 16)
            {
                var x = System.Runtime.Intrinsics.Vector128.Create(src, sOff + i);
                var l = System.Runtime.Intrinsics.X86.Ssse3.Shuffle(tlo, x & mask);
                var h = System.Runtime.Intrinsics.X86.Ssse3.Shuffle(thi, System.Runtime.Intrinsics.Vector128.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
                var d = System.Runtime.Intrinsics.Vector128.Create(dst, dOff + i) ^ l ^ h;
                d.CopyTo(dst, dOff + i);
            }
            int b = beta * 16;
            for (; i < len; i++)
            {
                int x = src[sOff + i];
                dst[dOff + i] ^= (byte)(Lo[b + (x & 15)] ^ Hi[b + (x >> 4)]);
            }
        }
    }
}
