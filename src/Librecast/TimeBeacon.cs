using System;

namespace Librecast
{
    /// <summary>
    /// The site's time beacon: the payload lcgw sends every few seconds on the channel SITE/time
    /// (<c>option time_beacon</c>), sealed with the site key when the site is keyed, so that nodes
    /// without Internet NTP take the gateway's clock. The payload is ASCII, readable in
    /// <c>lc listen</c>: <c>time </c> and the gateway's UTC time in milliseconds since the Unix
    /// epoch (<c>time 1795597410011</c>).
    /// </summary>
    public static class TimeBeacon
    {
        /// <summary>The channel's last name part: the beacon channel of site S is "S/time".</summary>
        public const string ChannelSuffix = "/time";

        /// <summary>Longest payload: "time " and up to 19 digits.</summary>
        public const int MaxBytes = 24;

        /// <summary>The beacon channel of <paramref name="site"/>.</summary>
        public static string ChannelOf(string site)
        {
            return site + ChannelSuffix;
        }

        /// <summary>Writes the beacon for <paramref name="unixMilliseconds"/> at <paramref name="buffer"/>[offset]; returns its length.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A negative time, or fewer than <see cref="MaxBytes"/> bytes at offset.</exception>
        public static int Write(long unixMilliseconds, byte[] buffer, int offset)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (unixMilliseconds < 0) throw new ArgumentOutOfRangeException("unixMilliseconds");
            if (offset < 0 || buffer.Length - offset < MaxBytes) throw new ArgumentOutOfRangeException("offset");
            buffer[offset] = (byte)'t';
            buffer[offset + 1] = (byte)'i';
            buffer[offset + 2] = (byte)'m';
            buffer[offset + 3] = (byte)'e';
            buffer[offset + 4] = (byte)' ';
            int digits = 1;
            for (long v = unixMilliseconds / 10; v > 0; v /= 10) digits++;
            long rest = unixMilliseconds;
            for (int i = digits - 1; i >= 0; i--)
            {
                buffer[offset + 5 + i] = (byte)('0' + (int)(rest % 10));
                rest /= 10;
            }
            return 5 + digits;
        }

        /// <summary>
        /// True if <paramref name="buffer"/>[offset, +count) is a beacon ("time " and 1 to 18
        /// digits, nothing else); <paramref name="unixMilliseconds"/> is then its time.
        /// </summary>
        public static bool TryParse(byte[] buffer, int offset, int count, out long unixMilliseconds)
        {
            unixMilliseconds = 0;
            if (buffer == null || offset < 0 || count < 6 || count > 5 + 18 || offset > buffer.Length - count) return false;
            if (buffer[offset] != 't' || buffer[offset + 1] != 'i' || buffer[offset + 2] != 'm' || buffer[offset + 3] != 'e' || buffer[offset + 4] != ' ')
                return false;
            long v = 0;
            for (int i = 5; i < count; i++)
            {
                int d = buffer[offset + i] - '0';
                if (d < 0 || d > 9) return false;
                v = v * 10 + d;
            }
            unixMilliseconds = v;
            return true;
        }
    }
}
