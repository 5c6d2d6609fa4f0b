using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// What a sensor node is and how it talks: names, publish interval, address family, pins.
    /// On the device each board's <c>boards/&lt;board&gt;/Board.cs</c> fills one in; the host twin
    /// takes it from its command line.
    /// </summary>
    public sealed class NodeSettings
    {
        /// <summary>Longest interval a command may set: one day.</summary>
        public const int MaxIntervalSeconds = 86400;

        /// <summary>Site name: the first part of every channel name (no '/').</summary>
        public string Site = "site1";

        /// <summary>Node name, unique within the site (no '/').</summary>
        public string Node = "node1";

        /// <summary>Seconds between two readings (1..86400); the <c>interval</c> command changes it.</summary>
        public int IntervalSeconds = 10;

        /// <summary>
        /// True: librecast's own IPv6 groups (needs an IPv6 firmware image such as
        /// ESP32_PSRAM_REV3_IPV6). False: the 239/8 IPv4 mapping (docs/ipv4-mapping.md), which
        /// every ESP32 image supports.
        /// </summary>
        public bool Ipv6;

        /// <summary>Interface to join and send on (0 = default). On ESP32 IPv6 the lwIP netif index (1-based, non-zero).</summary>
        public int InterfaceIndex;

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
        public string TelemetryChannel { get { return Site + "/" + Node + "/telemetry"; } }

        /// <summary>Channel the node listens on for commands: SITE/NODE/cmd.</summary>
        public string CommandChannel { get { return Site + "/" + Node + "/cmd"; } }

        /// <summary>SenML base name of this node's records: urn:dev:lc:SITE:NODE:.</summary>
        public string BaseName { get { return "urn:dev:lc:" + Site + ":" + Node + ":"; } }

        /// <summary>Checks the settings; the message says which one is wrong and why.</summary>
        /// <exception cref="ArgumentException">A setting is out of range.</exception>
        public void Validate()
        {
            CheckName(Site, "Site");
            CheckName(Node, "Node");
            if (IntervalSeconds < 1 || IntervalSeconds > MaxIntervalSeconds)
                throw new ArgumentException("IntervalSeconds is " + IntervalSeconds + "; it must be 1.." + MaxIntervalSeconds);
            if (InterfaceIndex < 0) throw new ArgumentException("InterfaceIndex must not be negative");
            if (SensorAddress < 0x03 || SensorAddress > 0x77)
                throw new ArgumentException("SensorAddress " + SensorAddress + " is not a 7-bit I2C address (BME280: 0x76 or 0x77)");
        }

        private static void CheckName(string value, string what)
        {
            if (value == null || value.Length == 0) throw new ArgumentException(what + " must not be empty");
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '/' || c == ':' || c <= ' ')
                    throw new ArgumentException(what + " '" + value + "' must not contain '/', ':' or spaces (it is part of channel names and the SenML base name)");
            }
        }
    }
}
