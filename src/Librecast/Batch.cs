namespace Librecast
{
    /// <summary>
    /// Datagrams handed to a transport in one call: each is a slice of one buffer slab, with its
    /// destination channel. Preallocated and reused; <see cref="Count"/> says how many are set.
    /// </summary>
    public sealed class Batch
    {
        /// <summary>Creates a batch of up to <paramref name="capacity"/> datagrams in <paramref name="slab"/>.</summary>
        public Batch(byte[] slab, int capacity)
        {
            Slab = slab;
            Offsets = new int[capacity];
            Lengths = new int[capacity];
            Channels = new Channel[capacity];
            Sources = new byte[capacity * GroupAddress.Size];
            Destinations = new byte[capacity * GroupAddress.Size];
            SourcePorts = new int[capacity];
            Interfaces = new int[capacity];
            Flags = new int[capacity];
        }

        /// <summary>The memory the datagrams live in.</summary>
        public readonly byte[] Slab;
        /// <summary>Where datagram i starts in <see cref="Slab"/>.</summary>
        public readonly int[] Offsets;
        /// <summary>Length of datagram i (for receives: the room on input, the datagram size on output).</summary>
        public readonly int[] Lengths;
        /// <summary>Send: the channel datagram i goes to.</summary>
        public readonly Channel[] Channels;
        /// <summary>Receive: the 16-byte source address of datagram i at i × 16.</summary>
        public readonly byte[] Sources;
        /// <summary>Receive: the 16-byte destination (group) address of datagram i at i × 16; all zero if unknown.</summary>
        public readonly byte[] Destinations;
        /// <summary>Receive: the source port of datagram i.</summary>
        public readonly int[] SourcePorts;
        /// <summary>Receive: the index of the interface datagram i arrived on, or 0 if unknown.</summary>
        public readonly int[] Interfaces;
        /// <summary>Receive: <see cref="FlagTruncated"/>, <see cref="FlagDestination"/> for datagram i.</summary>
        public readonly int[] Flags;
        /// <summary>Receive: the kernel's running count of datagrams it dropped for this socket, or -1 if unknown.</summary>
        public int KernelDrops = -1;

        /// <summary>Number of datagrams in use.</summary>
        public int Count;

        /// <summary>The datagram did not fit its buffer and was cut.</summary>
        public const int FlagTruncated = 1;

        /// <summary>The destination address of the datagram is known (in <see cref="Destinations"/>).</summary>
        public const int FlagDestination = 2;

        /// <summary>Most datagrams the batch can hold.</summary>
        public int Capacity { get { return Offsets.Length; } }
    }

    /// <summary>
    /// Optional transport capability: many datagrams per system call (sendmmsg/recvmmsg on Linux).
    /// The core uses it when the transport has it and falls back to one call per datagram.
    /// </summary>
    public interface IBatchTransport
    {
        /// <summary>Memory for a buffer pool that batched calls can point into (pinned on .NET).</summary>
        byte[] AllocateSlab(int bytes);

        /// <summary>
        /// Sends datagrams <paramref name="start"/>.. of <paramref name="batch"/>; returns how many
        /// were sent (at least 1), or throws <see cref="LibrecastException"/> for the first that failed.
        /// </summary>
        int SendBatch(Batch batch, int start);

        /// <summary>
        /// Receives up to <see cref="Batch.Count"/> datagrams into the slices set in
        /// <paramref name="batch"/>, waiting up to <paramref name="timeoutMs"/> for the first;
        /// returns how many arrived (0 if the time ran out).
        /// </summary>
        int ReceiveBatch(Batch batch, int timeoutMs);

        /// <summary>
        /// The kernel's count of datagrams it dropped for this socket because the receive buffer
        /// was full, now; -1 if the platform cannot tell.
        /// </summary>
        int ReadKernelDrops();
    }
}
