namespace Librecast
{
    /// <summary>Sizes and threads of a socket's listener (<see cref="Socket.Listen(MessageHandler, MessageHandler, ErrorHandler, ListenOptions)"/>), fixed at start.</summary>
    public sealed class ListenOptions
    {
        /// <summary>Largest datagram to receive, in bytes (33..65536). Default 65536.</summary>
        public int MessageCapacity = 65536;

        /// <summary>Most datagrams taken from the kernel per call (recvmmsg). Default 64.</summary>
        public int BatchSize = 64;

        /// <summary>
        /// Memory for the receive buffers, in bytes: the pool holds a power of two of buffers
        /// (at most 1024, at least 256 of them) within this, each a power of two at least
        /// <see cref="MessageCapacity"/> (64 KiB with <see cref="Gro"/>). Default 16 MiB.
        /// </summary>
        public int PoolBytes = 16 << 20;

        /// <summary>
        /// True: the reader thread classifies and dispatches what it received itself, with no
        /// second thread and no hand-over (the default; on 2 cores it is faster, see
        /// docs/performance.md). False: a reader thread queues datagrams on a lock-free ring and a
        /// dispatcher thread calls the handler, so a slow handler does not stop the reading.
        /// </summary>
        public bool SingleThread = true;

        /// <summary>
        /// Ask the kernel to coalesce consecutive datagrams of one flow (UDP_GRO, Linux): fewer,
        /// larger receives, each split back into its datagrams in place. Needs 64 KiB buffers.
        /// Ignored where the transport cannot. Default true.
        /// </summary>
        public bool Gro = true;

        /// <summary>
        /// True (the default): every datagram must be a librecast frame (like <c>lc_socket_listen</c>;
        /// <see cref="Socket.ReceiveMessage"/>). False: raw datagrams, as <see cref="Socket.Receive"/>
        /// takes them (FEC symbols, file announcements): still matched to a bound channel and opened
        /// on an encrypted one, but not decoded as frames; the handler reads the payload at
        /// <c>message.PayloadOffset</c>.
        /// </summary>
        public bool Framed = true;

        /// <summary>How the dispatcher thread waits for work (two-thread mode only). Default: back-off.</summary>
        public IIdleStrategy? Idle;

        /// <summary>
        /// Optional: called after each run of dispatched messages, on the dispatching thread, with
        /// how many receive buffers it came from (lcgw's bridge sends what it queued for a receive batch here).
        /// </summary>
        public BatchHandler? AfterBatch;
    }
}
