using System;

namespace Librecast.Senml
{
    /// <summary>
    /// Writes one SenML pack (RFC 8428, JSON) into a caller's byte array: the node's telemetry
    /// encoder. Allocates nothing after construction, formats numbers itself (nanoFramework's
    /// <c>double.ToString</c> differs from .NET's and allocates) and never half-writes a record.
    /// </summary>
    /// <remarks>
    /// Shape: <c>[{"bn":"B","bt":T,"n":"N","u":"U","v":V},{"n":"N","u":"U","v":V}]</c>. The base
    /// name and base time go in the first record, as RFC 8428 section 4.1 allows. Use:
    /// <see cref="Begin(string, long)"/>, then <see cref="Add"/> per reading, then
    /// <see cref="End"/>, which returns the pack's length. Room for the closing bytes is kept in
    /// reserve, so <see cref="End"/> always fits. Not thread-safe: one writer per publishing thread.
    /// </remarks>
    public sealed class SenmlWriter
    {
        /// <summary>Most decimals <see cref="Add"/> accepts.</summary>
        public const int MaxDecimals = 9;

        private static readonly long[] Pow10 =
        {
            1L, 10L, 100L, 1000L, 10000L, 100000L, 1000000L, 10000000L, 100000000L, 1000000000L,
        };

        // Above this, value * 10^decimals no longer fits a long: fewer decimals, then an exponent.
        private const double FixedLimit = 9.0e18;
        private const double ExponentFrom = 1.0e15;

        private byte[] buffer;
        private int start;
        private int end;
        private int position;
        private bool overflow;
        private bool open;

        /// <summary>Creates a writer over <paramref name="buffer"/>[offset, offset+capacity).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside the array.</exception>
        public SenmlWriter(byte[] buffer, int offset, int capacity)
        {
            this.buffer = buffer; // for the compiler: Reset checks it and sets everything
            Reset(buffer, offset, capacity);
        }

