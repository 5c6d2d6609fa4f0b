namespace LibrecastIoT.Sensor
{
    /// <summary>Espressif ESP-WROVER-KIT v4.1 (ESP32-WROVER-E, PSRAM, chip rev 3): the IPv6 image, librecast's own groups.</summary>
    internal static class Board
    {
        /// <summary>Folder name under boards/.</summary>
        public const string Name = "esp-wrover-kit";

        /// <summary>nanoff --target: the image with IPv6 (needs PSRAM and an ESP32 rev 3 chip).</summary>
        public const string NanoffTarget = "ESP32_PSRAM_REV3_IPV6";

        /// <summary>
        /// The board's hardware: pins, sensor address, LED, address family. Site, node name, interval
        /// and key are not here: they come from the device's storage (tools/flash --site --node
        /// --key-file), the node name by default from the MAC address, so one build serves every board.
        /// </summary>
        public static NodeSettings Create()
        {
            NodeSettings s = new NodeSettings();
            s.Ipv6 = true;            // native librecast IPv6 channels: a C librecast peer hears them directly
            s.InterfaceIndex = 0;     // 0: join on every lwIP netif the stack accepts (lo may be 1); a number: that netif only
            s.I2cBus = 1;
            s.SdaPin = 26;            // GPIO21/22 drive the kit's LCD; 26/27 are free without a camera
            s.SclPin = 27;
            s.SensorAddress = 0x76;
            s.LedPin = 2;             // green channel of the kit's RGB LED
            return s;
        }
    }
}
