namespace Librecast
{
    /// <summary>Outcome of decoding a datagram as a librecast message frame.</summary>
    public enum FrameStatus
    {
        /// <summary>A well-formed frame: header and payload are consistent.</summary>
        Ok = 0,
        /// <summary>Shorter than the 33-byte header.</summary>
        TooShort = 1,
        /// <summary>The header's length field disagrees with the datagram's size.</summary>
        LengthMismatch = 2,
    }
}
