using System;
using System.Threading;
using Librecast;
using Librecast.Nano;
using nanoFramework.Hardware.Esp32;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The ESP32 sensor node: the board's hardware from <c>Board.cs</c>, the node's identity and
    /// key from the device's storage (<see cref="NodeConfig"/>; default name from the MAC address),
    /// Wi-Fi with the credentials stored on the device (<c>tools/flash --ssid ... --password ...</c>;
    /// never in code), then <see cref="SensorNode"/> for ever: a missing sensor, a dropped Wi-Fi or
    /// a failed join is logged and retried, never the end of <c>Main</c>.
    /// </summary>
    public static class Program
    {
        /// <summary>How long one wait for the network lasts before it is logged and started again.</summary>
        public const int NetworkWaitMs = 60000;

        // The board's edges made once per boot: Run is started again after any exception, and each
        // WifiLink adds static NetworkChange handlers, each GpioIndicator a controller and an open pin.
        private sealed class DeviceFactory : IBootFactory
        {
            private readonly INodeLog log;
            private readonly NodeSettings board = Board.Create();

            public DeviceFactory(INodeLog log) { this.log = log; }

            public INetworkLink MakeLink() { return new WifiLink(log, new NanoPlatform(board.Ipv6, board.InterfaceIndex)); }

            public IIndicator MakeIndicator() { return new GpioIndicator(board.LedPin, log); }
        }

        /// <summary>Entry point: runs the node; anything that escapes it is logged and the node starts again.</summary>
        public static void Main()
        {
            INodeLog log = new SerialLog();
            BootParts parts = new BootParts(new DeviceFactory(log));
            while (true)
            {
                try
                {
                    Run(log, parts);
                }
                catch (Exception e)
                {
                    log.Line("node failed: " + e.GetType().Name + ": " + e.Message + "; starting again in 10 s");
                    Thread.Sleep(10000);
                }
            }
        }

        private static void Run(INodeLog log, BootParts parts)
        {
            NodeSettings settings = Board.Create();
            log.Line("LibrecastIoT sensor node, board " + Board.Name + " (firmware " + Board.NanoffTarget + "), " +
                     (settings.Ipv6 ? "IPv6" : "IPv4 (239/8 mapping)"));

            NanoPlatform platform = new NanoPlatform(settings.Ipv6, settings.InterfaceIndex);
            // The link counts as up once Wi-Fi has an address (the radio is on, so esp_random is
            // truly random for the nonces); the clock is not waited for: the node publishes without
            // it and takes the time from SNTP or the gateway's beacon when one answers (NodeClock).
            INetworkLink link = parts.Link;
            log.Line("waiting for the network: " + link.Describe());
            while (!link.WaitUp(NetworkWaitMs)) log.Line("waiting for the network: " + link.Describe());
            log.Line("network up: " + link.Describe());

            Configuration.SetPinFunction(settings.SdaPin, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(settings.SclPin, DeviceFunction.I2C1_CLOCK);
            ISensorSource sensors = new Bme280Source(settings.I2cBus, settings.SensorAddress);
            IIndicator indicator = parts.Indicator;

            byte[]? mac = WifiLink.StationMac();
            if (mac != null) settings.Node = NodeSettings.NameFromMac(mac);
            Context context = new Context(new NodeClock(platform));
            // Absent is not unreadable: while the storage cannot be read (it may hold a key) nothing is
            // published; the reason goes to the console and SITE/NODE/status, and it is read again.
            SensorNode? node = null;
            if (NodeBoot.LoadConfig(new DeviceStorage(NodeConfig.DevicePath), settings, log, context, NodeBoot.StorageRetryMs, 0) &&
                NodeBoot.LoadProvisioned(new DeviceFiles(), settings, log))
            {
                try
                {
                    node = new SensorNode(context, settings, sensors, indicator, log, link);
                }
                catch (ArgumentException e)
                {
                    log.Line("config refused: " + e.Message); // a token for another channel or bearer key
                }
            }
            if (node == null)
            {
                // A configuration that may hold a key but cannot be used: never run half-configured,
                // above all never in clear when a key was meant. Say so until someone fixes it.
                while (true)
                {
                    Thread.Sleep(60000);
                    log.Line("node not started: fix " + NodeConfig.DevicePath + " and the files it names (tools/flash --site/--node/--key-file/--signer/--bearer-key/--token) and reset the board");
                }
            }

            if (settings.SntpServer != null) SntpServers.Use(settings.SntpServer, log);
            node.Heap = new NativeHeap(); // free heap on each "network back" line: a leak per Wi-Fi drop shows
            while (true)
            {
                try
                {
                    node.Run();
                }
                catch (Exception e)
                {
                    // Anything the node does not handle itself: log it, drop the socket, go on.
                    log.Line("node stopped: " + e.GetType().Name + ": " + e.Message + "; restarting in 5 s");
                    node.GoOffline();
                    Thread.Sleep(5000);
                }
            }
        }
    }
}
