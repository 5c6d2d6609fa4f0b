using Librecast;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's idea of the time: the platform's wall clock once something set it (nanoFramework's
    /// SNTP on the device, the host's clock in the twin), otherwise the time taken from the site's
    /// own sources (lcgw's time beacon, a configured SNTP server), kept as an offset to the
    /// monotonic clock. Until one of them answers the node has no time: it publishes all the same,
    /// without a SenML base time, never a 1970 one.
    /// </summary>
    /// <remarks>
    /// <para>It is the platform the node's <see cref="Context"/> runs on: frames are stamped, and
    /// encrypting boxes draw their nonce prefix, from <see cref="NowNanoseconds"/>. Before any time
    /// is known that is the platform's own unset clock (1970 plus the time since power-on):</para>
    /// <para><b>Nonces</b> stay unique without it: the prefix is 8 bytes of the platform's random
    /// source (the ESP32's hardware RNG, drawn once Wi-Fi is up, so truly random) XORed with that
    /// clock, and a per-box counter follows; the clock only guards against a random source that
    /// restarts from one seed, which the ESP32's does not.</para>
    /// <para><b>Receivers' freshness bound</b> (lcgw <c>max_age</c>, <c>lc listen --max-age</c>)
    /// keeps working: a frame stamped 1970-plus-uptime is outside any bound and counted as stale,
    /// touching no sender state, so it can neither be replayed later nor push a window; from the
    /// first beacon on the stamps are the site's time and pass. A receiver without a bound takes the
    /// readings at once (SenML lets it time them: no <c>bt</c>). A receiver's replay window takes a
    /// rebooted node's first timed frame as a restart (newer than anything it had).</para>
    /// <para><b>Beacons</b> only move forward: one not newer than the last one taken is stale and
    /// ignored (counted), so an old beacon replayed by a neighbour is superseded by the gateway's
    /// next one and can never win against it. On a keyed site only sealed beacons open at all.</para>
    /// </remarks>
    public sealed class NodeClock : IPlatform
    {
        /// <summary>Earliest time taken as real (2020-01-01T00:00:00Z, Unix milliseconds): a clock before it was never set.</summary>
        public const long MinValidUnixMs = 1577836800000L;

        private readonly IPlatform inner;
        private bool hasOffset;
        private long offsetMs;           // site time (Unix ms) = monotonic ms + offsetMs
        private long lastBeaconMs;       // newest beacon time taken
        private long lastSntpMs;         // newest SNTP answer taken
        private string source = "none";

        /// <summary>The node's clock over <paramref name="inner"/> (its sockets, monotonic clock and randomness are passed through).</summary>
        public NodeClock(IPlatform inner)
        {
            if (inner == null) throw new System.ArgumentNullException("inner");
            this.inner = inner;
        }

        /// <summary>The platform underneath.</summary>
        public IPlatform Inner { get { return inner; } }

        /// <summary>Beacons taken (each newer than the last).</summary>
        public int BeaconsTaken { get; private set; }

        /// <summary>Beacons ignored: not newer than the last one taken (a replay, or out of order), or before 2020.</summary>
        public int BeaconsIgnored { get; private set; }

        /// <summary>SNTP answers taken.</summary>
        public int SntpTaken { get; private set; }

        /// <summary>Where the time comes from now: "none", "platform", "gateway" or "sntp".</summary>
        public string Source
        {
            get { return PlatformMs() >= MinValidUnixMs ? "platform" : source; }
        }

        /// <summary>True once the node knows the time.</summary>
        public bool HasTime
        {
            get
            {
                long ms;
                return TryNowMs(out ms);
            }
        }

        /// <summary>The time in Unix milliseconds if the node knows it; false (and 0) before.</summary>
        public bool TryNowMs(out long unixMs)
        {
            long platform = PlatformMs();
            if (platform >= MinValidUnixMs)
            {
                unixMs = platform;
                return true;
            }
            if (hasOffset)
            {
                unixMs = inner.MonotonicMilliseconds() + offsetMs;
                return true;
            }
            unixMs = 0;
            return false;
        }

        /// <summary>
        /// Takes a beacon's time (lcgw's clock, Unix ms, read just now): true if taken; false if it is
        /// not newer than the last beacon taken or before 2020 (counted in <see cref="BeaconsIgnored"/>).
        /// </summary>
        public bool TakeBeacon(long unixMs)
        {
            if (unixMs < MinValidUnixMs || unixMs <= lastBeaconMs)
            {
                BeaconsIgnored++;
                return false;
            }
            lastBeaconMs = unixMs;
            Set(unixMs, "gateway");
            BeaconsTaken++;
            return true;
        }

        /// <summary>Takes an SNTP server's answer (Unix ms, read just now); false if before 2020 or older than the last answer.</summary>
        public bool TakeSntp(long unixMs)
        {
            if (unixMs < MinValidUnixMs || unixMs <= lastSntpMs) return false;
            lastSntpMs = unixMs;
            Set(unixMs, "sntp");
            SntpTaken++;
            return true;
        }

        private void Set(long unixMs, string from)
        {
            offsetMs = unixMs - inner.MonotonicMilliseconds();
            hasOffset = true;
            source = from;
        }

        private long PlatformMs()
        {
            return (long)(inner.NowNanoseconds() / 1000000UL);
        }

        /// <inheritdoc/>
        /// <remarks>The site's time once known; before, the platform's own (unset) clock.</remarks>
        public ulong NowNanoseconds()
        {
            long ms;
            if (TryNowMs(out ms)) return (ulong)ms * 1000000UL;
            return inner.NowNanoseconds();
        }

        /// <inheritdoc/>
        public ITransport OpenTransport()
        {
            return inner.OpenTransport();
        }

        /// <inheritdoc/>
        public long MonotonicMilliseconds()
        {
            return inner.MonotonicMilliseconds();
        }

        /// <inheritdoc/>
        public void FillRandom(byte[] buffer, int offset, int count)
        {
            inner.FillRandom(buffer, offset, count);
        }
    }
}
