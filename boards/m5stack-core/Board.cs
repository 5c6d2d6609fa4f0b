namespace LibrecastIoT.Sensor
{
    /// <summary>M5Stack Core (Basic / Gray): standard M5Core firmware, IPv4 channels, sensor on Grove port A.</summary>
    internal static class Board
    {
        /// <summary>Folder name under boards/.</summary>
        public const string Name = "m5stack-core";

        /// <summary>nanoff --target.</summary>
        public const string NanoffTarget = "M5Core";

        /// <summary>
        /// The board's hardware: pins, sensor address, LED, address family. Site, node name, interval
        /// and key are not here: they come from the device's storage (tools/flash --site --node
        /// --key-file), the node name by default from the MAC address, so one build serves every board.
        /// </summary>
        public static NodeSettings Create()
        {
            NodeSettings s = new NodeSettings();
            s.Ipv6 = false;
            s.I2cBus = 1;
            s.SdaPin = 21;            // Grove port A (red): SDA 21, SCL 22
            s.SclPin = 22;
            s.SensorAddress = 0x76;   // a BME280 breakout on the Grove cable (0x76 is free on the Core's internal bus)
            s.LedPin = -1;            // no user LED: identify is logged
            return s;
        }
    }
}
