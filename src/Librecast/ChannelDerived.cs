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
            return new Channel(Context, g, 0, Port, null);
        }

        /// <summary>
        /// The channel keyed by <paramref name="key"/> off this one (like <c>lc_channel_sidehash</c>):
        /// bytes 0..1 of this group, then bytes 0..13 of BLAKE3 keyed with the 32-byte key over this
        /// group's 16 bytes; same port, no name. (librecast always reads 32 key bytes, whatever
        /// keylen says; we require 32.)
        /// </summary>
        /// <exception cref="ArgumentException">The key is not 32 bytes from offset.</exception>
        public Channel Sidehash(byte[] key, int offset)
        {
            Blake3Hasher h = new Blake3Hasher(key, offset);
            h.Update(group, 0, GroupAddress.Size);
            byte[] digest = new byte[14];
            h.Finish(digest, 0, 14);
            byte[] g = new byte[GroupAddress.Size];
            g[0] = group[0];
            g[1] = group[1];
            Array.Copy(digest, 0, g, 2, 14);
            return new Channel(Context, g, 0, Port, null);
        }

        /// <summary>A copy of this channel (like <c>lc_channel_copy</c>): same group and port, a new id, no name, no key.</summary>
        public Channel Copy()
        {
            return new Channel(Context, group, 0, Port, null);
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
