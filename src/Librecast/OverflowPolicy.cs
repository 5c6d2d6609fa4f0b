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
        /// Wait until the sender frees a buffer: the producer yields its thread between tries
        /// (<c>Thread.Sleep(0)</c>); with no sender thread it sends queued messages itself
        /// (<see cref="Publisher.DoWork"/>). Nothing is dropped. The publisher's idle strategy
        /// (<see cref="PublisherOptions.Idle"/>) is the sender's alone.
        /// </summary>
        Block = 2,
    }
}
