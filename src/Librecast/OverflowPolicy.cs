namespace Librecast
{
    /// <summary>What publishing does when the publish ring is full. Every drop is counted.</summary>
    public enum OverflowPolicy
    {
        /// <summary>Refuse the new message: Publish returns false and <see cref="Counters.Dropped"/> counts it.</summary>
        DropNewest = 0,
        /// <summary>Discard the oldest queued message to make room; the new one is queued and the drop counted.</summary>
        DropOldest = 1,
        /// <summary>Wait (using the publisher's idle strategy) until the sender frees a slot. Nothing is dropped.</summary>
        Block = 2,
    }
}
