namespace Librecast
{
    /// <summary>The decoded fields of a librecast message header (reusable: decode fills it in place).</summary>
    public sealed class FrameHeader
    {
        /// <summary>Sender's clock when sent, nanoseconds since the Unix epoch.</summary>
        public ulong Timestamp;
        /// <summary>Per-channel sequence number; the first message on a channel is 1.</summary>
        public ulong Sequence;
        /// <summary>The sender's random nonce.</summary>
        public ulong Random;
        /// <summary>The message opcode.</summary>
        public Opcode Op;
        /// <summary>Where the payload starts in the decoded buffer.</summary>
        public int PayloadOffset;
        /// <summary>Payload length in bytes.</summary>
        public int PayloadLength;
    }
}
