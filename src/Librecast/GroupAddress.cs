using System;

namespace Librecast
{
    /// <summary>
    /// Channel name to IPv6 multicast group, exactly as librecast's <c>lc_channel_new</c> derives
    /// it under a <see cref="WireProfile"/>, and IPv6 text formatting as glibc's <c>inet_ntop</c>
    /// writes it.
    /// </summary>
    /// <remarks>
    /// 0.9+: the group is ff1e ‖ BLAKE3(name)[0..13]. 0.5.1: h = BLAKE3(name bytes ‖ flags as 4
    /// bytes little-endian); the group is ff1e:: with bytes 2..15 XORed with h[2..15].
    /// ff1e = multicast, transient, global scope.
    /// </remarks>
    public static class GroupAddress
    {
        /// <summary>librecast's default port (LC_DEFAULT_PORT).</summary>
        public const int DefaultPort = 4242;

        /// <summary>Size of an IPv6 address in bytes.</summary>
        public const int Size = 16;

        /// <summary>First byte of librecast's base group address ff1e::.</summary>
        public const byte BasePrefix0 = 0xff;
        /// <summary>Second byte of librecast's base group address ff1e::.</summary>
        public const byte BasePrefix1 = 0x1e;

        /// <summary>Derives the group of channel <paramref name="name"/> (its UTF-8 bytes) on the default wire (<see cref="WireProfile.Default"/>, 0.11), as a new <see cref="Context"/> does.</summary>
        public static byte[] FromName(string name)
        {
            return FromName(name, WireProfile.Default);
        }

        /// <summary>Derives the group of channel <paramref name="name"/> (its UTF-8 bytes) under the wire profile <paramref name="wire"/>.</summary>
        public static byte[] FromName(string name, WireProfile wire)
        {
            if (name == null) throw new ArgumentNullException("name");
            if (wire == null) throw new ArgumentNullException("wire");
            byte[] bytes = Utf8.GetBytes(name);
            byte[] hash = new byte[Blake3Hasher.OutLength];
            byte[] group = new byte[Size];
            wire.NameToGroup(bytes, 0, bytes.Length, hash, group);
            return group;
        }

        /// <summary>
        /// Derives the group of the name in <paramref name="name"/>[offset, offset+count) with
        /// <paramref name="flags"/> (0 for <c>lc_channel_new</c>) as librecast 0.5.1 does,
        /// writing 16 bytes to <paramref name="group"/>. (Our IPv4 mapping is defined on it.)
        /// </summary>
        public static void FromName(byte[] name, int offset, int count, uint flags, byte[] group, int groupOffset)
        {
            if (group == null) throw new ArgumentNullException("group");
            if (groupOffset < 0 || groupOffset > group.Length - Size) throw new ArgumentOutOfRangeException("groupOffset");
            // Only bytes 2..15 of the hash are used: XORing them into ff1e:: (zero there) is
            // the same as copying them, and bytes 0-1 are the prefix.
            HashName(name, offset, count, flags, group, groupOffset, Size);
            group[groupOffset] = BasePrefix0;
            group[groupOffset + 1] = BasePrefix1;
        }

        // librecast 0.5.1's channel hash: BLAKE3(name ‖ flags as 4 bytes little-endian), its
        // first outCount bytes.
        internal static void HashName(byte[] name, int offset, int count, uint flags, byte[] output, int outOffset, int outCount)
        {
            if (name == null) throw new ArgumentNullException("name");
            Blake3Hasher hasher = new Blake3Hasher();
            byte[] flagBytes = new byte[4];
            flagBytes[0] = (byte)flags;
            flagBytes[1] = (byte)(flags >> 8);
            flagBytes[2] = (byte)(flags >> 16);
            flagBytes[3] = (byte)(flags >> 24);
            hasher.Update(name, offset, count);
            hasher.Update(flagBytes, 0, 4);
            hasher.Finish(output, outOffset, outCount);
        }

        /// <summary>True if the 16 bytes at <paramref name="offset"/> are an IPv6 multicast address (ff00::/8).</summary>
        public static bool IsMulticast(byte[] address, int offset)
        {
            return address != null && offset >= 0 && offset <= address.Length - Size && address[offset] == 0xff;
        }

        /// <summary>True if two 16-byte addresses are equal.</summary>
        public static bool Equal(byte[] a, int aOffset, byte[] b, int bOffset)
        {
            for (int i = 0; i < Size; i++)
                if (a[aOffset + i] != b[bOffset + i]) return false;
            return true;
        }

        /// <summary>Formats 16 address bytes as glibc's inet_ntop does (RFC 5952 style, lowercase).</summary>
        public static string Format(byte[] address, int offset)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (offset < 0 || offset > address.Length - Size) throw new ArgumentOutOfRangeException("offset");
            int[] words = new int[8];
            for (int i = 0; i < 8; i++) words[i] = (address[offset + 2 * i] << 8) | address[offset + 2 * i + 1];

            // The longest run of zero words (the first if tied) becomes "::", but only if it
            // is at least two words long, as inet_ntop does it.
            int bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
            for (int i = 0; i < 8; i++)
            {
                if (words[i] == 0)
                {
                    if (curBase == -1) { curBase = i; curLen = 1; } else curLen++;
                    if (curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
                }
                else curBase = -1;
            }
            if (bestLen < 2) bestBase = -1;

            // At most 45 characters (inet_ntop's INET6_ADDRSTRLEN less the NUL).
            char[] text = new char[45];
            int n = 0;
            for (int i = 0; i < 8; i++)
            {
                if (bestBase != -1 && i >= bestBase && i < bestBase + bestLen)
                {
                    if (i == bestBase) text[n++] = ':';
                    continue;
                }
                if (i != 0) text[n++] = ':';
                // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) end in dotted quad.
                if (i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff)))
                {
                    for (int b = 12; b < 16; b++)
                    {
                        if (b != 12) text[n++] = '.';
                        n = AppendDecimal(text, n, address[offset + b]);
                    }
                    return new string(text, 0, n);
                }
                n = AppendHex(text, n, words[i]);
            }
            if (bestBase != -1 && bestBase + bestLen == 8) text[n++] = ':';
            return new string(text, 0, n);
        }

        private static int AppendDecimal(char[] text, int n, int value)
        {
            if (value >= 100) text[n++] = (char)('0' + value / 100);
            if (value >= 10) text[n++] = (char)('0' + value / 10 % 10);
            text[n++] = (char)('0' + value % 10);
            return n;
        }

        private static int AppendHex(char[] text, int n, int word)
        {
            const string digits = "0123456789abcdef";
            bool started = false;
            for (int shift = 12; shift >= 0; shift -= 4)
            {
                int d = (word >> shift) & 0xf;
                if (d != 0 || started || shift == 0)
                {
                    text[n++] = digits[d];
                    started = true;
                }
            }
            return n;
        }
    }
}
