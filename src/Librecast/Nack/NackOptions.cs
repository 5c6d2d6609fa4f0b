using System;

namespace Librecast
{
    /// <summary>
    /// How a sender keeps and answers its NACK log (<see cref="Channel.HandleNacks(NackOptions)"/>):
    /// how long and how much it remembers, and how fast it may resend. All sizes are fixed when
    /// the responder starts.
    /// </summary>
    public sealed class NackOptions
    {
        /// <summary>Seconds a sent message stays answerable (librecast's n_seconds). Default 10.</summary>
        public int Seconds = 10;

        /// <summary>Bytes of datagrams the log may hold (rounded down to a power of two of slots). Default 1 MiB.</summary>
        public int LogBytes = 1 << 20;

        /// <summary>The largest datagram logged, in bytes (header, payload and, encrypted, 40 more); larger ones are sent but not logged (counted). Default 1280.</summary>
        public int SlotSize = 1280;

        /// <summary>Resends per second at most, whatever the NACKs ask (the amplification bound). Default 200.</summary>
        public int ResendsPerSecond = 200;

        /// <summary>Resends allowed at once above the rate (token bucket depth). Default 32.</summary>
        public int Burst = 32;

        /// <summary>A message resent less than this many milliseconds ago is not resent again (its resend is on its way to everyone). Default 100.</summary>
        public int HoldoffMilliseconds = 100;

        /// <summary>Checks the values; throws what is wrong.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
        public void Validate()
        {
            // Short messages: the core's strings share nanoFramework's 64 KiB string table.
            if (Seconds < 1 || Seconds > 86400) throw Range("Seconds", "1..86400", Seconds);
            if (SlotSize < Frame.HeaderSize || SlotSize > 65536) throw Range("SlotSize", "33..65536", SlotSize);
            if (LogBytes < SlotSize || LogBytes > 1 << 30) throw Range("LogBytes", "SlotSize..2^30", LogBytes);
            if (ResendsPerSecond < 1 || ResendsPerSecond > 1000000) throw Range("ResendsPerSecond", "1..10^6", ResendsPerSecond);
            if (Burst < 1 || Burst > 1000000) throw Range("Burst", "1..10^6", Burst);
            if (HoldoffMilliseconds < 0 || HoldoffMilliseconds > 60000) throw Range("HoldoffMilliseconds", "0..60000", HoldoffMilliseconds);
        }

        internal static ArgumentOutOfRangeException Range(string name, string range, long got)
        {
            return new ArgumentOutOfRangeException(name, "NACK " + name + ": " + range + ", not " + got);
        }
    }
}
