namespace Librecast.Crypto
{

    /// <summary>Poly1305 one-time authenticator (RFC 8439 section 2.5), one-shot over a contiguous range.</summary>
    /// <remarks>
    /// Radix 2^26: five 26-bit limbs, so every product is a 32x32->64-bit multiply, which a 32-bit
    /// MCU (the ESP32) does natively; no branch or table lookup depends on the key or the message,
    /// and the final reduction selects with a mask rather than a branch. The limb arithmetic is the
    /// well-known "donna" 32-bit formulation (public domain, Andrew Moon). Static and stateless:
    /// the whole computation lives in locals.
    /// </remarks>
    internal static class Poly1305
    {
        /// <summary>Size of the tag in bytes.</summary>
        internal const int TagSize = 16;

        /// <summary>Size of the one-time key in bytes (r || s).</summary>
        internal const int KeySize = 32;

        private const uint Mask26 = 0x3ffffff;

        /// <summary>
        /// Computes the tag of <paramref name="message"/>[offset..offset+count) under the one-time key
        /// <paramref name="key"/>[keyOffset..keyOffset+32) into <paramref name="tag"/>[tagOffset..tagOffset+16).
        /// <paramref name="scratch"/> (16 bytes) holds the padded last block.
        /// </summary>
        internal static void Compute(byte[] key, int keyOffset, byte[] message, int offset, int count,
            byte[] tag, int tagOffset, byte[] scratch)
        {
            // r, clamped as the RFC requires (top 4 bits of bytes 3, 7, 11, 15 and bottom 2 bits of 4, 8, 12 cleared).
            uint r0 = Salsa20.Load32(key, keyOffset) & 0x3ffffff;
            uint r1 = (Salsa20.Load32(key, keyOffset + 3) >> 2) & 0x3ffff03;
            uint r2 = (Salsa20.Load32(key, keyOffset + 6) >> 4) & 0x3ffc0ff;
            uint r3 = (Salsa20.Load32(key, keyOffset + 9) >> 6) & 0x3f03fff;
            uint r4 = (Salsa20.Load32(key, keyOffset + 12) >> 8) & 0x00fffff;
            uint s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
            uint h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0;

            int end = offset + count;
            int at = offset;
            byte[] block = message;
            uint hibit = 1u << 24;
            while (true)
            {
                int m;
                if (end - at >= 16)
                {
                    block = message;
                    m = at;
                    at += 16;
                }
                else if (end > at)
                {
                    // Last, partial block: the message bytes, a 1 byte, zeros; no 2^128 bit.
                    int left = end - at;
                    for (int i = 0; i < 16; i++) scratch[i] = 0;
                    System.Array.Copy(message, at, scratch, 0, left);
                    scratch[left] = 1;
                    block = scratch;
                    m = 0;
                    at = end;
                    hibit = 0;
                }
                else
                {
                    break;
                }

                h0 += Salsa20.Load32(block, m) & Mask26;
                h1 += (Salsa20.Load32(block, m + 3) >> 2) & Mask26;
                h2 += (Salsa20.Load32(block, m + 6) >> 4) & Mask26;
                h3 += (Salsa20.Load32(block, m + 9) >> 6) & Mask26;
                h4 += (Salsa20.Load32(block, m + 12) >> 8) | hibit;

                ulong d0 = (ulong)h0 * r0 + (ulong)h1 * s4 + (ulong)h2 * s3 + (ulong)h3 * s2 + (ulong)h4 * s1;
                ulong d1 = (ulong)h0 * r1 + (ulong)h1 * r0 + (ulong)h2 * s4 + (ulong)h3 * s3 + (ulong)h4 * s2;
                ulong d2 = (ulong)h0 * r2 + (ulong)h1 * r1 + (ulong)h2 * r0 + (ulong)h3 * s4 + (ulong)h4 * s3;
                ulong d3 = (ulong)h0 * r3 + (ulong)h1 * r2 + (ulong)h2 * r1 + (ulong)h3 * r0 + (ulong)h4 * s4;
                ulong d4 = (ulong)h0 * r4 + (ulong)h1 * r3 + (ulong)h2 * r2 + (ulong)h3 * r1 + (ulong)h4 * r0;

                uint c = (uint)(d0 >> 26); h0 = (uint)d0 & Mask26;
                d1 += c; c = (uint)(d1 >> 26); h1 = (uint)d1 & Mask26;
                d2 += c; c = (uint)(d2 >> 26); h2 = (uint)d2 & Mask26;
                d3 += c; c = (uint)(d3 >> 26); h3 = (uint)d3 & Mask26;
                d4 += c; c = (uint)(d4 >> 26); h4 = (uint)d4 & Mask26;
                h0 += c * 5; c = h0 >> 26; h0 &= Mask26;
                h1 += c;
            }

            // Full carry, then h - p computed alongside h; keep h - p when it did not go negative.
            uint cc = h1 >> 26; h1 &= Mask26;
            h2 += cc; cc = h2 >> 26; h2 &= Mask26;
            h3 += cc; cc = h3 >> 26; h3 &= Mask26;
            h4 += cc; cc = h4 >> 26; h4 &= Mask26;
            h0 += cc * 5; cc = h0 >> 26; h0 &= Mask26;
            h1 += cc;

            uint g0 = h0 + 5; cc = g0 >> 26; g0 &= Mask26;
            uint g1 = h1 + cc; cc = g1 >> 26; g1 &= Mask26;
            uint g2 = h2 + cc; cc = g2 >> 26; g2 &= Mask26;
            uint g3 = h3 + cc; cc = g3 >> 26; g3 &= Mask26;
            uint g4 = h4 + cc - (1u << 26);

            uint select = (g4 >> 31) - 1; // all ones when g >= 0 (use g), zero when g < 0 (keep h)
            g0 &= select; g1 &= select; g2 &= select; g3 &= select; g4 &= select;
            select = ~select;
            h0 = (h0 & select) | g0;
            h1 = (h1 & select) | g1;
            h2 = (h2 & select) | g2;
            h3 = (h3 & select) | g3;
            h4 = (h4 & select) | g4;

            // h mod 2^128, plus s.
            uint w0 = h0 | (h1 << 26);
            uint w1 = (h1 >> 6) | (h2 << 20);
            uint w2 = (h2 >> 12) | (h3 << 14);
            uint w3 = (h3 >> 18) | (h4 << 8);

            ulong f = (ulong)w0 + Salsa20.Load32(key, keyOffset + 16);
            Salsa20.Store32(tag, tagOffset, (uint)f);
            f = (ulong)w1 + Salsa20.Load32(key, keyOffset + 20) + (f >> 32);
            Salsa20.Store32(tag, tagOffset + 4, (uint)f);
            f = (ulong)w2 + Salsa20.Load32(key, keyOffset + 24) + (f >> 32);
            Salsa20.Store32(tag, tagOffset + 8, (uint)f);
            f = (ulong)w3 + Salsa20.Load32(key, keyOffset + 28) + (f >> 32);
            Salsa20.Store32(tag, tagOffset + 12, (uint)f);
        }

        /// <summary>
        /// Compares two 16-byte tags in constant time: every byte is always examined, there is no
        /// early exit, so the time taken says nothing about where a forged tag first differs.
        /// </summary>
        internal static bool TagsEqual(byte[] a, int aOffset, byte[] b, int bOffset)
        {
            int diff = 0;
            for (int i = 0; i < TagSize; i++) diff |= a[aOffset + i] ^ b[bOffset + i];
            // (diff - 1) >> 8 is all ones only when diff was 0: no data-dependent branch before here.
            return (((diff - 1) >> 8) & 1) == 1;
        }
    }
}
