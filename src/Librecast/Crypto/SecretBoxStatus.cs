namespace Librecast.Crypto
{

    /// <summary>Outcome of <see cref="SecretBox.Open"/> on a datagram from the network.</summary>
    public enum SecretBoxStatus
    {
        /// <summary>The datagram was authentic; the plaintext was written.</summary>
        Ok = 0,
        /// <summary>40 bytes or less: no room for MAC, nonce and at least one byte (librecast drops these too).</summary>
        TooShort = 1,
        /// <summary>The MAC did not verify: wrong key, or the datagram was altered or forged. Nothing was written.</summary>
        Forged = 2,
        /// <summary>The plaintext would not fit in the destination. Nothing was written.</summary>
        DestinationTooSmall = 3,
    }
}