        /// <summary>
        /// Writes the next pack into <paramref name="buffer"/>[offset, offset+capacity) instead,
        /// allocating nothing: a publisher's claimed datagram (<see cref="Publisher.TryClaim(Channel, Opcode, bool, int, out int, out int)"/>
        /// with <paramref name="capacity"/> bytes, then <see cref="Publisher.Commit(int, int)"/> with
        /// <see cref="End"/>'s length), so the pack is written where it is sent from. Discards
        /// anything written before.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside the array.</exception>
        public void Reset(byte[] buffer, int offset, int capacity)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || capacity < 0 || offset > buffer.Length - capacity)
                throw new ArgumentOutOfRangeException("capacity", "offset and capacity must lie inside the buffer");
            this.buffer = buffer;
            start = offset;
            end = offset + capacity;
            position = offset;
            open = false;
            overflow = false;
            RecordCount = 0;
        }

        /// <summary>The array the pack is written into.</summary>
        public byte[] Buffer { get { return buffer; } }

        /// <summary>Where in <see cref="Buffer"/> the pack starts.</summary>
        public int Offset { get { return start; } }

        /// <summary>Bytes written so far (after <see cref="End"/>: the pack's length).</summary>
        public int Length { get { return position - start; } }

        /// <summary>Records added since <see cref="Begin(string, long)"/>.</summary>
        public int RecordCount { get; private set; }

        /// <summary>
        /// Starts a pack with base name <paramref name="baseName"/> (null or empty: none) and base
        /// time <paramref name="baseTimeMillis"/>, milliseconds since the Unix epoch, written as
        /// seconds with up to 3 decimals. Discards anything written before.
        /// </summary>
        /// <exception cref="ArgumentException">The buffer cannot hold even the base record.</exception>
        public void Begin(string baseName, long baseTimeMillis)
        {
            BeginCore(baseName, true, baseTimeMillis);
        }

        /// <summary>Starts a pack with a base name and no base time (the receiver's clock applies).</summary>
        /// <exception cref="ArgumentException">The buffer cannot hold even the base record.</exception>
        public void Begin(string baseName)
        {
            BeginCore(baseName, false, 0);
        }

        private void BeginCore(string baseName, bool withTime, long baseTimeMillis)
        {
            position = start;
            overflow = false;
            RecordCount = 0;
            open = true;
            // Until the first record "}]" (2 bytes) must still fit.
            int limit = end - 2;
            Put('[', limit);
            Put('{', limit);
            bool first = true;
            if (baseName != null && baseName.Length > 0)
            {
                PutKey("bn", true, limit);
                PutString(baseName, limit);
                first = false;
            }
            if (withTime)
            {
                PutKey("bt", first, limit);
                PutMillisAsSeconds(baseTimeMillis, limit);
            }
            if (overflow)
            {
                position = start;
                open = false;
                throw new ArgumentException("a buffer of " + (end - start) + " bytes cannot hold the SenML base record", "baseName");
            }
        }

        /// <summary>
        /// Adds a record: name <paramref name="name"/>, unit <paramref name="unit"/> (null or
        /// empty: none), value <paramref name="value"/> rounded to <paramref name="decimals"/>
        /// decimals (trailing zeros dropped).
        /// </summary>
        /// <returns>False, with nothing written, if the record does not fit.</returns>
        /// <exception cref="InvalidOperationException">No pack was begun, or it has ended.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="decimals"/> is outside 0..<see cref="MaxDecimals"/>.</exception>
        /// <exception cref="ArgumentException"><paramref name="value"/> is NaN or infinite: JSON cannot carry it.</exception>
        public bool Add(string name, string unit, double value, int decimals)
        {
            if (!open) throw new InvalidOperationException("call Begin before Add (and not after End)");
            if (name == null) throw new ArgumentNullException("name");
            if (decimals < 0 || decimals > MaxDecimals) throw new ArgumentOutOfRangeException("decimals", "0 to 9");
            if (double.IsNaN(value) || double.IsInfinity(value))
                throw new ArgumentException("value of '" + name + "' is NaN or infinite; SenML JSON cannot carry it (skip the reading)", "value");

            int mark = position;
            // After this record only "]" must still fit.
            int limit = end - 1;
            if (RecordCount == 0)
            {
                if (position - start > 2) Put(',', limit); // after bn/bt
            }
            else
            {
                Put(',', limit);
                Put('{', limit);
            }
            PutKey("n", true, limit);
            PutString(name, limit);
            if (unit != null && unit.Length > 0)
            {
                PutKey("u", false, limit);
                PutString(unit, limit);
            }
            PutKey("v", false, limit);
            PutNumber(value, decimals, limit);
            Put('}', limit);
            if (overflow)
            {
                overflow = false;
                position = mark;
                return false;
            }
            RecordCount++;
            return true;
        }

        /// <summary>Closes the pack; returns its length in bytes, from <see cref="Offset"/>.</summary>
        /// <exception cref="InvalidOperationException">No pack was begun, or it has already ended.</exception>
        public int End()
        {
            if (!open) throw new InvalidOperationException("call Begin before End");
            open = false;
            // Space for these was kept in reserve by Begin and Add.
            if (RecordCount == 0) buffer[position++] = (byte)'}';
            buffer[position++] = (byte)']';
            return position - start;
        }

        private void Put(char c, int limit)
        {
            if (position >= limit)
            {
                overflow = true;
                return;
            }
            buffer[position++] = (byte)c;
        }

        private void PutKey(string key, bool first, int limit)
        {
            if (!first) Put(',', limit);
            Put('"', limit);
            for (int i = 0; i < key.Length; i++) Put(key[i], limit);
            Put('"', limit);
            Put(':', limit);
        }

        // A JSON string: quotes, backslash and control characters escaped, the rest as UTF-8
        // (a lone surrogate becomes U+FFFD, as in Utf8.GetBytes; code points are read with
        // Utf8.CodePointAt, because nanoCLR's string indexer gets surrogate pairs wrong).
        private void PutString(string text, int limit)
        {
            const string hex = "0123456789abcdef";
            Put('"', limit);
            int units;
            for (int i = 0; i < text.Length && !overflow; i += units)
            {
                int c = Utf8.CodePointAt(text, i, out units);
                if (c == '"' || c == '\\')
                {
                    Put('\\', limit);
                    Put((char)c, limit);
                }
                else if (c < 0x20)
                {
                    Put('\\', limit);
                    Put('u', limit);
                    Put('0', limit);
                    Put('0', limit);
                    Put(hex[c >> 4], limit);
                    Put(hex[c & 0xf], limit);
                }
                else if (c < 0x80) Put((char)c, limit);
                else if (c < 0x800)
                {
                    PutByte(0xC0 | (c >> 6), limit);
                    PutByte(0x80 | (c & 0x3F), limit);
                }
                else if (c >= 0x10000)
                {
                    PutByte(0xF0 | (c >> 18), limit);
                    PutByte(0x80 | ((c >> 12) & 0x3F), limit);
                    PutByte(0x80 | ((c >> 6) & 0x3F), limit);
                    PutByte(0x80 | (c & 0x3F), limit);
                }
                else
                {
                    PutByte(0xE0 | (c >> 12), limit);
                    PutByte(0x80 | ((c >> 6) & 0x3F), limit);
                    PutByte(0x80 | (c & 0x3F), limit);
                }
            }
            Put('"', limit);
        }

        private void PutByte(int b, int limit)
        {
            if (position >= limit)
            {
                overflow = true;
                return;
            }
            buffer[position++] = (byte)b;
        }

        private void PutMillisAsSeconds(long millis, int limit)
        {
            bool negative = millis < 0;
            // -millis overflows only for long.MinValue, which is no time anyone measures.
            ulong m = negative ? (ulong)(-millis) : (ulong)millis;
            PutScaled(negative, m, 3, limit);
        }

        private void PutNumber(double value, int decimals, int limit)
        {
            bool negative = value < 0;
            double magnitude = negative ? -value : value;
            if (magnitude >= ExponentFrom)
            {
                PutExponent(negative, magnitude, limit);
                return;
            }
            while (decimals > 0 && magnitude * Pow10[decimals] >= FixedLimit) decimals--;
            // Round half away from zero; the cast truncates a non-negative double.
            ulong scaled = (ulong)(magnitude * Pow10[decimals] + 0.5);
            PutScaled(negative && scaled != 0, scaled, decimals, limit);
        }

        // 15 significant digits and an exponent: "123456789012345e6" is a valid JSON number.
        private void PutExponent(bool negative, double magnitude, int limit)
        {
            int exponent = 0;
            while (magnitude >= ExponentFrom)
            {
                magnitude /= 10;
                exponent++;
            }
            ulong digits = (ulong)(magnitude + 0.5);
            if (negative) Put('-', limit);
            PutDigits(digits, 0, limit);
            Put('e', limit);
            PutDigits((ulong)exponent, 0, limit);
        }

        // Writes scaled / 10^decimals in fixed notation, trailing fraction zeros dropped.
        private void PutScaled(bool negative, ulong scaled, int decimals, int limit)
        {
            while (decimals > 0 && scaled % 10 == 0)
            {
                scaled /= 10;
                decimals--;
            }
            if (negative) Put('-', limit);
            PutDigits(scaled, decimals, limit);
        }

        // Decimal digits of value with a point before the last `decimals` of them (at least
        // one digit before the point).
        private void PutDigits(ulong value, int decimals, int limit)
        {
            int count = 1;
            ulong rest = value / 10;
            while (rest != 0)
            {
                count++;
                rest /= 10;
            }
            if (count <= decimals) count = decimals + 1; // leading "0."
            int length = decimals > 0 ? count + 1 : count;
            if (position + length > limit)
            {
                overflow = true;
                return;
            }
            int p = position + length - 1;
            for (int i = 0; i < count; i++)
            {
                if (decimals > 0 && i == decimals) buffer[p--] = (byte)'.';
                buffer[p--] = (byte)('0' + (int)(value % 10));
                value /= 10;
            }
            position += length;
        }
    }
}
