using System;

namespace Librecast
{
    /// <summary>
    /// UTF-8 encoding for channel names. nanoFramework's mscorlib has no System.Text, so the core
    /// carries its own; the result is the same as .NET's Encoding.UTF8 (a lone surrogate becomes
    /// U+FFFD), which the tests check on both runtimes.
    /// </summary>
    /// <remarks>
    /// Never index a string with <c>text[i]</c> to find a surrogate pair: nanoCLR keeps strings as
    /// UTF-8 and its indexer (<c>String.get_Chars</c>) decodes the whole 4-byte sequence of a
    /// code point outside the Basic Multilingual Plane and returns its first unit for both
    /// halves, so "🚀" reads as D83D D83D and hashes to another group. <c>ToCharArray()</c> of the
    /// whole string is right on both runtimes (and linear on nanoCLR, where each indexer call
    /// decodes from the start of the string).
    /// </remarks>
    public static class Utf8
    {
        /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
        public static byte[] GetBytes(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            char[] chars = text.ToCharArray();
            byte[] bytes = new byte[ByteCount(chars)];
            int n = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                int c = chars[i];
                if (IsHigh(c) && i + 1 < chars.Length && IsLow(chars[i + 1]))
                {
                    c = Combine(c, chars[++i]);
                    bytes[n++] = (byte)(0xF0 | (c >> 18));
                    bytes[n++] = (byte)(0x80 | ((c >> 12) & 0x3F));
                    bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                    continue;
                }
                if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD; // unpaired surrogate
                if (c < 0x80) bytes[n++] = (byte)c;
                else if (c < 0x800)
                {
                    bytes[n++] = (byte)(0xC0 | (c >> 6));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                }
                else
                {
                    bytes[n++] = (byte)(0xE0 | (c >> 12));
                    bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            return bytes;
        }

        /// <summary>
        /// The code point at <paramref name="text"/>[<paramref name="index"/>], in
        /// <paramref name="units"/> UTF-16 units (2 for a surrogate pair); a lone surrogate is U+FFFD.
        /// Right on nanoCLR too (see the remarks on <see cref="Utf8"/>), and allocation-free on
        /// .NET; on nanoCLR a code point outside the BMP costs a 2-char array.
        /// </summary>
        internal static int CodePointAt(string text, int index, out int units)
        {
            units = 1;
            int c = text[index];
            if (c < 0xD800 || c > 0xDFFF) return c;
            if (IsHigh(c) && index + 1 < text.Length)
            {
                int next = text[index + 1];
                // .NET: the low half itself. nanoCLR: the high half again (its indexer's bug), so
                // ask ToCharArray, which returns the pair; .NET takes that path only for a lone
                // high surrogate followed by the same one, and answers it the same way.
                if (next == c) next = text.ToCharArray(index, 2)[1];
                if (IsLow(next))
                {
                    units = 2;
                    return Combine(c, next);
                }
            }
            return 0xFFFD;
        }

        private static bool IsHigh(int c) { return c >= 0xD800 && c <= 0xDBFF; }

        private static bool IsLow(int c) { return c >= 0xDC00 && c <= 0xDFFF; }

        private static int Combine(int high, int low) { return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00); }

        private static int ByteCount(char[] chars)
        {
            int count = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                int c = chars[i];
                if (IsHigh(c) && i + 1 < chars.Length && IsLow(chars[i + 1]))
                {
                    count += 4;
                    i++;
                }
                else if (c < 0x80) count += 1;
                else if (c < 0x800) count += 2;
                else count += 3;
            }
            return count;
        }
    }
}
