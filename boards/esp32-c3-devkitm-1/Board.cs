namespace LibrecastIoT.Sensor
{
    /// <summary>Espressif ESP32-C3-DevKitM-1 (RISC-V): standard firmware, IPv4 channels.</summary>
    internal static class Board
    {
        /// <summary>Folder name under boards/.</summary>
        public const string Name = "esp32-c3-devkitm-1";

        /// <summary>nanoff --target: chip revision 3 and later (ESP32_C3_BETA is for revision 0.2; nanoff --platform esp32 picks by itself).</summary>
        public const string NanoffTarget = "ESP32_C3";

        /// <summary>
        /// The board's hardware: pins, sensor address, LED, address family. Site, node name, interval
        /// and key are not here: they come from the device's storage (tools/flash --site --node
        /// --key-file), the node name by default from the MAC address, so one build serves every board.
        /// </summary>
        public static NodeSettings Create()
        {
            NodeSettings s = new NodeSettings();
            s.Ipv6 = false;
            s.I2cBus = 1;             // the C3's single I2C controller, routed to any GPIO
            s.SdaPin = 6;             // GPIO6/7: free, not strapping pins, next to each other on J1
            s.SclPin = 7;
            s.SensorAddress = 0x76;
            s.LedPin = -1;            // the on-board LED (GPIO8) is a WS2812 that needs a driver: identify is logged
            return s;
        }
    }
}
