using System;
using Librecast.Crypto;

namespace Librecast.Security
{
    /// <summary>
    /// The sending side of a restricted channel (librecast 0.11's <c>lc_channel_token_set</c> with
    /// a signing key): every datagram goes out as <c>token ‖ inner ‖ signature</c>, the signature
    /// Ed25519ph (RFC 8032, empty context) by the token's bearer over <c>token ‖ inner</c>. The
    /// inner datagram is whatever the channel sends (a frame, a SYMM box, an FEC symbol); the token
    /// is never encrypted.
    /// </summary>
    /// <remarks>Holds a copy of the bearer's seed (<see cref="Wipe"/> clears it). Not thread-safe:
    /// callers lock it around <see cref="Seal(byte[], int, int)"/> and the send of <see cref="Buffer"/>.
    /// Allocation-free once its buffer has grown to the largest datagram.</remarks>
    public sealed class TokenSealer
    {
        private readonly byte[] token = new byte[Token.Size];
        private readonly byte[] seed = new byte[Ed25519.SeedSize];
        private readonly byte[] bearer = new byte[Ed25519.PublicKeySize];
        private readonly Ed25519 ed = new Ed25519();
        private readonly Sha512 sha = new Sha512();
        private readonly byte[] digest = new byte[Sha512.HashSize];
        private byte[] buffer = new byte[0];
        private bool wiped;

        /// <summary>
        /// A sealer sending <paramref name="tokenBytes"/>[tokenOffset, +128) with the bearer's
        /// 32-byte seed at <paramref name="bearerSeed"/>[seedOffset] (both copied).
        /// </summary>
        /// <exception cref="ArgumentException">The token is not for this seed's public key.</exception>
        public TokenSealer(byte[] tokenBytes, int tokenOffset, byte[] bearerSeed, int seedOffset)
        {
            if (tokenBytes == null) throw new ArgumentNullException("tokenBytes");
            if (bearerSeed == null) throw new ArgumentNullException("bearerSeed");
            if (tokenOffset < 0 || tokenOffset > tokenBytes.Length - Token.Size) throw new ArgumentOutOfRangeException("tokenOffset");
            if (seedOffset < 0 || seedOffset > bearerSeed.Length - Ed25519.SeedSize) throw new ArgumentOutOfRangeException("seedOffset");
            Array.Copy(tokenBytes, tokenOffset, token, 0, Token.Size);
            Array.Copy(bearerSeed, seedOffset, seed, 0, Ed25519.SeedSize);
            ed.PublicKey(seed, 0, bearer, 0);
            if (!Token.IsBearer(token, 0, bearer, 0))
            {
                Wipe();
                throw new ArgumentException("the token is for another bearer key", "bearerSeed");
            }
        }

        /// <summary>The token sent (a copy).</summary>
        public byte[] TokenBytes()
        {
            byte[] copy = new byte[Token.Size];
            Array.Copy(token, copy, Token.Size);
            return copy;
        }

        /// <summary>The buffer <see cref="Seal(byte[], int, int)"/> writes into (from offset 0).</summary>
        public byte[] Buffer { get { return buffer; } }

        /// <summary>
        /// Writes <c>token ‖ inner ‖ signature</c> for <paramref name="inner"/>[offset, +count) into
        /// <paramref name="output"/>[outputOffset], which must have room for count + 192 bytes;
        /// returns the length written. <paramref name="inner"/> and <paramref name="output"/> must not overlap.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The sealer was <see cref="Wipe"/>d: nothing is signed with a cleared seed.</exception>
        public int Seal(byte[] inner, int offset, int count, byte[] output, int outputOffset)
        {
            if (wiped) throw new ObjectDisposedException("TokenSealer"); // wiped: the channel's token was set again or cleared
            if (inner == null) throw new ArgumentNullException("inner");
            if (output == null) throw new ArgumentNullException("output");
            if (offset < 0 || count < 0 || offset > inner.Length - count) throw new ArgumentOutOfRangeException("count");
            int total = count + TokenFilter.Overhead;
            if (outputOffset < 0 || outputOffset > output.Length - total) throw new ArgumentOutOfRangeException("outputOffset");
            Array.Copy(inner, offset, output, outputOffset + Token.Size, count);
            SignAt(output, outputOffset, count);
            return total;
        }

        /// <summary>
        /// Seals in place, with no copy of the inner datagram: <paramref name="buffer"/>[at, +128)
        /// receives the token, the inner datagram already lies at [at + 128, + <paramref name="count"/>),
        /// and the signature is written after it. The publisher seals this way in its send ring
        /// (room for <c>count + 192</c> bytes from <paramref name="at"/>). Returns the datagram's
        /// length, the same bytes as <see cref="Seal(byte[], int, int, byte[], int)"/>, or -1 once
        /// <see cref="Wipe"/>d (nothing is signed with a cleared seed).
        /// </summary>
        public int SealInPlace(byte[] buffer, int at, int count)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            int total = count + TokenFilter.Overhead;
            if (count < 0 || at < 0 || at > buffer.Length - total) throw new ArgumentOutOfRangeException("count");
            if (wiped) return -1;
            SignAt(buffer, at, count);
            return total;
        }

        // The token at buffer[at, +128), the inner datagram already after it (count bytes), then the
        // bearer's Ed25519ph signature over both.
        private void SignAt(byte[] buffer, int at, int count)
        {
            Array.Copy(token, 0, buffer, at, Token.Size);
            int signed = Token.Size + count;
            sha.Reset();
            sha.Update(buffer, at, signed);
            sha.Finish(digest, 0);
            ed.SignPrehashed(seed, 0, bearer, 0, digest, 0, buffer, at + signed);
        }

        /// <summary>Seals into <see cref="Buffer"/> (grown if needed); returns the length.</summary>
        /// <exception cref="ObjectDisposedException">The sealer was <see cref="Wipe"/>d.</exception>
        public int Seal(byte[] inner, int offset, int count)
        {
            if (wiped) throw new ObjectDisposedException("TokenSealer"); // wiped: the channel's token was set again or cleared
            int total = count + TokenFilter.Overhead;
            if (buffer.Length < total)
            {
                int size = 256;
                while (size < total) size <<= 1;
                buffer = new byte[size];
            }
            return Seal(inner, offset, count, buffer, 0);
        }

        /// <summary>True once <see cref="Wipe"/>d: it signs nothing more.</summary>
        public bool Wiped { get { return wiped; } }

        /// <summary>Clears the copy of the bearer's seed; the sealer cannot sign afterwards.</summary>
        public void Wipe()
        {
            wiped = true;
            for (int i = 0; i < seed.Length; i++) seed[i] = 0;
        }
    }
}
