namespace Librecast.Crypto
{

    /// <summary>The Salsa20/20 core and HSalsa20, the two building blocks of XSalsa20 (portable, allocation-free).</summary>
    /// <remarks>
    /// Follows Bernstein's "Salsa20 specification" and "Extending the Salsa20 nonce" (the papers that
    /// NaCl and libsodium implement). State layout, 16 little-endian words:
    /// <c>c0 k0 k1 k2 / k3 c1 n0 n1 / b0 b1 c2 k4 / k5 k6 k7 c3</c> with c = "expand 32-byte k",
    /// k = key, n = nonce (HSalsa20: the 16-byte input fills n0 n1 b0 b1), b = block counter.
    /// Ten double rounds in local variables: no arrays on the hot path, no lookups that depend on
    /// secret data, only add/rotate/xor, so the running time does not depend on key or message.
    /// </remarks>
    internal static class Salsa20
    {
        internal const uint C0 = 0x61707865, C1 = 0x3320646e, C2 = 0x79622d32, C3 = 0x6b206574;

        /// <summary>Reads a little-endian 32-bit word.</summary>
        internal static uint Load32(byte[] b, int o)
        {
            return (uint)b[o] | ((uint)b[o + 1] << 8) | ((uint)b[o + 2] << 16) | ((uint)b[o + 3] << 24);
        }

        /// <summary>Writes a little-endian 32-bit word.</summary>
        internal static void Store32(byte[] b, int o, uint v)
        {
            b[o] = (byte)v;
            b[o + 1] = (byte)(v >> 8);
            b[o + 2] = (byte)(v >> 16);
            b[o + 3] = (byte)(v >> 24);
        }

        /// <summary>
        /// One 64-byte Salsa20/20 keystream block for key words <paramref name="k"/>[0..8), nonce words
        /// <paramref name="n0"/>, <paramref name="n1"/> and block number <paramref name="counter"/>,
        /// written to <paramref name="output"/>[0..64).
        /// </summary>
        internal static void Block(uint[] k, uint n0, uint n1, ulong counter, byte[] output)
        {
            Core(k, n0, n1, (uint)counter, (uint)(counter >> 32), output, null);
        }

        /// <summary>
        /// HSalsa20: derives the XSalsa20 subkey from key words <paramref name="k"/> and the 16 bytes
        /// <paramref name="input"/>[offset..offset+16), into <paramref name="subkey"/>[0..8).
        /// </summary>
        internal static void HSalsa20(uint[] k, byte[] input, int offset, uint[] subkey)
        {
            Core(k, Load32(input, offset), Load32(input, offset + 4), Load32(input, offset + 8), Load32(input, offset + 12), null, subkey);
        }

        // The 20 rounds over the state with w6..w9 in words 6..9. With `block`: the Salsa20 output
        // (rounds plus the input, 64 bytes). With `subkey`: HSalsa20's output, the rounds without the
        // final addition, words 0, 5, 10, 15, 6, 7, 8, 9. Which one is a public choice, not a secret.
        private static void Core(uint[] k, uint w6, uint w7, uint w8, uint w9, byte[]? block, uint[]? subkey)
        {
            uint j1 = k[0], j2 = k[1], j3 = k[2], j4 = k[3], j11 = k[4], j12 = k[5], j13 = k[6], j14 = k[7];
            uint x0 = C0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = C1, x6 = w6, x7 = w7;
            uint x8 = w8, x9 = w9, x10 = C2, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = C3;
            uint t;
            for (int i = 0; i < 10; i++)
            {
                // Column round.
                t = x0 + x12; x4 ^= (t << 7) | (t >> 25);
                t = x4 + x0; x8 ^= (t << 9) | (t >> 23);
                t = x8 + x4; x12 ^= (t << 13) | (t >> 19);
                t = x12 + x8; x0 ^= (t << 18) | (t >> 14);
                t = x5 + x1; x9 ^= (t << 7) | (t >> 25);
                t = x9 + x5; x13 ^= (t << 9) | (t >> 23);
                t = x13 + x9; x1 ^= (t << 13) | (t >> 19);
                t = x1 + x13; x5 ^= (t << 18) | (t >> 14);
                t = x10 + x6; x14 ^= (t << 7) | (t >> 25);
                t = x14 + x10; x2 ^= (t << 9) | (t >> 23);
                t = x2 + x14; x6 ^= (t << 13) | (t >> 19);
                t = x6 + x2; x10 ^= (t << 18) | (t >> 14);
                t = x15 + x11; x3 ^= (t << 7) | (t >> 25);
                t = x3 + x15; x7 ^= (t << 9) | (t >> 23);
                t = x7 + x3; x11 ^= (t << 13) | (t >> 19);
                t = x11 + x7; x15 ^= (t << 18) | (t >> 14);
                // Row round.
                t = x0 + x3; x1 ^= (t << 7) | (t >> 25);
                t = x1 + x0; x2 ^= (t << 9) | (t >> 23);
                t = x2 + x1; x3 ^= (t << 13) | (t >> 19);
                t = x3 + x2; x0 ^= (t << 18) | (t >> 14);
                t = x5 + x4; x6 ^= (t << 7) | (t >> 25);
                t = x6 + x5; x7 ^= (t << 9) | (t >> 23);
                t = x7 + x6; x4 ^= (t << 13) | (t >> 19);
                t = x4 + x7; x5 ^= (t << 18) | (t >> 14);
                t = x10 + x9; x11 ^= (t << 7) | (t >> 25);
                t = x11 + x10; x8 ^= (t << 9) | (t >> 23);
                t = x8 + x11; x9 ^= (t << 13) | (t >> 19);
                t = x9 + x8; x10 ^= (t << 18) | (t >> 14);
                t = x15 + x14; x12 ^= (t << 7) | (t >> 25);
                t = x12 + x15; x13 ^= (t << 9) | (t >> 23);
                t = x13 + x12; x14 ^= (t << 13) | (t >> 19);
                t = x14 + x13; x15 ^= (t << 18) | (t >> 14);
            }
            if (block != null)
            {
                Store32(block, 0, x0 + C0); Store32(block, 4, x1 + j1); Store32(block, 8, x2 + j2); Store32(block, 12, x3 + j3);
                Store32(block, 16, x4 + j4); Store32(block, 20, x5 + C1); Store32(block, 24, x6 + w6); Store32(block, 28, x7 + w7);
                Store32(block, 32, x8 + w8); Store32(block, 36, x9 + w9); Store32(block, 40, x10 + C2); Store32(block, 44, x11 + j11);
                Store32(block, 48, x12 + j12); Store32(block, 52, x13 + j13); Store32(block, 56, x14 + j14); Store32(block, 60, x15 + C3);
            }
            else
            {
                subkey![0] = x0; subkey[1] = x5; subkey[2] = x10; subkey[3] = x15;
                subkey[4] = x6; subkey[5] = x7; subkey[6] = x8; subkey[7] = x9;
            }
        }
    }
}
