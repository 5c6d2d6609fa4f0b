namespace Librecast
{
    /// <summary>Called by a listening <see cref="Socket"/> for each message; the message is reused after the call returns.</summary>
    public delegate void MessageHandler(Message message);

    /// <summary>Called by a listening <see cref="Socket"/> when receiving fails; listening goes on.</summary>
    public delegate void ErrorHandler(LibrecastException error);

    /// <summary>
    /// Called by a listening <see cref="Socket"/> after it has dispatched a run of messages (one
    /// receive batch), on the thread that dispatched them, with how many receive buffers it read
    /// (with UDP GRO one buffer holds up to 64 datagrams): a handler that queued
    /// sends on a publisher without a sender thread sends them here, as one batch.
    /// </summary>
    public delegate void BatchHandler(int count);
}
