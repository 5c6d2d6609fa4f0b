using System;
using Librecast.Crypto;

namespace Librecast.Security
{
    /// <summary>
    /// librecast 0.11's capability token (<c>lc_token_t</c>, 128 bytes, sent as it lies in memory):
    /// a signer grants a bearer's key the right to speak on a channel. Every datagram of a restricted
    /// channel starts with one (see <see cref="TokenSealer"/>, <see cref="TokenFilter"/>).
    /// </summary>
    /// <remarks>
    /// Layout (librecast 0.11.2 <c>types.h</c>, <c>lc_token_new</c>): version 0xff (1) ‖ channel =
    /// the channel hash's first 14 bytes (14) ‖ capbits (1) ‖ the signer's public key, first 8 bytes
    /// (8) ‖ expires, Unix seconds, little-endian, 0 = never (8) ‖ the bearer's public key (32) ‖
    /// pure Ed25519 signature of bytes 0..63 by the signer (64). Helpers over byte arrays; nothing
    /// here allocates.
    /// </remarks>
    public static class Token
    {
        /// <summary>Bytes in a token.</summary>
        public const int Size = 128;
        /// <summary>The version byte librecast 0.11 writes.</summary>
        public const byte CurrentVersion = 0xff;
        /// <summary>Offset of the version byte.</summary>
        public const int VersionOffset = 0;
        /// <summary>Offset of the channel field (the channel hash's first <see cref="ChannelSize"/> bytes).</summary>
        public const int ChannelOffset = 1;
        /// <summary>Bytes of the channel field.</summary>
        public const int ChannelSize = 14;
        /// <summary>Offset of the capability bits.</summary>
        public const int CapabilitiesOffset = 15;
        /// <summary>Offset of the signer's key id (its public key's first <see cref="SignerIdSize"/> bytes).</summary>
        public const int SignerOffset = 16;
        /// <summary>Bytes of the signer's key id.</summary>
        public const int SignerIdSize = 8;
        /// <summary>Offset of the expiry (u64 little-endian Unix seconds; 0: never).</summary>
        public const int ExpiresOffset = 24;
        /// <summary>Offset of the bearer's public key.</summary>
        public const int BearerOffset = 32;
        /// <summary>Bytes the signer signs (the token without its signature).</summary>
        public const int SignedSize = 64;
        /// <summary>Offset of the signer's signature.</summary>
        public const int SignatureOffset = 64;

        /// <summary>librecast's LC_CHAN_EXEC capability bit.</summary>
        public const byte Exec = 0x1;
        /// <summary>librecast's LC_CHAN_WRITE capability bit.</summary>
        public const byte Write = 0x2;
        /// <summary>librecast's LC_CHAN_READ capability bit.</summary>
        public const byte Read = 0x4;

        /// <summary>
        /// Writes a signed token into <paramref name="token"/>[offset, +128), as <c>lc_token_new</c>:
        /// for the channel whose hash starts at <paramref name="channelHash"/>[hashOffset] (14 bytes
        /// used), granting <paramref name="capabilities"/> to the bearer's public key until
        /// <paramref name="expires"/> (Unix seconds; 0: never), signed with the signer's seed.
        /// </summary>
        public static void Issue(Ed25519 ed, byte[] signerSeed, int seedOffset, byte[] signerPublic, int signerPublicOffset,
            byte[] bearerPublic, int bearerOffset, byte[] channelHash, int hashOffset, byte capabilities, ulong expires,
            byte[] token, int offset)
        {
            if (ed == null) throw new ArgumentNullException("ed");
            Check(signerPublic, signerPublicOffset, Ed25519.PublicKeySize, "signerPublic");
            Check(bearerPublic, bearerOffset, Ed25519.PublicKeySize, "bearerPublic");
            Check(channelHash, hashOffset, ChannelSize, "channelHash");
            Check(token, offset, Size, "token");
            token[offset + VersionOffset] = CurrentVersion;
            Array.Copy(channelHash, hashOffset, token, offset + ChannelOffset, ChannelSize);
            token[offset + CapabilitiesOffset] = capabilities;
            Array.Copy(signerPublic, signerPublicOffset, token, offset + SignerOffset, SignerIdSize);
            WriteExpires(token, offset, expires);
            Array.Copy(bearerPublic, bearerOffset, token, offset + BearerOffset, Ed25519.PublicKeySize);
            ed.Sign(signerSeed, seedOffset, signerPublic, signerPublicOffset, token, offset, SignedSize, token, offset + SignatureOffset);
        }

        /// <summary>True if the token's signature is the signer's (<paramref name="signerPublic"/>): pure Ed25519 over its first 64 bytes.</summary>
        public static bool SignatureValid(Ed25519 ed, byte[] token, int offset, byte[] signerPublic, int signerPublicOffset)
        {
            return ed.Verify(signerPublic, signerPublicOffset, token, offset, SignedSize, token, offset + SignatureOffset);
        }

        /// <summary>The token's expiry: Unix seconds, 0 for never.</summary>
        public static ulong Expires(byte[] token, int offset)
        {
            ulong v = 0;
            for (int i = 7; i >= 0; i--) v = (v << 8) | token[offset + ExpiresOffset + i];
            return v;
        }

        private static void WriteExpires(byte[] token, int offset, ulong expires)
        {
            for (int i = 0; i < 8; i++) token[offset + ExpiresOffset + i] = (byte)(expires >> (8 * i));
        }

        /// <summary>The token's capability bits.</summary>
        public static byte Capabilities(byte[] token, int offset) { return token[offset + CapabilitiesOffset]; }

        /// <summary>True if the token's channel field is the first 14 bytes of <paramref name="channelHash"/>.</summary>
        public static bool IsFor(byte[] token, int offset, byte[] channelHash, int hashOffset)
        {
            for (int i = 0; i < ChannelSize; i++)
                if (token[offset + ChannelOffset + i] != channelHash[hashOffset + i]) return false;
            return true;
        }

        /// <summary>True if the token is for the bearer key <paramref name="bearerPublic"/>.</summary>
        public static bool IsBearer(byte[] token, int offset, byte[] bearerPublic, int bearerOffset)
        {
            for (int i = 0; i < Ed25519.PublicKeySize; i++)
                if (token[offset + BearerOffset + i] != bearerPublic[bearerOffset + i]) return false;
            return true;
        }

        private static void Check(byte[] a, int offset, int count, string name)
        {
            if (a == null) throw new ArgumentNullException(name);
            if (offset < 0 || offset > a.Length - count) throw new ArgumentOutOfRangeException(name);
        }
    }
}
