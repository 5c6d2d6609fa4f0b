namespace Librecast
{
    /// <summary>Sizes and policy of a socket's publish ring, fixed at start.</summary>
    public sealed class PublisherOptions
    {
        /// <summary>Most messages queued at once (a power of two); the ring's slab is Capacity x BufferSize bytes. Default 1024.</summary>
        public int Capacity = 1024;

        /// <summary>Largest datagram, a power of two (datagrams are packed back to back in the slab, each taking only its own length). Default 2048.</summary>
        public int BufferSize = 2048;

        /// <summary>What publishing does when every buffer is queued. Default <see cref="OverflowPolicy.DropWrite"/>.</summary>
        public OverflowPolicy Policy = OverflowPolicy.DropWrite;

        /// <summary>Most datagrams the sender hands the transport per call. Default 64.</summary>
        public int BatchSize = 64;

        /// <summary>How the sender thread waits for work. Default: <see cref="BackoffIdleStrategy"/>(100, 10). Not shared with producers: see <see cref="BlockIdle"/>.</summary>
        public IIdleStrategy? Idle;

        /// <summary>
        /// How a producer waits for a free buffer under <see cref="OverflowPolicy.Block"/>, between
        /// tries. Default: <see cref="YieldingIdleStrategy"/>. Every blocked producer calls the same
        /// instance, so it should keep no count: a back-off shared by several producers counts all
        /// of their tries together and soon sleeps 1 ms per try for each of them (measured, the
        /// sender's back-off used here: 4 producers x 5,000 messages through 64 buffers took over
        /// 2 minutes on 2 loaded cores; yielding, the same test passes in well under a second).
        /// </summary>
        public IIdleStrategy? BlockIdle;

        /// <summary>
        /// One thread publishes on this socket (true, the default: a claim costs no atomic
        /// operation), or any number do (false: claims are serialised by a spin lock). With one
        /// writer, every publish on the socket's channels (Publish, PublishRaw, SendMessage,
        /// <see cref="Publisher.TryClaim(Channel, Opcode, bool, int, out int, out int)"/>) must come from one thread at a time.
        /// </summary>
        public bool SingleWriter = true;

        /// <summary>Start a sender thread (true) or let the application call <see cref="Publisher.DoWork"/> (false).</summary>
        public bool StartThread = true;
    }
}
