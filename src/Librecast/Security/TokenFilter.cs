using System;
using Librecast.Crypto;

namespace Librecast.Security
{
    /// <summary>
    /// The receiving side of a restricted channel (librecast 0.11's <c>lc_channel_filter_set</c>):
    /// every datagram must be <c>token ‖ inner ‖ signature</c>, its token signed by a key on the
    /// <see cref="Keyring"/>, granting at least <see cref="Capabilities"/>, not expired, and the
    /// datagram signed (Ed25519ph) by the token's bearer. What passes is delivered without token
    /// and signature; every rejection is counted by its reason (<see cref="Count"/>).
    /// </summary>
    /// <remarks>
    /// <para>Beyond librecast, unless <see cref="Strict"/>: the token's version must be 0xff, its
    /// channel field must be this channel's (librecast accepts a token for any channel), and a
    /// datagram whose signature was accepted recently is a replay (librecast delivers it again).
    /// Ed25519 signatures are deterministic, so a replay is byte-identical: the filter remembers
    /// the signatures of at least the last <c>replayMemory</c> accepted datagrams. A replay older
    /// than that passes (the socket's <see cref="ReplayWindow"/> with a max age catches old framed
    /// ones); a raw datagram sent twice with the same bytes is indistinguishable from a replay and
    /// is dropped the second time.</para>
    /// <para>Set on a channel with <see cref="Channel.TokenFilter"/>. Thread-safe (one check at a
    /// time); allocation-free after construction.</para>
    /// </remarks>
    public sealed class TokenFilter
    {
        /// <summary>Bytes a restricted channel adds to every datagram: the token (128) and the signature (64).</summary>
        public const int Overhead = Token.Size + Ed25519.SignatureSize;

        /// <summary>Signatures remembered for replay detection by <see cref="TokenFilter(Keyring, byte)"/>.</summary>
        public const int DefaultReplayMemory = 512;

        private const int Verdicts = 12;

        private readonly Keyring keyring;
        private readonly Ed25519 ed = new Ed25519();
        private readonly Sha512 sha = new Sha512();
        private readonly byte[] digest = new byte[Sha512.HashSize];
        private readonly NonceFilter? seen;
        private readonly CounterCells counts = new CounterCells(Verdicts);
        private readonly object checkLock = new object();
        private readonly byte[] bearer = new byte[Ed25519.PublicKeySize];
        private bool bearerRequired;
        // The last token whose signature checked out, and the keyring snapshot it was checked on:
        // the same 128 bytes again (every datagram of one sender) skip the token's verification.
        private readonly byte[] goodToken = new byte[Token.Size];
        private byte[]? goodTokenRing;
        private TokenVerdict lastFailure;

        /// <summary>
        /// Bounds the time spent verifying (null, the default: no bound): a datagram naming a
        /// trusted signer while the limiter refuses is <see cref="TokenVerdict.RateLimited"/>,
        /// rejected before any verification. One limiter may be shared by several filters (one budget).
        /// </summary>
        public VerifyLimiter? Limiter;

        /// <summary>Token signatures verified so far (a token equal to the last good one is not verified again).</summary>
        public int TokenVerifications { get; private set; }

        /// <summary>Datagram (Ed25519ph) signatures verified so far.</summary>
        public int PacketVerifications { get; private set; }

        /// <summary>A filter trusting <paramref name="keyring"/>'s signers, requiring <paramref name="capabilities"/>, remembering <see cref="DefaultReplayMemory"/> signatures.</summary>
        public TokenFilter(Keyring keyring, byte capabilities) : this(keyring, capabilities, DefaultReplayMemory) { }

        /// <summary>
        /// A filter trusting <paramref name="keyring"/>'s signers and requiring every bit of
        /// <paramref name="capabilities"/> (0: any token); <paramref name="replayMemory"/>: how many
        /// accepted signatures it remembers at least (16..1048576; 32 bytes each), or 0 for none.
        /// </summary>
        public TokenFilter(Keyring keyring, byte capabilities, int replayMemory)
        {
            if (keyring == null) throw new ArgumentNullException("keyring");
            this.keyring = keyring;
            Capabilities = capabilities;
            if (replayMemory != 0) seen = new NonceFilter(replayMemory);
        }

