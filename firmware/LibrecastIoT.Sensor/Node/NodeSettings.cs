using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// What a sensor node is and how it talks: names, publish interval, address family, pins, key.
    /// On the device the board's <c>boards/&lt;board&gt;/Board.cs</c> sets the hardware (pins,
    /// address family); the identity (site, node name) and the channel key come from the device's
    /// own storage (<see cref="NodeConfig"/>), with a node name derived from the MAC address when
    /// none is stored. The host twin takes them from its command line and a config file.
    /// </summary>
    public sealed class NodeSettings
    {
        /// <summary>Longest interval a command may set: one day.</summary>
        public const int MaxIntervalSeconds = 86400;

        /// <summary>Site name: the first part of every channel name (no '/').</summary>
        public string Site = "site1";

        /// <summary>Node name, unique within the site (no '/'); see <see cref="NameFromMac"/> for the device default.</summary>
        public string Node = "node1";

        /// <summary>
        /// The 32-byte channel key (librecast SYMM coding) for the node's telemetry and command
        /// channels, or null: publish and listen in clear. Provisioned per device, never compiled in.
        /// </summary>
        public byte[]? Key;

        /// <summary>
        /// The site signer's Ed25519 public key (32 bytes; librecast.conf's <c>signer</c> line), or
        /// null: a restricted site's node then takes commands and the time beacon only with a token
        /// this key signed, checked with the datagram's signature (librecast 0.11's restricted
        /// channels; docs/security.md "The site's model").
        /// </summary>
        public byte[]? Signer;

        /// <summary>The bearer key's file name in the device's storage (<c>bearer_key</c> line), or null.</summary>
        public string? BearerKeyFile;

        /// <summary>The token's file name in the device's storage (<c>token</c> line), or null.</summary>
        public string? TokenFile;

        /// <summary>The node's own bearer key (32-byte Ed25519 seed, read from <see cref="BearerKeyFile"/>), or null. Wiped once the telemetry channel has a copy.</summary>
        public byte[]? BearerSeed;

        /// <summary>The node's token for its telemetry channel (128 bytes, read from <see cref="TokenFile"/>), or null: every reading is then signed with <see cref="BearerSeed"/>.</summary>
        public byte[]? TelemetryToken;

        /// <summary>Percent of the node's time that verifying commands and beacons may take (<see cref="Librecast.Security.VerifyLimiter"/>): a flood of forged ones is dropped unverified beyond it.</summary>
        public const int VerifyPercent = 25;

        /// <summary>Verification time a quiet node saves up (ms): the gateway's beacon and a command close together both pass (on an ESP32 about 3-6 checks).</summary>
        public const long VerifyBurstMs = 60000;

        /// <summary>Signatures the node's command and beacon filters remember against replays (552 bytes each; the core's default 512 takes 16.4 KB).</summary>
        public const int SignedReplayMemory = 16;

        /// <summary>
        /// The librecast wire of the node's IPv6 channels (which release's groups: 0.11 by default;
        /// 0.5 for a site whose gateway and programs still speak librecast 0.5.1). The IPv4 mapping
        /// does not depend on it.
        /// </summary>
        public Librecast.WireProfile Wire = Librecast.WireProfile.Default;

        /// <summary>
        /// Seconds the node keeps what it sent on its telemetry channel to answer NACKs (librecast
        /// 0.6+ gap repair: a receiver such as <c>lc listen --nack</c> or lcgw's <c>option nack</c>
        /// asks for a missing seq and gets the logged datagram again); 0 (the default): off. IPv6
        /// channels on the 0.9 or 0.11 wire only. The log's budget is fixed: see <see cref="NackLogBytes"/>.
        /// </summary>
        public int NackSeconds;

        /// <summary>Longest NACK log time: one hour.</summary>
        public const int MaxNackSeconds = 3600;

        /// <summary>The node's NACK log, allocated once at start: 8 KiB, 16 slots of <see cref="NackSlotBytes"/>.</summary>
        public const int NackLogBytes = 8192;

        /// <summary>
        /// One logged datagram: a full SenML pack (384 bytes), the 33-byte header and the 40 bytes of
        /// encryption fit. A node that signs its telemetry needs no room for the token and signature:
        /// the log keeps the datagram before them and a resend is signed again (the same bytes).
        /// </summary>
        public const int NackSlotBytes = 512;

        /// <summary>Most resends a second in answer to NACKs (and <see cref="NackBurst"/> at once): a NACK flood gets at most this from the node.</summary>
        public const int NackResendsPerSecond = 10;

        /// <summary>Resends allowed at once above the rate.</summary>
        public const int NackBurst = 4;

        /// <summary>
        /// The SNTP server the board's clock is set from (a host name or an IP address), instead of
        /// nanoFramework's default 0.pool.ntp.org, which a site without Internet never reaches; null:
        /// the default. The site's own server, e.g. the gateway's host. Whichever answers first sets
        /// the time: this server or lcgw's time beacon (<see cref="NodeClock"/>).
        /// </summary>
        public string? SntpServer;

        /// <summary>Longest <see cref="SntpServer"/>: a DNS name's 253 characters.</summary>
        public const int MaxSntpServerLength = 253;

        /// <summary>Seconds between two readings (1..86400); the <c>interval</c> command changes it.</summary>
        public int IntervalSeconds = 10;

        /// <summary>
        /// True: librecast's own IPv6 groups (needs an IPv6 firmware image: ESP32_PSRAM_REV3_IPV6
        /// turns IPv6 on; ESP32_C5_THREAD, ESP32_C6_THREAD, ESP32_C61, ESP32_H2_THREAD and ESP32_P4
        /// leave it at ESP-IDF's default, on; ESP32_PSRAM_REV3_IPV6, ESP32_REV0, M5Core and
        /// ESP_WROVER_KIT come from nanoFramework's nightly (community) pipeline; firmware/README.md).
        /// An IPv6 node joins 3 groups at most (lwIP's MLD6 slots): command, time, NACK.
        /// False: the 239/8 IPv4 mapping (docs/ipv4-mapping.md), which
        /// every ESP32 image supports.
        /// </summary>
        public bool Ipv6;

        /// <summary>Interface to join and send on (0 = default). On ESP32 IPv6 the lwIP netif index (1-based, non-zero).</summary>
        public int InterfaceIndex;

        /// <summary>
        /// Multicast hop limit (IPv4: TTL) of everything the node sends, 1..255: 1 keeps it on the
        /// node's own link (no router forwards it), N crosses at most N-1 routers. Default 255, as
        /// librecast. librecast.conf's <c>hop_limit</c> line. On an IPv6 image it is set with ESP-IDF
        /// lwIP's IPV6_MULTICAST_HOPS (0x301); an image that refuses it keeps its own default (64)
        /// and the node logs the refusal (firmware/README.md).
        /// </summary>
        public int HopLimit = 255;

        /// <summary>
        /// Whether sockets on the node's own host hear what it sends (multicast loopback; IPv6:
        /// IPV6_MULTICAST_LOOP 0x302 on the board). Default off, as librecast. librecast.conf's
        /// <c>loopback on|off</c> line. A board has no other listener, so this matters for the host twin.
        /// </summary>
        public bool Loopback;

        /// <summary>Largest hop limit.</summary>
        public const int MaxHopLimit = 255;

        /// <summary>I2C bus of the sensor (nanoFramework numbers ESP32 buses from 1).</summary>
        public int I2cBus = 1;

        /// <summary>GPIO of the I2C data line.</summary>
        public int SdaPin = 21;

        /// <summary>GPIO of the I2C clock line.</summary>
        public int SclPin = 22;

        /// <summary>I2C address of the BME280: 0x76 (SDO to GND) or 0x77 (SDO to VCC).</summary>
        public int SensorAddress = 0x76;

        /// <summary>GPIO of the LED that <c>identify</c> blinks, or -1 for none (identify is then logged only).</summary>
        public int LedPin = -1;

        /// <summary>Channel the readings go to: SITE/NODE/telemetry.</summary>
        public string TelemetryChannel { get { return Librecast.NodeNames.Telemetry(Site, Node); } }

        /// <summary>Channel the node listens on for commands: SITE/NODE/cmd.</summary>
        public string CommandChannel { get { return Librecast.NodeNames.Commands(Site, Node); } }

        /// <summary>The site's time channel, SITE/time: lcgw's time beacon (Librecast.TimeBeacon), sealed with <see cref="Key"/> on a keyed site.</summary>
        public string TimeChannel { get { return Librecast.TimeBeacon.ChannelOf(Site); } }

        /// <summary>SenML base name of this node's records: urn:dev:lc:SITE:NODE:.</summary>
        public string BaseName { get { return Librecast.NodeNames.BaseName(Site, Node); } }

        /// <summary>
        /// The default node name of a device: "esp-" and the 12 hex digits of its MAC address
        /// (the station's), so boards flashed from one build differ without any configuration.
        /// </summary>
        /// <exception cref="ArgumentException">The address is not 6 bytes.</exception>
        public static string NameFromMac(byte[] mac)
        {
            if (mac == null || mac.Length != 6) throw new ArgumentException("a MAC address is 6 bytes", "mac");
            char[] name = new char[4 + 12];
            name[0] = 'e';
            name[1] = 's';
            name[2] = 'p';
            name[3] = '-';
            const string hex = "0123456789abcdef";
            for (int i = 0; i < 6; i++)
            {
                name[4 + 2 * i] = hex[mac[i] >> 4];
                name[5 + 2 * i] = hex[mac[i] & 15];
            }
            return new string(name);
        }

        /// <summary>Checks the settings; the message says which one is wrong and why.</summary>
        /// <exception cref="ArgumentException">A setting is out of range.</exception>
        public void Validate()
        {
            CheckName(Site, "Site");
            CheckName(Node, "Node");
            if (IntervalSeconds < 1 || IntervalSeconds > MaxIntervalSeconds)
                throw new ArgumentException("IntervalSeconds is " + IntervalSeconds + "; it must be 1.." + MaxIntervalSeconds);
            if (InterfaceIndex < 0) throw new ArgumentException("InterfaceIndex must not be negative");
            if (HopLimit < 1 || HopLimit > MaxHopLimit)
                throw new ArgumentException("HopLimit is " + HopLimit + "; it must be 1.." + MaxHopLimit + " (1: the node's own link only)");
            if (Key != null && Key.Length != 32)
                throw new ArgumentException("Key is " + Key.Length + " bytes; a channel key is exactly 32 bytes (64 hex digits)");
            if (Signer != null && Signer.Length != 32)
                throw new ArgumentException("Signer is " + Signer.Length + " bytes; an Ed25519 public key is 32 bytes (64 hex digits)");
            if ((BearerKeyFile == null) != (TokenFile == null))
                throw new ArgumentException("bearer_key and token go together: the node signs its telemetry with its bearer key under the token (lcgw token NODE FILE)");
            if (NackSeconds < 0 || NackSeconds > MaxNackSeconds)
                throw new ArgumentException("NackSeconds is " + NackSeconds + "; it must be 0 (off) .." + MaxNackSeconds);
            if (NackSeconds > 0 && !Wire.HasNack)
                throw new ArgumentException("nack needs the 0.9 or 0.11 wire: librecast " + Wire.Release + " has no NACK gap repair");
            if (SensorAddress < 0x03 || SensorAddress > 0x77)
                throw new ArgumentException("SensorAddress " + SensorAddress + " is not a 7-bit I2C address (BME280: 0x76 or 0x77)");
        }

        private static void CheckName(string value, string what)
        {
            string? problem = Librecast.NodeNames.Problem(value);
            if (problem != null) throw new ArgumentException(what + " '" + value + "' " + problem);
        }
    }
}
