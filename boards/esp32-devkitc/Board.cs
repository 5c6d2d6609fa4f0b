namespace LibrecastIoT.Sensor
{
    /// <summary>Espressif ESP32-DevKitC (ESP32-WROOM-32): standard firmware, IPv4 channels.</summary>
    internal static class Board
    {
        /// <summary>Folder name under boards/.</summary>
        public const string Name = "esp32-devkitc";

        /// <summary>nanoff --target for the standard image (IPv4 only; works on every ESP32 revision).</summary>
        public const string NanoffTarget = "ESP32_REV0";

        /// <summary>
        /// The board's hardware: pins, sensor address, LED, address family. Site, node name, interval
        /// and key are not here: they come from the device's storage (tools/flash --site --node
        /// --key-file), the node name by default from the MAC address, so one build serves every board.
        /// </summary>
        public static NodeSettings Create()
        {
            NodeSettings s = new NodeSettings();
            s.Ipv6 = false;           // standard image: the 239/8 IPv4 mapping
            s.I2cBus = 1;
            s.SdaPin = 21;            // the ESP32's customary I2C pins
            s.SclPin = 22;
            s.SensorAddress = 0x76;   // SDO to GND; 0x77 if SDO is tied to 3V3
            s.LedPin = 2;             // no user LED on the DevKitC itself: wire LED + 330 ohm to GPIO2 (many clones have one there)
            return s;
        }
    }
}
