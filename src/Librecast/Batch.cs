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
            Infos = new DatagramInfo[capacity];
            for (int i = 0; i < capacity; i++) Infos[i] = new DatagramInfo();
        }

        /// <summary>The memory the datagrams live in.</summary>
        public readonly byte[] Slab;
        /// <summary>Where datagram i starts in <see cref="Slab"/>.</summary>
        public readonly int[] Offsets;
        /// <summary>Length of datagram i (for receives: the room on input, the datagram size on output).</summary>
        public readonly int[] Lengths;
        /// <summary>Send: the channel datagram i goes to.</summary>
        public readonly Channel[] Channels;
        /// <summary>
        /// Receive: where the transport writes datagram i's source, destination, interface, flags
        /// and GRO segment size. A receiver may point slot i at its own record before the call.
        /// </summary>
        public readonly DatagramInfo[] Infos;
        /// <summary>Receive: the kernel's running count of datagrams it dropped for this socket, or -1 if unknown.</summary>
        public int KernelDrops = -1;

        /// <summary>
        /// Send: the interface every datagram of the next <see cref="IBatchTransport.SendBatch"/>
        /// goes out on (an unbound socket's copy per interface, 0.9+ wire); 0: the socket's own choice.
        /// </summary>
        public int Interface;

        /// <summary>Number of datagrams in use.</summary>
        public int Count;

        /// <summary>Send: of the datagrams the last <see cref="IBatchTransport.SendBatch"/> sent, how many went as segments of one UDP GSO send.</summary>
        public int Segmented;

        /// <summary>Send: datagrams the last <see cref="IBatchTransport.SendBatch"/> sent one by one because the kernel refused to segment them.</summary>
        public int GsoFallbacks;

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

        /// <summary>
        /// Asks the kernel to coalesce received datagrams (UDP GRO); true if it agreed. A coalesced
        /// receive reports its segment size in <see cref="DatagramInfo.SegmentSize"/>.
        /// </summary>
        bool TryEnableGro();
    }
}
