using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Threading;
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
        public static void Install()
        {
            SymbolOps.Use(new VectorSymbolOps());
            // The solver's back-substitution may keep up to 256 symbol combinations (256 KiB at T 1024).
            Solver.CombineTableBytes = 256 * 1024;
        }

        /// <inheritdoc/>
        public void Xor(byte[] dst, int dOff, byte[] src, int sOff, int len)
        {
            // Bounds once, then raw loads (no span slicing a step): 128 bytes a turn with AVX2,
            // then 32, 16, 8 and single bytes. dst and src never overlap in the coder.
            if ((uint)dOff > (uint)dst.Length || (uint)len > (uint)(dst.Length - dOff) || (uint)sOff > (uint)src.Length || (uint)len > (uint)(src.Length - sOff))
                throw new ArgumentOutOfRangeException(nameof(len));
            ref byte d = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dst), dOff);
            ref byte s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(src), sOff);
            nuint i = 0, n = (nuint)len;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + 128 <= n; i += 128)
                {
                    (Vector256.LoadUnsafe(ref d, i) ^ Vector256.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
                    (Vector256.LoadUnsafe(ref d, i + 32) ^ Vector256.LoadUnsafe(ref s, i + 32)).StoreUnsafe(ref d, i + 32);
                    (Vector256.LoadUnsafe(ref d, i + 64) ^ Vector256.LoadUnsafe(ref s, i + 64)).StoreUnsafe(ref d, i + 64);
                    (Vector256.LoadUnsafe(ref d, i + 96) ^ Vector256.LoadUnsafe(ref s, i + 96)).StoreUnsafe(ref d, i + 96);
                }
                for (; i + 32 <= n; i += 32)
                    (Vector256.LoadUnsafe(ref d, i) ^ Vector256.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
            }
            if (Vector128.IsHardwareAccelerated)
                for (; i + 16 <= n; i += 16)
                    (Vector128.LoadUnsafe(ref d, i) ^ Vector128.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
            for (; i + 8 <= n; i += 8)
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i)));
            for (; i < n; i++) Unsafe.Add(ref d, i) ^= Unsafe.Add(ref s, i);
        }

        /// <inheritdoc/>
        public void MulAdd(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta)
        {
            if (len >= 16 && (System.Runtime.Intrinsics.X86.Ssse3.IsSupported || AdvSimd.Arm64.IsSupported))
            {
                MulAddVector(dst, dOff, src, sOff, len, beta, false);
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
            if (len >= 16 && (System.Runtime.Intrinsics.X86.Ssse3.IsSupported || AdvSimd.Arm64.IsSupported))
            {
                MulAddVector(buf, off, buf, off, len, beta, true);
                return;
            }
            int lo = beta * 16;
            for (int i = 0; i < len; i++)
            {
                int x = buf[off + i];
                buf[off + i] = (byte)(Lo[lo + (x & 15)] ^ Hi[lo + (x >> 4)]);
            }
        }

        // dst ^= beta * src (or, with replace, dst = beta * src, in place allowed): a table
        // shuffle per nibble, 32 bytes a step with AVX2, then 16, the last len % 16 bytes by table.
        private static void MulAddVector(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta, bool replace)
        {
            if ((uint)dOff > (uint)dst.Length || (uint)len > (uint)(dst.Length - dOff) || (uint)sOff > (uint)src.Length || (uint)len > (uint)(src.Length - sOff))
                throw new ArgumentOutOfRangeException(nameof(len));
            ref byte d = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dst), dOff);
            ref byte s = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(src), sOff);
            var tlo = Vector128.Create(Lo, beta * 16);
            var thi = Vector128.Create(Hi, beta * 16);
            var mask = Vector128.Create((byte)15);
            int i = 0;
            if (Avx2.IsSupported && len >= 32)
            {
                var tlo2 = Vector256.Create(tlo, tlo);
                var thi2 = Vector256.Create(thi, thi);
                var mask2 = Vector256.Create((byte)15);
                for (; i <= len - 32; i += 32)
                {
                    var x = Vector256.LoadUnsafe(ref s, (nuint)i);
                    var p = Avx2.Shuffle(tlo2, x & mask2) ^ Avx2.Shuffle(thi2, Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask2);
                    (replace ? p : Vector256.LoadUnsafe(ref d, (nuint)i) ^ p).StoreUnsafe(ref d, (nuint)i);
                }
            }
            for (; i <= len - 16; i += 16)
            {
                var x = Vector128.LoadUnsafe(ref s, (nuint)i);
                var p = Shuffle(tlo, x & mask) ^ Shuffle(thi, Vector128.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & mask);
                (replace ? p : Vector128.LoadUnsafe(ref d, (nuint)i) ^ p).StoreUnsafe(ref d, (nuint)i);
            }
            int b = beta * 16;
            for (; i < len; i++)
            {
                int x = Unsafe.Add(ref s, i);
                byte p = (byte)(Lo[b + (x & 15)] ^ Hi[b + (x >> 4)]);
                Unsafe.Add(ref d, i) = replace ? p : (byte)(Unsafe.Add(ref d, i) ^ p);
            }
        }

        // MADV_POPULATE_WRITE needs Linux 5.14; on an older kernel (EINVAL) the first call says so and
        // every later one touches the pages instead.
        private static bool populateByTouch;

        /// <inheritdoc/>
        /// <remarks>x86: PREFETCHT0 on each 64-byte line. Arm64: nothing (.NET has no prefetch intrinsic there).</remarks>
        public unsafe void Prefetch(byte[] buf, int off, int len)
        {
            if (!Sse.IsSupported || !Clamp(buf, ref off, ref len)) return;
            fixed (byte* p = &buf[off])
            {
                byte* end = p + len;
                for (byte* line = (byte*)((nuint)p & ~(nuint)63); line < end; line += 64) Sse.Prefetch0(line);
            }
        }

        /// <inheritdoc/>
        /// <remarks>
        /// madvise(MADV_POPULATE_WRITE) over the pages the range touches (each holds array bytes, so
        /// each is mapped): the kernel maps them writable without changing a byte; then a read of
        /// each page (for a hypervisor that maps on first use). Before Linux 5.14, an atomic add of
        /// zero to an int of each page does both.
        /// </remarks>
        public unsafe void Populate(byte[] buf, int off, int len)
        {
            if (!Clamp(buf, ref off, ref len)) return;
            nuint page = (nuint)Environment.SystemPageSize;
            fixed (byte* p = &buf[off])
            {
                nuint start = (nuint)p & ~(page - 1);
                nuint last = (nuint)p + (nuint)len;
                nuint end = (last + page - 1) & ~(page - 1);
                if (!populateByTouch)
                {
                    if (LinuxNative.MAdvise((void*)start, end - start, LinuxNative.MadvPopulateWrite) == 0)
                    {
                        // A hypervisor with shadow page tables (this project's VMs) still maps each
                        // page on its first access from user mode, at ~10-30 us: a read of a byte a
                        // page takes those exits here rather than under the writer. Bare metal: a
                        // cache miss a page.
                        for (nuint at = (nuint)p; at < last; at = NextPage(at, page)) Volatile.Read(ref *(byte*)at);
                        return;
                    }
                    if (Marshal.GetLastPInvokeError() != LinuxNative.EInval) return;
                    populateByTouch = true;
                }
                // The first whole int of the range in each page: never a byte outside it.
                nuint first = ((nuint)p + 3) & ~(nuint)3;
                for (nuint at = first; at + 4 <= last; at = NextPage(at, page))
                    Interlocked.Add(ref *(int*)at, 0);
            }
        }

        // The start of the page after the one `at` is in.
        private static nuint NextPage(nuint at, nuint page) { return (at & ~(page - 1)) + page; }

        // Cuts [off, off+len) to the array; false when nothing is left.
        private static bool Clamp(byte[] buf, ref int off, ref int len)
        {
            if (buf == null || len <= 0 || off >= buf.Length || off + (long)len <= 0) return false;
            if (off < 0) { len += off; off = 0; }
            if (len > buf.Length - off) len = buf.Length - off;
            return len > 0;
        }

        private static Vector128<byte> Shuffle(Vector128<byte> table, Vector128<byte> index)
        {
            if (System.Runtime.Intrinsics.X86.Ssse3.IsSupported) return System.Runtime.Intrinsics.X86.Ssse3.Shuffle(table, index);
            return AdvSimd.Arm64.VectorTableLookup(table, index);
        }
    }
}
