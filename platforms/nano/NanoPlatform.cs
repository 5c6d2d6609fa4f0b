using System;
using Librecast;
using nanoFramework.Hardware.Esp32;

namespace Librecast.Nano
{
    /// <summary>
    /// The librecast core's platform on nanoFramework: sockets from <see cref="NanoTransport"/>,
    /// the clock from DateTime.UtcNow (set by SNTP once Wi-Fi is up), randomness from System.Random.
    /// </summary>
    /// <remarks>
    /// <c>System.Random</c> is not a pseudo-random generator on nanoFramework: on ESP32 its native
    /// side ignores any seed and returns <c>esp_random()</c>, the chip's hardware RNG, one call per
    /// byte for <c>NextBytes</c> (nf-interpreter targets/ESP32/_nanoCLR/targetRandom.cpp;
    /// src/CLR/CorLib/corlib_native_System_Random.cpp); nanoFramework offers no other
    /// cryptographic RNG (no RandomNumberGenerator). Espressif: esp_random() is truly random while
    /// the RF subsystem (Wi-Fi/Bluetooth) runs, otherwise only when the bootloader's entropy source
    /// is on, so the node draws its nonces once Wi-Fi is up. The Linux nanoCLR backs it with
    /// std::random_device (targets/posix/nanoCLR/targetRandom.cpp). Nonces are built so that this
    /// does not have to be perfect: see <see cref="Librecast.Crypto.SecretBox.Seal"/>.
    /// </remarks>
    public sealed class NanoPlatform : IPlatform
    {
        private const long UnixEpochTicks = 621355968000000000L;
        private readonly bool ipv6;
        private readonly int interfaceIndex;
        private readonly Random random = new Random();
        private readonly byte[] scratch = new byte[16];
        private readonly object clockLock = new object();
        private bool highResTimer = true;
        private long lastMs;
        private long wallOffsetMs;

        /// <summary>A platform whose sockets speak IPv6 (<paramref name="ipv6"/>) or IPv4, joining on <paramref name="interfaceIndex"/>.</summary>
        public NanoPlatform(bool ipv6, int interfaceIndex)
        {
            this.ipv6 = ipv6;
            this.interfaceIndex = interfaceIndex;
        }

        /// <inheritdoc/>
        public ITransport OpenTransport()
        {
            return new NanoTransport(ipv6, interfaceIndex);
        }

        /// <inheritdoc/>
        public ulong NowNanoseconds()
        {
            long ticks = DateTime.UtcNow.Ticks - UnixEpochTicks;
            return ticks < 0 ? 0UL : (ulong)ticks * 100UL;
        }

        /// <inheritdoc/>
        /// <remarks>
        /// The ESP32's esp_timer (microseconds since boot, 64-bit), which SNTP does not move. Where
        /// nanoFramework.Hardware.Esp32 has no native side (the Linux nanoCLR, other targets) its
        /// HighResTimer throws NotSupportedException; then, and only then, the wall clock stands in,
        /// held so that it never goes back (a forward jump still passes through).
        /// </remarks>
        public long MonotonicMilliseconds()
        {
            if (highResTimer)
            {
                try
                {
                    return (long)(HighResTimer.GetCurrent() / 1000UL);
                }
                catch (NotSupportedException)
                {
                    highResTimer = false;
                }
            }
            lock (clockLock)
            {
                long now = DateTime.UtcNow.Ticks / TimeSpan.TicksPerMillisecond + wallOffsetMs;
                if (now < lastMs)
                {
                    wallOffsetMs += lastMs - now;
                    now = lastMs;
                }
                lastMs = now;
                return now;
            }
        }

        /// <inheritdoc/>
        public void FillRandom(byte[] buffer, int offset, int count)
        {
            // The core asks for 8 bytes per framed message: one preallocated scratch, no garbage.
            while (count > 0)
            {
                random.NextBytes(scratch);
                int n = count < scratch.Length ? count : scratch.Length;
                Array.Copy(scratch, 0, buffer, offset, n);
                offset += n;
                count -= n;
            }
        }
    }
}
