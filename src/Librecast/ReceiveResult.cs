namespace Librecast
{
    /// <summary>What one receive on a <see cref="Socket"/> produced.</summary>
    public enum ReceiveResult
    {
        /// <summary>A message (or raw datagram) for a bound channel.</summary>
        Ok = 0,
        /// <summary>Nothing arrived within the time allowed.</summary>
        Timeout = 1,
        /// <summary>A datagram arrived that is not a well-formed frame (see <see cref="Message.Status"/>); counted.</summary>
        Malformed = 2,
        /// <summary>A datagram larger than the receive buffer arrived and was cut; counted.</summary>
        Truncated = 3,
        /// <summary>A datagram for a group no channel on this socket is bound to; counted, not delivered.</summary>
        Filtered = 4,
    }
}