        /// <summary>The signers trusted.</summary>
        public Keyring Keyring { get { return keyring; } }

        /// <summary>Capability bits a token must have, all of them (librecast's <c>filter.capbits</c>).</summary>
        public byte Capabilities;

        /// <summary>
        /// librecast 0.11's checks only (signer, token signature, packet signature, capabilities,
        /// expiry): no version, channel or replay check. Off by default.
        /// </summary>
        public bool Strict;

        /// <summary>
        /// Beyond librecast: accepts only tokens whose bearer is the 32-byte public key at
        /// <paramref name="key"/>[offset] (one node's channel: a token the signer issued to another
        /// key is <see cref="TokenVerdict.WrongBearer"/>, in <see cref="Strict"/> mode too). Copied.
        /// </summary>
        public void RequireBearer(byte[] key, int offset)
        {
            if (key == null) throw new ArgumentNullException("key");
            if (offset < 0 || offset > key.Length - Ed25519.PublicKeySize) throw new ArgumentOutOfRangeException("offset");
            lock (checkLock)
            {
                Array.Copy(key, offset, bearer, 0, Ed25519.PublicKeySize);
                bearerRequired = true;
            }
        }

        /// <summary>The last datagram's verdict (for a caller that reports each rejection).</summary>
        public TokenVerdict LastVerdict { get; private set; }

        /// <summary>Datagrams that got <paramref name="verdict"/> so far.</summary>
        public long Count(TokenVerdict verdict) { return counts.Get((int)verdict); }

        /// <summary>Datagrams rejected so far, for any reason.</summary>
        public long Rejected
        {
            get
            {
                long n = 0;
                for (int i = 1; i < Verdicts; i++) n += counts.Get(i);
                return n;
            }
        }

        /// <summary>
        /// Checks the datagram in <paramref name="buffer"/>[offset, +length) received on the channel
        /// whose hash starts at <paramref name="channelHash"/>[hashOffset], at
        /// <paramref name="nowSeconds"/> (Unix time), and counts the verdict. Accepted: the inner
        /// datagram is [offset + 128, length - 192).
        /// </summary>
        public TokenVerdict Check(byte[] buffer, int offset, int length, byte[] channelHash, int hashOffset, ulong nowSeconds)
        {
            TokenVerdict v;
            lock (checkLock)
            {
                v = Decide(buffer, offset, length, channelHash, hashOffset, nowSeconds);
                LastVerdict = v;
            }
            counts.Increment((int)v);
            return v;
        }

        private TokenVerdict Decide(byte[] buffer, int offset, int length, byte[] channelHash, int hashOffset, ulong now)
        {
            if (length < Overhead) return TokenVerdict.TooShort;
            // librecast's order: signer, token signature, packet signature, capabilities, expiry.
            byte[] ring = keyring.Snapshot;
            int at = Keyring.NextSigner(ring, 0, buffer, offset);
            if (at < 0) return TokenVerdict.UnknownSigner;
            // Every datagram naming a trusted signer costs at least one verification from here on.
            VerifyLimiter? limit = Limiter;
            if (limit != null && !limit.TryBegin()) return TokenVerdict.RateLimited;
            try
            {
                if (!Verified(buffer, offset, length, ring, at)) return lastFailure;
            }
            finally
            {
                if (limit != null) limit.End();
            }
            int signed = length - Ed25519.SignatureSize;
            if ((Token.Capabilities(buffer, offset) & Capabilities) != Capabilities) return TokenVerdict.MissingCapability;
            ulong expires = Token.Expires(buffer, offset);
            if (expires != 0 && now > expires) return TokenVerdict.Expired;
            if (!Strict)
            {
                if (buffer[offset + Token.VersionOffset] != Token.CurrentVersion) return TokenVerdict.WrongVersion;
                if (!Token.IsFor(buffer, offset, channelHash, hashOffset)) return TokenVerdict.WrongChannel;
            }
            if (bearerRequired && !Token.IsBearer(buffer, offset, bearer, 0)) return TokenVerdict.WrongBearer;
            if (Strict) return TokenVerdict.Accepted;
            if (seen != null && !seen.Add(SignatureKey(buffer, offset + signed))) return TokenVerdict.Replayed;
            return TokenVerdict.Accepted;
        }

