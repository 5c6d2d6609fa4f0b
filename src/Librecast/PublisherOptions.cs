namespace Librecast
{
    /// <summary>Sizes and policy of a socket's publish ring, fixed at start.</summary>
    public sealed class PublisherOptions
    {
        /// <summary>Buffers in the pool, which is also the ring's capacity (a power of two). Default 1024.</summary>
        public int Capacity = 1024;

        /// <summary>Bytes per buffer, a power of two; the largest datagram is this size. Default 2048.</summary>
        public int BufferSize = 2048;

        /// <summary>What publishing does when every buffer is queued. Default <see cref="OverflowPolicy.DropWrite"/>.</summary>
        public OverflowPolicy Policy = OverflowPolicy.DropWrite;

        /// <summary>Most datagrams the sender hands the transport per call. Default 64.</summary>
        public int BatchSize = 64;

        /// <summary>How the sender thread waits for work. Default: back-off. (Producers under Block yield instead: see <see cref="OverflowPolicy.Block"/>.)</summary>
        public IIdleStrategy? Idle;

        /// <summary>Start a sender thread (true) or let the application call <see cref="Publisher.DoWork"/> (false).</summary>
        public bool StartThread = true;
    }
}
