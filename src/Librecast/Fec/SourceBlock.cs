using System;

namespace Librecast.Fec
{
    /// <summary>The RFC 6330 parameters of one source block of K symbols (5.3.3.3) and its tuple generator (5.3.5.4).</summary>
    /// <remarks>
    /// K' is the smallest entry of Table 2 at or above K; the block is coded as K' symbols of which
    /// the last K' - K are zero padding that is never sent. ESI and ISI differ by that padding
    /// (5.3.1): ISI = ESI for ESI &lt; K, else ESI + K' - K.
    /// </remarks>
    public sealed class SourceBlock
    {
        /// <summary>The largest K Table 2 allows (K'max).</summary>
        public const int MaxK = 56403;

        /// <summary>Most columns one LT row touches: degree d &lt;= 30 plus d1 &lt;= 3 PI symbols.</summary>
        public const int MaxRowWeight = 33;

        /// <summary>Source symbols in the block.</summary>
        public readonly int K;
        /// <summary>K', the padded block size from Table 2.</summary>
        public readonly int KPrime;
        /// <summary>J(K'), the systematic index.</summary>
        public readonly int J;
        /// <summary>S(K'), LDPC symbols.</summary>
        public readonly int S;
        /// <summary>H(K'), HDPC symbols.</summary>
        public readonly int H;
        /// <summary>W(K'), LT symbols.</summary>
        public readonly int W;
        /// <summary>L = K' + S + H, intermediate symbols.</summary>
        public readonly int L;
        /// <summary>P = L - W, permanently inactivated symbols.</summary>
        public readonly int P;
        /// <summary>P1, the smallest prime &gt;= P.</summary>
        public readonly int P1;
        /// <summary>B = W - S, the LT symbols that are not LDPC symbols.</summary>
        public readonly int B;

        /// <summary>Looks up the parameters for K source symbols (1 &lt;= K &lt;= 56403).</summary>
        /// <exception cref="ArgumentOutOfRangeException">K is outside 1..56403.</exception>
        public SourceBlock(int k)
        {
            if (k < 1 || k > MaxK) throw new ArgumentOutOfRangeException("k", "a RaptorQ source block holds 1..56403 symbols");
            int[] t = Rfc6330Tables.Systematic;
            int row = 0;
            while (t[row * 5] < k) row++;
            K = k;
            KPrime = t[row * 5];
            J = t[row * 5 + 1];
            S = t[row * 5 + 2];
            H = t[row * 5 + 3];
            W = t[row * 5 + 4];
            L = KPrime + S + H;
            P = L - W;
            B = W - S;
            int p1 = P;
            while (!IsPrime(p1)) p1++;
            P1 = p1;
        }

        /// <summary>K' for K source symbols (the smallest Table 2 entry &gt;= K).</summary>
        public static int KPrimeFor(int k)
        {
            int[] t = Rfc6330Tables.Systematic;
            int row = 0;
            while (t[row * 5] < k) row++;
            return t[row * 5];
        }

        /// <summary>The largest K' in Table 2 that is at most <paramref name="bound"/> (0 if none).</summary>
        public static int LargestKPrimeAtMost(long bound)
        {
            int[] t = Rfc6330Tables.Systematic;
            int best = 0;
            for (int row = 0; row * 5 < t.Length; row++)
                if (t[row * 5] <= bound) best = t[row * 5];
            return best;
        }

        /// <summary>The internal symbol id of an encoding symbol id (5.3.1).</summary>
        public int Isi(int esi)
        {
            return esi < K ? esi : esi + KPrime - K;
        }

        private static bool IsPrime(int n)
        {
            if (n < 2) return false;
            if (n % 2 == 0) return n == 2;
            for (int i = 3; i * i <= n; i += 2)
                if (n % i == 0) return false;
            return true;
        }

        /// <summary>Rand[y, i, m] of RFC 6330 5.3.5.1.</summary>
        internal static uint Rand(uint y, uint i, uint m)
        {
            return (Rfc6330Tables.V0[(y + i) & 0xff]
                ^ Rfc6330Tables.V1[((y >> 8) + i) & 0xff]
                ^ Rfc6330Tables.V2[((y >> 16) + i) & 0xff]
                ^ Rfc6330Tables.V3[((y >> 24) + i) & 0xff]) % m;
        }

        private int Deg(uint v)
        {
            int[] f = Rfc6330Tables.DegreeF;
            int d = 1;
            while (d < f.Length - 1 && !(f[d - 1] <= v && v < f[d])) d++;
            return d < W - 2 ? d : W - 2;
        }

        /// <summary>
        /// Writes the intermediate-symbol columns of the LT row for internal symbol id X
        /// (the tuple of 5.3.5.4 walked as in 5.3.5.3) into cols; returns how many (distinct).
        /// </summary>
        public int LtColumns(uint x, int[] cols)
        {
            uint a0 = (uint)(53591 + J * 997);
            if ((a0 & 1) == 0) a0++;
            uint b0 = (uint)(10267 * (J + 1));
            uint y = unchecked(b0 + x * a0);
            uint v = Rand(y, 0, 1u << 20);
            int d = Deg(v);
            uint a = 1 + Rand(y, 1, (uint)(W - 1));
            uint b = Rand(y, 2, (uint)W);
            int d1 = d < 4 ? 2 + (int)Rand(x, 3, 2) : 2;
            uint a1 = 1 + Rand(x, 4, (uint)(P1 - 1));
            uint b1 = Rand(x, 5, (uint)P1);

            int n = 0;
            cols[n++] = (int)b;
            for (int j = 1; j < d; j++)
            {
                b = (b + a) % (uint)W;
                cols[n++] = (int)b;
            }
            while (b1 >= (uint)P) b1 = (b1 + a1) % (uint)P1;
            cols[n++] = W + (int)b1;
            for (int j = 1; j < d1; j++)
            {
                b1 = (b1 + a1) % (uint)P1;
                while (b1 >= (uint)P) b1 = (b1 + a1) % (uint)P1;
                cols[n++] = W + (int)b1;
            }
            return n;
        }
    }
}
