namespace Librecast.Security
{
    /// <summary>
    /// Replay protection as lc listen --replay and lcgw's option replay set it up, defined once:
    /// a <see cref="ReplayWindow"/> for <see cref="Senders"/> senders with the default window and
    /// a freshness bound, and, on encrypted channels, a <see cref="NonceFilter"/> of
    /// <see cref="Nonces"/> nonces that also catches replays from a spoofed source.
    /// </summary>
    public static class ReplayDefaults
    {
        /// <summary>Senders the window tracks at once.</summary>
        public const int Senders = 1024;

        /// <summary>Nonces the filter remembers at least (encrypted channels).</summary>
        public const int Nonces = 4096;

        /// <summary>
        /// Gives <paramref name="socket"/> a replay window refusing messages older, or further in
        /// the future, than <paramref name="maxAgeNanoseconds"/> (0: no bound) and, if
        /// <paramref name="encrypted"/> (rnd is then authenticated), a nonce filter.
        /// </summary>
        public static void Apply(Socket socket, ulong maxAgeNanoseconds, bool encrypted)
        {
            socket.ReplayWindow = new ReplayWindow(Senders, ReplayWindow.DefaultWindowSize, maxAgeNanoseconds, maxAgeNanoseconds);
            if (encrypted) socket.NonceFilter = new NonceFilter(Nonces);
        }
    }
}
