using System;

namespace Librecast
{
    /// <summary>
    /// UTF-8 encoding for channel names. nanoFramework's mscorlib has no System.Text, so the core
    /// carries its own; the result is the same as .NET's Encoding.UTF8 (a lone surrogate becomes
    /// U+FFFD), which the tests check.
    /// </summary>
    public static class Utf8
    {
        /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
        public static byte[] GetBytes(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            byte[] bytes = new byte[ByteCount(text)];
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int c = text[i];
                if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.Length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF)
                {
                    c = 0x10000 + ((c - 0xD800) << 10) + (text[++i] - 0xDC00);
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

        private static int ByteCount(string text)
        {
            int count = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int c = text[i];
                if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.Length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF)
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