        // The token's signature (unless it is the last good token, byte for byte, on the same
        // keyring) and the datagram's; false with lastFailure set if either fails.
        private bool Verified(byte[] buffer, int offset, int length, byte[] ring, int at)
        {
            if (!(goodTokenRing == ring && SameToken(buffer, offset)))
            {
                TokenVerifications++;
                while (!Token.SignatureValid(ed, buffer, offset, ring, at))
                {
                    // Another key with the same 8-byte id may have signed it (librecast tries the first only).
                    at = Keyring.NextSigner(ring, at + Ed25519.PublicKeySize, buffer, offset);
                    if (at < 0)
                    {
                        lastFailure = TokenVerdict.BadTokenSignature;
                        return false;
                    }
                    TokenVerifications++;
                }
                Array.Copy(buffer, offset, goodToken, 0, Token.Size);
                goodTokenRing = ring;
            }
            int signed = length - Ed25519.SignatureSize;
            PacketVerifications++;
            sha.Reset();
            sha.Update(buffer, offset, signed);
            sha.Finish(digest, 0);
            if (!ed.VerifyPrehashed(buffer, offset + Token.BearerOffset, digest, 0, buffer, offset + signed))
            {
                lastFailure = TokenVerdict.BadSignature;
                return false;
            }
            return true;
        }

        private bool SameToken(byte[] buffer, int offset)
        {
            for (int i = 0; i < Token.Size; i++)
                if (goodToken[i] != buffer[offset + i]) return false;
            return true;
        }

        // R, the signature's first half, is derived from the signer's secret and the whole message:
        // 64 bits of it name the datagram.
        private static ulong SignatureKey(byte[] b, int at)
        {
            ulong k = 0;
            for (int i = 0; i < 8; i++) k = (k << 8) | b[at + i];
            return k;
        }

        // The classifier's hook (one call, before a channel key opens the datagram): false if the
        // datagram must not be delivered. On a restricted channel the token and signature are
        // checked and taken off (message.Offset and length move to the inner datagram); a datagram
        // not attributed to a channel, on a socket with a restricted channel, cannot be checked.
        internal static bool Admit(Message message, ref int length, Channel? channel, Channel[] channels, IPlatform platform)
        {
            if (channel == null)
            {
                for (int i = 0; i < channels.Length; i++)
                    if (channels[i].TokenFilter != null) return false;
                return true;
            }
            TokenFilter? filter = channel.TokenFilter;
            if (filter == null) return true;
            ulong now = platform.NowNanoseconds() / 1000000000UL;
            if (filter.Check(message.Buffer, message.Offset, length, channel.HashBytes, 0, now) != TokenVerdict.Accepted) return false;
            message.Offset += Token.Size;
            length -= Overhead;
            message.Length = length;
            return true;
        }

        /// <summary>The verdict's name in snake_case (<c>unknown_signer</c>), for logs and metrics.</summary>
        public static string NameOf(TokenVerdict verdict)
        {
            switch (verdict)
            {
                case TokenVerdict.Accepted: return "accepted";
                case TokenVerdict.TooShort: return "too_short";
                case TokenVerdict.UnknownSigner: return "unknown_signer";
                case TokenVerdict.BadTokenSignature: return "bad_token_signature";
                case TokenVerdict.BadSignature: return "bad_signature";
                case TokenVerdict.MissingCapability: return "missing_capability";
                case TokenVerdict.Expired: return "expired";
                case TokenVerdict.WrongVersion: return "wrong_version";
                case TokenVerdict.WrongChannel: return "wrong_channel";
                case TokenVerdict.WrongBearer: return "wrong_bearer";
                case TokenVerdict.RateLimited: return "rate_limited";
                default: return "replayed";
            }
        }

        /// <summary>One line: <c>accepted=.. too_short=.. unknown_signer=.. ...</c>, every verdict in order (<c>rate_limited</c> last, with a <see cref="Limiter"/> only).</summary>
        public override string ToString()
        {
            string line = "";
            // rate_limited only with a limiter: lc's and lcgw's lines stay librecast's reasons and ours.
            int shown = Limiter != null ? Verdicts : Verdicts - 1;
            for (int i = 0; i < shown; i++)
                line += (i == 0 ? "" : " ") + NameOf((TokenVerdict)i) + "=" + counts.Get(i);
            return line;
        }
    }
}
