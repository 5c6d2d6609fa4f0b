namespace Librecast.Security
{
    /// <summary>
    /// What a <see cref="TokenFilter"/> decided about one datagram of a restricted channel. The
    /// first five rejections are librecast 0.11's own checks, in its order (its errno in brackets);
    /// the rest are ours, off in <see cref="TokenFilter.Strict"/> mode.
    /// </summary>
    public enum TokenVerdict
    {
        /// <summary>Token and signature check out: the inner datagram is delivered.</summary>
        Accepted = 0,
        /// <summary>Shorter than a token and a signature (192 bytes).</summary>
        TooShort = 1,
        /// <summary>No key on the keyring has the token's signer id (EKEYREJECTED).</summary>
        UnknownSigner = 2,
        /// <summary>The token's signature is not its signer's (EPROTO).</summary>
        BadTokenSignature = 3,
        /// <summary>The datagram's Ed25519ph signature is not the token's bearer's (EBADMSG).</summary>
        BadSignature = 4,
        /// <summary>The token lacks a capability bit the filter requires (EACCES).</summary>
        MissingCapability = 5,
        /// <summary>The token's expiry has passed (EKEYEXPIRED).</summary>
        Expired = 6,
        /// <summary>Beyond librecast: the token's version byte is not 0xff.</summary>
        WrongVersion = 7,
        /// <summary>Beyond librecast: the token was issued for another channel.</summary>
        WrongChannel = 8,
        /// <summary>Beyond librecast: this very datagram (same signature) was accepted recently.</summary>
        Replayed = 9,
        /// <summary>Beyond librecast: the token's bearer is not the one the channel expects (<see cref="TokenFilter.RequireBearer"/>).</summary>
        WrongBearer = 10,
        /// <summary>Beyond librecast: dropped unverified because the filter's <see cref="TokenFilter.Limiter"/> spent its verification budget (a flood naming a trusted signer).</summary>
        RateLimited = 11,
    }
}
