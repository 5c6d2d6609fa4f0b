namespace LibrecastIoT.Sensor
{
    /// <summary>What a command on SITE/NODE/cmd asks for.</summary>
    public enum CommandKind
    {
        /// <summary>Not a command this node understands (counted, logged, ignored).</summary>
        Invalid = 0,
        /// <summary><c>interval SECONDS</c>: publish every SECONDS (1..86400) from now on, starting now.</summary>
        Interval = 1,
        /// <summary><c>identify [SECONDS]</c>: blink the LED for SECONDS (1..60, default 5).</summary>
        Identify = 2,
        /// <summary><c>publish</c>: take and publish a reading now.</summary>
        Publish = 3,
    }

    /// <summary>
    /// Parses a command payload: ASCII words separated by spaces, e.g. <c>interval 30</c>. Reads
    /// the bytes in place and allocates nothing. Send one with <c>lc send site1/node1/cmd "interval 30"</c>.
    /// </summary>
    public static class Command
    {
        /// <summary>Default identify duration in seconds.</summary>
        public const int DefaultIdentifySeconds = 5;

        /// <summary>Longest identify duration in seconds.</summary>
        public const int MaxIdentifySeconds = 60;

        /// <summary>Parses <paramref name="buffer"/>[offset, offset+count); <paramref name="value"/> gets the number argument.</summary>
        public static CommandKind Parse(byte[] buffer, int offset, int count, out int value)
        {
            value = 0;
            int end = offset + count;
            int p = SkipSpaces(buffer, offset, end);
            int wordStart = p;
            while (p < end && !IsSpace(buffer[p])) p++;
            int wordLength = p - wordStart;
            p = SkipSpaces(buffer, p, end);
            int number;
            int afterNumber = ParseNumber(buffer, p, end, out number);
            bool hasNumber = afterNumber > p;
            if (hasNumber) p = SkipSpaces(buffer, afterNumber, end);
            bool rest = p < end; // anything after the arguments makes the command invalid

            if (Is(buffer, wordStart, wordLength, "interval"))
            {
                if (!hasNumber || rest || number < 1 || number > NodeSettings.MaxIntervalSeconds) return CommandKind.Invalid;
                value = number;
                return CommandKind.Interval;
            }
            if (Is(buffer, wordStart, wordLength, "identify"))
            {
                if (rest) return CommandKind.Invalid;
                if (!hasNumber) number = DefaultIdentifySeconds;
                if (number < 1 || number > MaxIdentifySeconds) return CommandKind.Invalid;
                value = number;
                return CommandKind.Identify;
            }
            if (Is(buffer, wordStart, wordLength, "publish"))
                return hasNumber || rest ? CommandKind.Invalid : CommandKind.Publish;
            return CommandKind.Invalid;
        }

        private static bool IsSpace(byte b)
        {
            return b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';
        }

        private static int SkipSpaces(byte[] buffer, int p, int end)
        {
            while (p < end && IsSpace(buffer[p])) p++;
            return p;
        }

        // Up to 9 digits (so no overflow); returns the position after them (== p if none).
        private static int ParseNumber(byte[] buffer, int p, int end, out int number)
        {
            number = 0;
            int start = p;
            while (p < end && p - start < 9 && buffer[p] >= (byte)'0' && buffer[p] <= (byte)'9')
            {
                number = number * 10 + (buffer[p] - (byte)'0');
                p++;
            }
            if (p < end && !IsSpace(buffer[p])) return start; // "10x", or more than 9 digits
            return p;
        }

        private static bool Is(byte[] buffer, int offset, int length, string word)
        {
            if (length != word.Length) return false;
            for (int i = 0; i < length; i++)
                if (buffer[offset + i] != (byte)word[i]) return false;
            return true;
        }
    }
}
