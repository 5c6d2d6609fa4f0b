namespace Librecast
{
    /// <summary>What publishing does when the publish ring is full. Every drop is counted.</summary>
    public enum OverflowPolicy
    {
        /// <summary>
        /// Refuse the message being written (as System.Threading.Channels' <c>DropWrite</c>): Publish
        /// returns false and <see cref="Counters.Dropped"/> counts it; what is queued stays queued.
        /// (Called DropNewest before: the new message is the one refused.)
        /// </summary>
        DropWrite = 0,
        /// <summary>Discard the oldest queued message to make room; the new one is queued and the drop counted.</summary>
        DropOldest = 1,
        /// <summary>
        /// Wait until the sender frees a buffer: between tries the producer waits with
        /// <see cref="PublisherOptions.BlockIdle"/> (default <see cref="YieldingIdleStrategy"/>,
        /// <c>Thread.Sleep(0)</c>); when nobody else can send (no sender thread running and no
        /// <see cref="Publisher.DoWork"/> in progress) it sends queued messages itself instead.
        /// Nothing is dropped. The sender thread's own strategy, <see cref="PublisherOptions.Idle"/>,
        /// is not used here.
        /// </summary>
        Block = 2,
    }
}
