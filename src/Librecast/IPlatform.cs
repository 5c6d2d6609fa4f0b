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

        /// <summary>
        /// Fills <paramref name="buffer"/>[offset, offset+count) with unpredictable bytes: a
        /// cryptographic generator (or hardware one) that does not restart from the same state at
        /// every boot. Never <c>System.Random</c> on .NET (seeded, predictable). The core uses it
        /// for the rnd (8 bytes) of each framed message sent without a publisher, to seed each
        /// publisher's rnd generator (8 bytes, once), and for the 8-byte prefix of an encrypting
        /// <see cref="Crypto.SecretBox"/>'s nonces (drawn once per box, then a counter; the prefix
        /// is also XORed with <see cref="NowNanoseconds"/>, so a generator that does restart from
        /// one seed still gets distinct nonces once the clock is set).
        /// </summary>
        /// <remarks>
        /// What backs it: .NET on Linux, the kernel's /dev/urandom; nanoFramework on ESP32,
        /// <c>System.Random</c>, whose native side ignores the seed and calls ESP-IDF's
        /// <c>esp_random()</c>, the chip's hardware RNG (nf-interpreter,
        /// targets/ESP32/_nanoCLR/targetRandom.cpp), which Espressif documents as truly random
        /// while Wi-Fi or Bluetooth is on (the node draws nonces only once Wi-Fi is up); in the
        /// Linux nanoCLR, std::random_device.
        /// </remarks>
        void FillRandom(byte[] buffer, int offset, int count);
    }
}
