using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's per-device configuration: a small text file kept in the device's own storage
    /// (on the ESP32 <c>I:\librecast.conf</c>, written by <c>tools/flash --site --node --key-file</c>
    /// through <c>nanoff --filedeployment</c>), so that one build serves every board of a kind.
    /// </summary>
    /// <remarks>
    /// <para>One setting per line, a word and its value separated by spaces; '#' starts a comment;
    /// every word is optional:</para>
    /// <code>
    /// site greenhouse
    /// node bed3
    /// interval 30
    /// key 64 hex digits (the 32-byte channel key: the telemetry and command channels are encrypted)
    /// wire 0.11 (the librecast release whose channel groups the node uses: 0.11, 0.9 or 0.5; default 0.11)
    /// nack 60 (seconds the node keeps its telemetry to answer NACKs, 1..3600; absent: off; 0.9/0.11, IPv6 only)
    /// sntp 10.1.2.3 (the SNTP server the board's clock is set from: a host name or IP address; absent: 0.pool.ntp.org)
    /// hop_limit 1 (multicast hop limit of what it sends, 1..255: 1 stays on its own link; default 255)
    /// loopback on (its own host hears what it sends: on or off; default off)
    /// signer 64 hex digits (the site signer's public key: commands and the time beacon must carry its token)
    /// bearer_key node.key (the node's Ed25519 seed, a file beside this one; with token: telemetry is signed)
    /// token node.token (the node's 128-byte token for its telemetry channel, a file beside this one)
    /// </code>
    /// <para>ASCII only. A file with any line that is not understood is refused as a whole (the
    /// message names the line): a node must not start half-configured, and above all not in clear
    /// when a key was meant.</para>
    /// </remarks>
    public static class NodeConfig
    {
        /// <summary>The file's name in the device's internal storage.</summary>
        public const string DevicePath = "I:\\librecast.conf";

        /// <summary>Largest file read (a few lines are expected).</summary>
        public const int MaxBytes = 1024;

        /// <summary>
        /// Applies the configuration in <paramref name="text"/>[0, count) to <paramref name="settings"/>.
        /// Nothing is changed if the file is refused.
        /// </summary>
        /// <exception cref="ArgumentException">A line is not understood; the message says which and why.</exception>
        public static void Apply(byte[] text, int count, NodeSettings settings)
        {
            if (text == null) throw new ArgumentNullException("text");
            if (settings == null) throw new ArgumentNullException("settings");
            if (count < 0 || count > text.Length) throw new ArgumentOutOfRangeException("count");
            if (count > MaxBytes) throw new ArgumentException("the configuration is " + count + " bytes; at most " + MaxBytes + " are read");
            string? site = null, node = null;
            byte[]? key = null, signer = null;
            string? bearerKey = null, token = null;
            Librecast.WireProfile? wire = null;
            int interval = 0;
            int nack = -1;
            string? sntp = null;
            int hops = 0, loop = -1;
            int line = 1;
            int p = 0;
            while (p < count)
            {
                int end = p;
                while (end < count && text[end] != (byte)'\n') end++;
                string? word, value;
                Split(text, p, end, line, out word, out value);
                if (word != null)
                {
                    if (value == null) throw Bad(line, "'" + word + "' needs a value");
                    if (word == "site") site = value;
                    else if (word == "node") node = value;
                    else if (word == "interval")
                    {
                        interval = ParseInterval(value);
                        if (interval == 0) throw Bad(line, "interval must be a whole number of seconds, 1.." + NodeSettings.MaxIntervalSeconds);
                    }
                    else if (word == "key")
                    {
                        key = ParseKey(value);
                        if (key == null) throw Bad(line, "key must be 64 hex digits (32 bytes); the key itself is not shown");
                    }
                    else if (word == "wire")
                    {
                        wire = Librecast.WireProfile.Parse(value);
                        if (wire == null) throw Bad(line, "wire must be " + Librecast.WireProfile.Names + " (the librecast release whose groups to use), not '" + value + "'");
                    }
                    else if (word == "nack")
                    {
                        nack = ParseSeconds(value, NodeSettings.MaxNackSeconds);
                        if (nack == 0) throw Bad(line, "nack must be a whole number of seconds, 1.." + NodeSettings.MaxNackSeconds + " (leave the line out for off)");
                    }
                    else if (word == "sntp")
                    {
                        if (!IsServerName(value))
                            throw Bad(line, "sntp must be a host name or IP address (letters, digits, '.', '-', ':'; at most " + NodeSettings.MaxSntpServerLength + " characters), not '" + value + "'");
                        sntp = value;
                    }
                    else if (word == "hop_limit")
                    {
                        hops = ParseSeconds(value, NodeSettings.MaxHopLimit);
                        if (hops == 0) throw Bad(line, "hop_limit must be a whole number, 1.." + NodeSettings.MaxHopLimit + " (1: the node's own link only)");
                    }
                    else if (word == "loopback")
                    {
                        loop = value == "on" ? 1 : value == "off" ? 0 : -1;
                        if (loop < 0) throw Bad(line, "loopback must be on or off, not '" + value + "'");
                    }
                    else if (word == "signer")
                    {
                        signer = ParseKey(value);
                        if (signer == null) throw Bad(line, "signer must be the site signer's public key, 64 hex digits (lc key pub FILE)");
                    }
                    else if (word == "bearer_key")
                    {
                        if (!IsFileName(value)) throw Bad(line, "bearer_key must name a file in the device's storage (letters, digits, '.', '_', '-'; at most " + MaxFileName + " characters), not '" + value + "'");
                        bearerKey = value;
                    }
                    else if (word == "token")
                    {
                        if (!IsFileName(value)) throw Bad(line, "token must name a file in the device's storage (letters, digits, '.', '_', '-'; at most " + MaxFileName + " characters), not '" + value + "'");
                        token = value;
                    }
                    else throw Bad(line, "unknown setting '" + word + "' (site, node, interval, key, wire, nack, sntp, hop_limit, loopback, signer, bearer_key, token)");
                }
                p = end + 1;
                line++;
            }
            // Check the names as the node will use them before changing anything.
            NodeSettings probe = new NodeSettings();
            probe.Site = site == null ? settings.Site : site;
            probe.Node = node == null ? settings.Node : node;
            probe.Wire = wire == null ? settings.Wire : wire;
            probe.NackSeconds = nack < 0 ? settings.NackSeconds : nack;
            probe.BearerKeyFile = bearerKey == null ? settings.BearerKeyFile : bearerKey;
            probe.TokenFile = token == null ? settings.TokenFile : token;
            probe.Validate();
            if (site != null) settings.Site = site;
            if (node != null) settings.Node = node;
            if (interval != 0) settings.IntervalSeconds = interval;
            if (key != null) settings.Key = key;
            if (wire != null) settings.Wire = wire;
            if (nack > 0) settings.NackSeconds = nack;
            if (sntp != null) settings.SntpServer = sntp;
            if (hops > 0) settings.HopLimit = hops;
            if (loop >= 0) settings.Loopback = loop == 1;
            if (signer != null) settings.Signer = signer;
            if (bearerKey != null) settings.BearerKeyFile = bearerKey;
            if (token != null) settings.TokenFile = token;
        }

        /// <summary>
        /// True for what lwIP's SNTP client can be given as a server: a DNS name or an IPv4/IPv6
        /// literal (ASCII letters, digits, '.', '-', ':'), 1..<see cref="NodeSettings.MaxSntpServerLength"/>
        /// characters, not starting with '-' or '.'.
        /// </summary>
        public static bool IsServerName(string? value)
        {
            if (value == null || value.Length == 0 || value.Length > NodeSettings.MaxSntpServerLength) return false;
            if (value[0] == '-' || value[0] == '.') return false;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';
                if (!ok) return false;
            }
            return true;
        }

        /// <summary>Longest file name a <c>bearer_key</c> or <c>token</c> line may give.</summary>
        public const int MaxFileName = 64;

        // A plain file name in the storage's root: no path, nothing a shell or nanoff would read twice.
        private static bool IsFileName(string value)
        {
            if (value.Length == 0 || value.Length > MaxFileName || value[0] == '.') return false;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                if (!ok) return false;
            }
            return true;
        }

        private static ArgumentException Bad(int line, string why)
        {
            return new ArgumentException("librecast.conf line " + line + ": " + why);
        }

        // The first word of the line and the second (null if absent); a third word is an error.
        private static void Split(byte[] text, int p, int end, int line, out string? word, out string? value)
        {
            word = null;
            value = null;
            int comment = p;
            while (comment < end && text[comment] != (byte)'#') comment++;
            end = comment;
            for (int i = p; i < end; i++)
            {
                byte b = text[i];
                if (b >= 0x80 || (b < 0x20 && b != (byte)'\t' && b != (byte)'\r'))
                    throw Bad(line, "only printable ASCII is allowed (byte 0x" + Hex(b) + ")");
            }
            int a = Skip(text, p, end);
            int aEnd = Word(text, a, end);
            if (aEnd == a) return;
            word = Ascii(text, a, aEnd);
            int b2 = Skip(text, aEnd, end);
            int bEnd = Word(text, b2, end);
            if (bEnd == b2) return;
            value = Ascii(text, b2, bEnd);
            if (Skip(text, bEnd, end) != end) throw Bad(line, "'" + word + "' takes one value, without spaces");
        }

        private static bool IsSpace(byte b)
        {
            return b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r';
        }

        private static int Skip(byte[] text, int p, int end)
        {
            while (p < end && IsSpace(text[p])) p++;
            return p;
        }

        private static int Word(byte[] text, int p, int end)
        {
            while (p < end && !IsSpace(text[p])) p++;
            return p;
        }

        private static string Ascii(byte[] text, int start, int end)
        {
            char[] c = new char[end - start];
            for (int i = start; i < end; i++) c[i - start] = (char)text[i];
            return new string(c);
        }

        private static string Hex(byte b)
        {
            const string digits = "0123456789abcdef";
            return new string(new char[] { digits[b >> 4], digits[b & 15] });
        }

        private static int ParseInterval(string value)
        {
            return ParseSeconds(value, NodeSettings.MaxIntervalSeconds);
        }

        // 1..max, or 0 if the value is not that.
        private static int ParseSeconds(string value, int max)
        {
            if (value.Length > 5) return 0;
            int n = 0;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c < '0' || c > '9') return 0;
                n = n * 10 + (c - '0');
            }
            return n >= 1 && n <= max ? n : 0;
        }

        /// <summary>The 32 bytes written as 64 hex digits in <paramref name="hex"/>, or null.</summary>
        public static byte[]? ParseKey(string hex)
        {
            if (hex == null || hex.Length != 64) return null;
            byte[] key = new byte[32];
            for (int i = 0; i < 32; i++)
            {
                int hi = Nibble(hex[2 * i]), lo = Nibble(hex[2 * i + 1]);
                if (hi < 0 || lo < 0)
                {
                    for (int j = 0; j < 32; j++) key[j] = 0;
                    return null;
                }
                key[i] = (byte)(hi << 4 | lo);
            }
            return key;
        }

        private static int Nibble(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }
}
