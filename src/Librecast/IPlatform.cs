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

        /// <summary>
        /// Wall-clock time in nanoseconds since the Unix epoch (librecast's timestamp). It may jump
        /// (SNTP setting the clock after boot, an administrator): never schedule or time out on it.
        /// </summary>
        ulong NowNanoseconds();

        /// <summary>
        /// Milliseconds since an arbitrary start (boot, or process start) on a clock that never
        /// goes backwards and does not jump when the wall clock is set: for schedules, timeouts and
        /// ages, never for timestamps on the wire.
        /// </summary>
        long MonotonicMilliseconds();

        /// <summary>Fills <paramref name="buffer"/>[offset, offset+count) with unpredictable bytes.</summary>
        void FillRandom(byte[] buffer, int offset, int count);
    }
}
