namespace Librecast.Fec
{
    /// <summary>Octet arithmetic of RFC 6330 5.7: GF(256) with the polynomial x^8 + x^4 + x^3 + x^2 + 1.</summary>
    /// <remarks>
    /// OCT_EXP and OCT_LOG are generated from the polynomial at start (766 bytes) rather than
    /// transcribed; the tests compare them with the RFC's printed values.
    /// </remarks>
    public static class Gf256
    {
        /// <summary>OCT_EXP of RFC 6330 5.7.3: 510 entries, so exp[log a + log b] needs no reduction.</summary>
        internal static readonly byte[] Exp = new byte[510];

        /// <summary>OCT_LOG of RFC 6330 5.7.4 (entry 0 unused).</summary>
        internal static readonly byte[] Log = new byte[256];

        static Gf256()
        {
            int x = 1;
            for (int i = 0; i < 255; i++)
            {
                Exp[i] = (byte)x;
                Exp[i + 255] = (byte)x;
                Log[x] = (byte)i;
                x <<= 1;
                if ((x & 0x100) != 0) x ^= 0x11D;
            }
        }

        /// <summary>OCT_EXP[e] for 0 &lt;= e &lt; 510.</summary>
        public static byte Alpha(int e) { return Exp[e]; }

        /// <summary>The product of two octets.</summary>
        public static byte Mul(byte a, byte b)
        {
            if (a == 0 || b == 0) return 0;
            return Exp[Log[a] + Log[b]];
        }

        /// <summary>The multiplicative inverse of a non-zero octet.</summary>
        public static byte Inv(byte a)
        {
            return Exp[255 - Log[a]];
        }
    }
}
