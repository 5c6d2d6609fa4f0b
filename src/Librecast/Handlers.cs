namespace Librecast
{
    /// <summary>Called by a listening <see cref="Socket"/> for each message; the message is reused after the call returns.</summary>
    public delegate void MessageHandler(Message message);

    /// <summary>Called by a listening <see cref="Socket"/> when receiving fails; listening goes on.</summary>
    public delegate void ErrorHandler(LibrecastException error);
}
