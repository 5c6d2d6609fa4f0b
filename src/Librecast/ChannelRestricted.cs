using System;
using Librecast.Security;

namespace Librecast
{
    // Restricted channels (librecast 0.11, signed tokens): the channel's side. The socket seals
    // every datagram of a channel with a token (Socket.SendDatagram, or the publisher in its send
    // ring: Publisher.Stamp) and the classifier checks
    // and strips it on receive (TokenFilter.Admit): one call on each side.
    public sealed partial class Channel
    {
        private TokenSealer? tokenSealer;

        /// <summary>
        /// Speaks on this channel as a restricted channel's bearer (librecast 0.11's
        /// <c>lc_channel_token_set</c> + <c>lc_channel_setkey(LC_CODE_SIGN)</c>): every datagram sent
        /// (raw, framed, sealed with the channel key, FEC symbols) becomes <c>token ‖ datagram ‖
        /// Ed25519ph signature</c>, 192 bytes more. The token and seed are copied.
        /// </summary>
        /// <remarks>Through a socket's publisher too: it signs each datagram in its send ring, where
        /// it lies, as it sends it (a message queued before a new SetToken or ClearToken is dropped
        /// and counted, never sent unsigned nor signed with the cleared key).</remarks>
        /// <exception cref="ArgumentException">The token is not for this seed's public key.</exception>
        public void SetToken(byte[] token, int tokenOffset, byte[] bearerSeed, int seedOffset)
        {
            TokenSealer sealer = new TokenSealer(token, tokenOffset, bearerSeed, seedOffset);
            TokenSealer? old = tokenSealer;
            tokenSealer = sealer;
            if (old != null) lock (old) old.Wipe();
        }

        /// <summary>Stops sealing: datagrams go out without a token again.</summary>
        public void ClearToken()
        {
            TokenSealer? old = tokenSealer;
            tokenSealer = null;
            if (old != null) lock (old) old.Wipe();
        }

        /// <summary>True while datagrams sent go out with a token (<see cref="SetToken"/>).</summary>
        public bool HasToken { get { return tokenSealer != null; } }

        internal TokenSealer? TokenSealer { get { return tokenSealer; } }

        /// <summary>
        /// The restricted-channel filter every datagram received on this channel must pass
        /// (librecast 0.11's <c>lc_channel_filter_set</c>); null (the default): none. Rejected
        /// datagrams are <see cref="ReceiveResult.Unauthorized"/>, counted in
        /// <see cref="Counters.Unauthenticated"/> and by reason in the filter. Set it before listening.
        /// </summary>
        public TokenFilter? TokenFilter;

        /// <summary>Copies the channel's 32-byte hash (the token's channel field is its first 14 bytes).</summary>
        public void CopyHashTo(byte[] destination, int offset)
        {
            Array.Copy(hash, 0, destination, offset, hash.Length);
        }
    }
}
