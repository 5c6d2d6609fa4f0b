namespace Librecast
{
    /// <summary>
    /// Everything the core needs from the machine it runs on: sockets, a clock and randomness.
    /// One implementation per platform (System.Net on Linux, nanoFramework sockets on the ESP32);
    /// the core itself never touches a socket.
    /// </summary>
    public interface IPlatform
    {
        /// <summary>Creates a new, unbound UDP transport (one OS socket).</summary>
        ITransport OpenTransport();

        /// <summary>Wall-clock time in nanoseconds since the Unix epoch (librecast's timestamp).</summary>
        ulong NowNanoseconds();

        /// <summary>Fills <paramref name="buffer"/>[offset, offset+count) with unpredictable bytes.</summary>
        void FillRandom(byte[] buffer, int offset, int count);
    }
}
