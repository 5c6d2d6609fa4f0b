using System;

namespace Librecast
{
    /// <summary>Channels derived from others, as librecast's lc_channel_sideband, _sidehash, _copy and _random derive them.</summary>
    public sealed partial class Channel
    {
        /// <summary>
        /// The sideband channel <paramref name="band"/> of this one (like <c>lc_channel_sideband</c>):
        /// the same group with bytes 8..15 replaced by band in little-endian order (librecast writes
        /// the uint64 in host order; measured on x86), same port, no name.
        /// </summary>
        public Channel Sideband(ulong band)
        {
            byte[] g = new byte[GroupAddress.Size];
            Array.Copy(group, 0, g, 0, GroupAddress.Size);
            for (int i = 0; i < 8; i++) g[8 + i] = (byte)(band >> (8 * i));
            return new Channel(Context, Wire, g, 0, hash, Port, null);
        }

        /// <summary>
        /// The channel keyed by the 32 bytes of <paramref name="key"/> at <paramref name="offset"/>
        /// off this one (like <c>lc_channel_sidehash(base, key, 32)</c>); see <see cref="Sidehash(byte[], int, int)"/>.
        /// </summary>
        /// <exception cref="ArgumentException">Fewer than 32 key bytes from offset.</exception>
        public Channel Sidehash(byte[] key, int offset)
        {
            if (key == null) throw new ArgumentNullException("key");
            if (offset < 0 || offset > key.Length - 32) throw new ArgumentException("a sidehash key here is 32 bytes from offset " + offset + "; the array has " + key.Length, "key");
            return Sidehash(key, offset, 32);
        }

        /// <summary>
        /// The channel keyed by <paramref name="key"/>[offset, offset+count) off this one (like
        /// <c>lc_channel_sidehash</c>), as this channel's <see cref="Wire"/> derives it. 0.9+:
        /// ff1e ‖ BLAKE3(this channel's 32-byte hash ‖ key)[0..13], any key length, port 4242
        /// (e.g. key "NACK" gives the NACK channel). 0.5: bytes 0..1 of this group, then bytes
        /// 0..13 of BLAKE3 keyed with the 32-byte key over this group's 16 bytes, same port.
        /// No name.
        /// </summary>
        /// <exception cref="ArgumentException">Profile 0.5 and the key is not 32 bytes (librecast 0.5.1 always reads 32).</exception>
        public Channel Sidehash(byte[] key, int offset, int count)
        {
            byte[] h = new byte[Blake3Hasher.OutLength];
            byte[] g = new byte[GroupAddress.Size];
            Wire.Sidehash(group, hash, key, offset, count, h, g);
            // 0.9+ zeroes the sockaddr, so the port becomes the default; 0.5.1 copied the base's.
            return new Channel(Context, Wire, g, 0, h, Wire.PlainNameHash ? GroupAddress.DefaultPort : Port, null);
        }

        /// <summary>A copy of this channel (like <c>lc_channel_copy</c>): same group, hash, port and wire, a new id, no name, no key.</summary>
        public Channel Copy()
        {
            return new Channel(Context, Wire, group, 0, hash, Port, null);
        }

        /// <summary>A channel on a random group (like <c>lc_channel_random</c>: the group of 14 unpredictable bytes from the platform, hashed as a name).</summary>
        public static Channel Random(Context context)
        {
            if (context == null) throw new ArgumentNullException("context");
            byte[] name = new byte[14];
            context.Platform.FillRandom(name, 0, name.Length);
            return context.CreateChannel(name, 0, name.Length);
        }
    }
}
