namespace Librecast
{
    /// <summary>Where a received datagram came from and went to (preallocated, filled per receive).</summary>
    public sealed class DatagramInfo
    {
        /// <summary>Sender's IPv6 address.</summary>
        public readonly byte[] Source = new byte[GroupAddress.Size];

        /// <summary>Sender's UDP port.</summary>
        public int SourcePort;

        /// <summary>The destination (group) address, if the transport can tell; else all zero.</summary>
        public readonly byte[] Destination = new byte[GroupAddress.Size];

        /// <summary>True when <see cref="Destination"/> was filled in.</summary>
        public bool HasDestination;

        /// <summary>Index of the interface the datagram arrived on (0 if unknown).</summary>
        public int InterfaceIndex;

        /// <summary>True if the datagram was larger than the buffer and was cut.</summary>
        public bool Truncated;

        /// <summary>
        /// Set by a batching transport when the kernel coalesced several datagrams of one flow into
        /// this buffer (UDP GRO): the size of each, the last possibly shorter; 0 for one datagram.
        /// </summary>
        public int SegmentSize;
    }
}
