using System;

namespace Librecast.NanoCases
{
    /// <summary>Hex text to bytes and back, and text built at run time, for the cases (nanoFramework has no Convert.FromHexString).</summary>
    public static class Hex
    {
        private const string Digits = "0123456789abcdef";

        /// <summary>Lowercase hex of <paramref name="count"/> bytes at <paramref name="offset"/>.</summary>
        public static string Of(byte[] bytes, int offset, int count)
        {
            char[] text = new char[count * 2];
            for (int i = 0; i < count; i++)
            {
                text[2 * i] = Digits[bytes[offset + i] >> 4];
                text[2 * i + 1] = Digits[bytes[offset + i] & 0xf];
            }
            return new string(text);
        }

        /// <summary>Lowercase hex of all of <paramref name="bytes"/>.</summary>
        public static string Of(byte[] bytes) { return Of(bytes, 0, bytes.Length); }

        /// <summary>The bytes of hex text (even length, either case).</summary>
        public static byte[] Bytes(string hex)
        {
            char[] c = hex.ToCharArray();
            byte[] b = new byte[c.Length / 2];
            for (int i = 0; i < b.Length; i++) b[i] = (byte)((Nibble(c[2 * i]) << 4) | Nibble(c[2 * i + 1]));
            return b;
        }

        private static int Nibble(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            throw new ArgumentException("not a hex digit: " + c);
        }

        /// <summary>
        /// A string built at run time from code points given as hex words ("1f680 20 72"): each
        /// code point becomes one char, or a surrogate pair above U+FFFF, then one
        /// <c>new string(char[])</c>, as a name read from a device's storage would be built.
        /// </summary>
        public static string FromCodePoints(string words)
        {
            char[] w = words.ToCharArray();
            char[] chars = new char[w.Length + 1];
            int n = 0, value = 0;
            bool inWord = false;
            for (int i = 0; i <= w.Length; i++)
            {
                if (i < w.Length && w[i] != ' ')
                {
                    value = (value << 4) | Nibble(w[i]);
                    inWord = true;
                    continue;
                }
                if (!inWord) continue;
                if (value >= 0x10000)
                {
                    chars[n++] = (char)(0xD800 + ((value - 0x10000) >> 10));
                    chars[n++] = (char)(0xDC00 + ((value - 0x10000) & 0x3FF));
                }
                else chars[n++] = (char)value;
                value = 0;
                inWord = false;
            }
            return new string(chars, 0, n);
        }
    }
}
