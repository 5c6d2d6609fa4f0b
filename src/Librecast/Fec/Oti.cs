using System;

namespace Librecast.Fec
{
    /// <summary>RaptorQ object transmission information (RFC 6330 3.3): F, T, Z, N, Al, and the partitions they imply (4.4.1.2).</summary>
    public sealed class Oti
    {
        /// <summary>Bytes of the encoded OTI: common (8) + scheme-specific (4), 3.3.2 and 3.3.3.</summary>
        public const int EncodedLength = 12;

        /// <summary>Largest transfer length RFC 6330 allows (946270874880 bytes).</summary>
        public const long MaxTransferLength = 946270874880L;

        /// <summary>Working memory liblcrq assumes (RQ_WS_DEFAULT, 1 GiB): with it every block up to K'max fits.</summary>
        public const long LibrecastWorkingMemory = 1L << 30;

        /// <summary>F, the transfer length in bytes.</summary>
        public readonly long F;
        /// <summary>T, the symbol size in bytes (a multiple of Al).</summary>
        public readonly int T;
        /// <summary>Z, the number of source blocks (1..255, 8 bits in the OTI).</summary>
        public readonly int Z;
        /// <summary>N, the number of sub-blocks per source block.</summary>
        public readonly int N;
        /// <summary>Al, the symbol alignment.</summary>
        public readonly int Al;
        /// <summary>Kt = ceil(F / T), source symbols in the object.</summary>
        public readonly long Kt;
        /// <summary>Partition[Kt, Z]: the first ZL blocks hold KL symbols, the other ZS hold KS.</summary>
        public readonly int KL, KS, ZL, ZS;
        /// <summary>Partition[T/Al, N]: the first NL sub-blocks have sub-symbols of TL·Al bytes, the other NS of TS·Al.</summary>
        public readonly int TL, TS, NL, NS;

        /// <summary>An OTI from its five fields (as received); checks they are consistent.</summary>
        /// <exception cref="ArgumentException">The fields do not describe a valid RaptorQ object.</exception>
        public Oti(long f, int t, int z, int n, int al)
        {
            if (f < 1 || f > MaxTransferLength) throw new ArgumentException("F must be 1.." + MaxTransferLength);
            if (al < 1 || t < al || t % al != 0 || t > 65535) throw new ArgumentException("T must be a positive multiple of Al up to 65535");
            if (n < 1 || n > t / al) throw new ArgumentException("N must be 1..T/Al");
            if (z < 1 || z > 255) throw new ArgumentException("Z must be 1..255");
            F = f;
            T = t;
            Z = z;
            N = n;
            Al = al;
            Kt = (f + t - 1) / t;
            if (Kt < z) throw new ArgumentException("more source blocks than symbols");
            KL = (int)((Kt + z - 1) / z);
            KS = (int)(Kt / z);
            if (KL > SourceBlock.MaxK) throw new ArgumentException("a source block would exceed 56403 symbols: more blocks needed");
            ZL = (int)(Kt - (long)KS * z);
            ZS = z - ZL;
            int u = t / al;
            TL = (u + n - 1) / n;
            TS = u / n;
            NL = u - TS * n;
            NS = n - NL;
        }

        /// <summary>
        /// The OTI RFC 6330 4.4.1.2 derives for F bytes in T-byte symbols, alignment al, working
        /// memory ws bytes and a lower bound ss·al on sub-symbol size.
        /// </summary>
        public static Oti Derive(long f, int t, int al, long ws, int ss)
        {
            if (f < 1 || f > MaxTransferLength) throw new ArgumentException("F must be 1.." + MaxTransferLength);
            if (al < 1 || t < al || t % al != 0) throw new ArgumentException("T must be a positive multiple of Al");
            long kt = (f + t - 1) / t;
            int nmax = t / (ss * al);
            if (nmax < 1) nmax = 1;
            int kl = KLFor(ws, al, t, nmax);
            if (kl < 1) throw new ArgumentException("working memory too small for any source block");
            long z = (kt + kl - 1) / kl;
            if (z > 255) throw new ArgumentException("object too large for 255 source blocks at this T and working memory");
            int n = 1;
            while (n < nmax && (kt + z - 1) / z > KLFor(ws, al, t, n)) n++;
            return new Oti(f, t, (int)z, n, al);
        }

