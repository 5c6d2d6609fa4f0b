using System;

namespace Librecast
{
    /// <summary>
    /// Our own IPv4 mapping of a channel (librecast 0.5.1 has none), for devices whose network
    /// has no IPv6 multicast, such as ESP32 nodes on nanoFramework's standard firmware images.
    /// A channel's IPv4 group is 239.x.y.z, where x.y.z are the last three bytes of its librecast
    /// IPv6 group; see docs/ipv4-mapping.md.
    /// </summary>
    /// <remarks>
    /// Groups are carried through the core as IPv4-mapped IPv6 addresses (::ffff:239.x.y.z,
    /// 16 bytes), so channels, sockets and transports keep one address type; a transport sends
    /// and joins such a group with IPv4 (IGMP). Because x.y.z comes from the IPv6 group, a
    /// gateway can map a group it sees to the other family without knowing the channel's name.
    /// One exception: a group in 239.0.0.0/24 or 239.128.0.0/24 (whose Ethernet addresses alias
    /// 224.0.0.0/24, the link-local control block that switches flood to every port) gets y = 1.
    /// </remarks>
    public static class Ipv4Group
    {
        /// <summary>First byte of every mapped group: 239, administratively scoped (RFC 2365).</summary>
        public const byte Prefix = 239;

        /// <summary>
        /// Writes the IPv4 group of the name in <paramref name="name"/>[offset, offset+count) with
        /// <paramref name="flags"/> (0 as for <c>lc_channel_new</c>) to <paramref name="group"/>
        /// as 16 bytes ::ffff:239.x.y.z.
        /// </summary>
        public static void FromName(byte[] name, int offset, int count, uint flags, byte[] group, int groupOffset)
        {
            if (group == null) throw new ArgumentNullException("group");
            if (groupOffset < 0 || groupOffset > group.Length - GroupAddress.Size) throw new ArgumentOutOfRangeException("groupOffset");
            GroupAddress.FromName(name, offset, count, flags, group, groupOffset);
            FromIpv6Group(group, groupOffset, group, groupOffset);
        }

        /// <summary>The IPv4 group (16 bytes, ::ffff:239.x.y.z) of channel <paramref name="name"/> (its UTF-8 bytes).</summary>
        public static byte[] FromName(string name)
        {
            if (name == null) throw new ArgumentNullException("name");
            byte[] bytes = Utf8.GetBytes(name);
            byte[] group = new byte[GroupAddress.Size];
            FromName(bytes, 0, bytes.Length, 0, group, 0);
            return group;
        }

        /// <summary>
        /// Maps a librecast IPv6 group (16 bytes at <paramref name="ipv6"/>[offset]) to its IPv4
        /// group, written as 16 bytes ::ffff:239.x.y.z to <paramref name="group"/>; the two may be
        /// the same array and offset.
        /// </summary>
        public static void FromIpv6Group(byte[] ipv6, int offset, byte[] group, int groupOffset)
        {
            if (ipv6 == null) throw new ArgumentNullException("ipv6");
            if (group == null) throw new ArgumentNullException("group");
            if (offset < 0 || offset > ipv6.Length - GroupAddress.Size) throw new ArgumentOutOfRangeException("offset");
            if (groupOffset < 0 || groupOffset > group.Length - GroupAddress.Size) throw new ArgumentOutOfRangeException("groupOffset");
            byte x = ipv6[offset + 13], y = ipv6[offset + 14], z = ipv6[offset + 15];
            // 239.0.0.z and 239.128.0.z share their Ethernet address (01:00:5e + low 23 bits)
            // with 224.0.0.z, the link-local control block that snooping switches flood.
            if ((x & 0x7F) == 0 && y == 0) y = 1;
            for (int i = 0; i < 10; i++) group[groupOffset + i] = 0;
            group[groupOffset + 10] = 0xff;
            group[groupOffset + 11] = 0xff;
            group[groupOffset + 12] = Prefix;
            group[groupOffset + 13] = x;
            group[groupOffset + 14] = y;
            group[groupOffset + 15] = z;
        }

        /// <summary>True if the 16 bytes at <paramref name="offset"/> are an IPv4-mapped address (::ffff:a.b.c.d).</summary>
        public static bool IsMapped(byte[] address, int offset)
        {
            if (address == null || offset < 0 || offset > address.Length - GroupAddress.Size) return false;
            for (int i = 0; i < 10; i++)
                if (address[offset + i] != 0) return false;
            return address[offset + 10] == 0xff && address[offset + 11] == 0xff;
        }

        /// <summary>True if the 16 bytes at <paramref name="offset"/> are an IPv4-mapped multicast address (::ffff:224.0.0.0/4).</summary>
        public static bool IsMulticast(byte[] address, int offset)
        {
            return IsMapped(address, offset) && (address[offset + 12] & 0xF0) == 0xE0;
        }

        /// <summary>The IPv4 part of a mapped address as dotted text ("239.1.2.3").</summary>
        /// <exception cref="ArgumentException">The address is not IPv4-mapped.</exception>
        public static string Format(byte[] address, int offset)
        {
            if (!IsMapped(address, offset))
                throw new ArgumentException("not an IPv4-mapped address (::ffff:a.b.c.d)", "address");
            char[] text = new char[15];
            int n = 0;
            for (int b = 12; b < 16; b++)
            {
                if (b != 12) text[n++] = '.';
                int v = address[offset + b];
                if (v >= 100) text[n++] = (char)('0' + v / 100);
                if (v >= 10) text[n++] = (char)('0' + v / 10 % 10);
                text[n++] = (char)('0' + v % 10);
            }
            return new string(text, 0, n);
        }
    }
}
