namespace LibrecastIoT.Sensor
{
    /// <summary>Espressif ESP32-C3-DevKitM-1 (RISC-V): standard firmware, IPv4 channels.</summary>
    internal static class Board
    {
        /// <summary>Folder name under boards/.</summary>
        public const string Name = "esp32-c3-devkitm-1";

        /// <summary>nanoff --target (use ESP32_C3_REV3 for chip revision 3 and later).</summary>
        public const string NanoffTarget = "ESP32_C3";

        /// <summary>The node's settings on this board.</summary>
        public static NodeSettings Create()
        {
            NodeSettings s = new NodeSettings();
            s.Site = "site1";
            s.Node = "c3node1";
            s.IntervalSeconds = 10;
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