        /// <summary>
        /// The parameters liblcrq 0.0.1's rq_init(F, T) uses, which librecast 0.5.1's FEC_RQ coding
        /// relies on: Al 4, 1 GiB working memory, one sub-block.
        /// </summary>
        public static Oti ForLibrecast(long f, int t)
        {
            if (t % 4 != 0) throw new ArgumentException("librecast's RaptorQ needs T to be a multiple of 4");
            return Derive(f, t, 4, LibrecastWorkingMemory, t / 4);
        }

        /// <summary>
        /// Parameters for a fleet transfer: blocks of at most maxBlockK symbols where the object
        /// allows, so a receiver decodes block by block in bounded memory; more when 255 blocks
        /// of that size would not hold the object.
        /// </summary>
        public static Oti ForBlocks(long f, int t, int maxBlockK)
        {
            long kt = (f + t - 1) / t;
            int kp = SourceBlock.LargestKPrimeAtMost(maxBlockK);
            if (kp < 1) kp = SourceBlock.KPrimeFor(maxBlockK);
            // Too many blocks of that size (the K' table's step below maxBlockK counts too: F 37595,
            // T 4, maxBlockK 40 gave K' 36 and 262 blocks): the smallest K' that needs at most 255.
            if ((kt + kp - 1) / kp > 255) kp = SourceBlock.KPrimeFor((int)((kt + 254) / 255));
            long z = (kt + kp - 1) / kp;
            return new Oti(f, t, (int)z, 1, 4);
        }

        private static int KLFor(long ws, int al, int t, int n)
        {
            long subsym = (t + (long)al * n - 1) / ((long)al * n);
            long bound = ws / (al * subsym);
            return SourceBlock.LargestKPrimeAtMost(bound); // 0: no block fits with n sub-blocks

        }

        /// <summary>Symbols in source block sbn.</summary>
        public int BlockSymbols(int sbn) { return sbn < ZL ? KL : KS; }

        /// <summary>Byte offset of source block sbn in the object.</summary>
        public long BlockStart(int sbn)
        {
            return sbn < ZL ? (long)sbn * KL * T : ((long)ZL * KL + (long)(sbn - ZL) * KS) * T;
        }

        /// <summary>Bytes of the object in block sbn (the last block may be short; the rest is padding).</summary>
        public int BlockBytes(int sbn)
        {
            long start = BlockStart(sbn);
            long len = (long)BlockSymbols(sbn) * T;
            if (start + len > F) len = F - start;
            return (int)len;
        }

        /// <summary>Writes the 12-byte OTI (F 40 bits, reserved, T 16 bits; Z, N 16 bits, Al), big-endian.</summary>
        public void Write(byte[] dst, int offset)
        {
            dst[offset] = (byte)(F >> 32);
            dst[offset + 1] = (byte)(F >> 24);
            dst[offset + 2] = (byte)(F >> 16);
            dst[offset + 3] = (byte)(F >> 8);
            dst[offset + 4] = (byte)F;
            dst[offset + 5] = 0;
            dst[offset + 6] = (byte)(T >> 8);
            dst[offset + 7] = (byte)T;
            dst[offset + 8] = (byte)Z;
            dst[offset + 9] = (byte)(N >> 8);
            dst[offset + 10] = (byte)N;
            dst[offset + 11] = (byte)Al;
        }

        /// <summary>Reads a 12-byte OTI written by <see cref="Write"/>.</summary>
        /// <exception cref="ArgumentException">The fields are not a valid OTI.</exception>
        public static Oti Read(byte[] src, int offset)
        {
            long f = ((long)src[offset] << 32) | ((long)src[offset + 1] << 24) | ((long)src[offset + 2] << 16)
                | ((long)src[offset + 3] << 8) | src[offset + 4];
            int t = (src[offset + 6] << 8) | src[offset + 7];
            int z = src[offset + 8];
            int n = (src[offset + 9] << 8) | src[offset + 10];
            return new Oti(f, t, z, n, src[offset + 11]);
        }
    }
}
