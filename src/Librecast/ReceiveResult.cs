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

        /// <summary>On an encrypted channel: the datagram did not open with the key (forged, tampered, wrong key, sent in clear), or could not be attributed to a channel; counted, not delivered.</summary>
        Unauthenticated = 5,

        /// <summary>The socket's <see cref="Socket.ReplayWindow"/> rejected the frame: a duplicate, a replay, or stale (<see cref="Message.Replay"/> says which); counted, not delivered.</summary>
        Replayed = 6,

        /// <summary>The same frame already arrived on another interface: a copy from an unbound librecast 0.9+ sender (<see cref="Socket.CopyFilter"/>); counted (duplicates), not delivered.</summary>
        Duplicate = 7,

        /// <summary>On a restricted channel (<see cref="Channel.TokenFilter"/>): the token or signature did not pass (the filter's <see cref="Security.TokenFilter.LastVerdict"/> says why), or the datagram could not be attributed to a channel; counted (unauthenticated), not delivered.</summary>
        Unauthorized = 8,
    }
}
