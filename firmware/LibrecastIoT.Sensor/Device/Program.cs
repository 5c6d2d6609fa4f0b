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

        /// <summary>Entry point: runs the node; anything that escapes it is logged and the node starts again.</summary>
        public static void Main()
        {
            INodeLog log = new SerialLog();
            while (true)
            {
                try
                {
                    Run(log);
                }
                catch (Exception e)
                {
                    log.Line("node failed: " + e.GetType().Name + ": " + e.Message + "; starting again in 10 s");
                    Thread.Sleep(10000);
                }
            }
        }

        private static void Run(INodeLog log)
        {
            NodeSettings settings = Board.Create();
            log.Line("LibrecastIoT sensor node, board " + Board.Name + " (firmware " + Board.NanoffTarget + "), " +
                     (settings.Ipv6 ? "IPv6" : "IPv4 (239/8 mapping)"));

            NanoPlatform platform = new NanoPlatform(settings.Ipv6, settings.InterfaceIndex);
            // The link counts as up once Wi-Fi has an address (the radio is on, so esp_random is
            // truly random for the nonces); the clock is not waited for: the node publishes without
            // it and takes the time from SNTP or the gateway's beacon when one answers (NodeClock).
            WifiLink link = new WifiLink(log, platform);
            log.Line("waiting for the network: " + link.Describe());
            while (!link.WaitUp(NetworkWaitMs)) log.Line("waiting for the network: " + link.Describe());
            log.Line("network up: " + link.Describe());

            Configuration.SetPinFunction(settings.SdaPin, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(settings.SclPin, DeviceFunction.I2C1_CLOCK);
            ISensorSource sensors = new Bme280Source(settings.I2cBus, settings.SensorAddress);
            IIndicator indicator = new GpioIndicator(settings.LedPin, log);

            byte[]? mac = WifiLink.StationMac();
            if (mac != null) settings.Node = NodeSettings.NameFromMac(mac);
            if (!LoadConfig(settings, log))
            {
                // A configuration that may hold a key but cannot be used: never run half-configured,
                // above all never in clear when a key was meant. Say so until someone fixes it.
                while (true)
                {
                    Thread.Sleep(60000);
                    log.Line("node not started: fix " + NodeConfig.DevicePath + " (tools/flash --site/--node/--key-file) and reset the board");
                }
            }

            Context context = new Context(new NodeClock(platform));
            SensorNode node = new SensorNode(context, settings, sensors, indicator, log, link);
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

        // Applies I:\librecast.conf if there is one; false if it cannot be read or is refused.
        private static bool LoadConfig(NodeSettings settings, INodeLog log)
        {
            byte[]? text;
            try
            {
                text = DeviceStorage.Read(NodeConfig.DevicePath);
            }
            catch (Exception e)
            {
                // Unreadable is not absent: a key may be stored there, so never fall back to clear.
                log.Line("config: cannot read " + NodeConfig.DevicePath + " (" + e.GetType().Name + ": " + e.Message +
                         "); not starting, since a channel key may be stored there");
                return false;
            }
            if (text == null)
            {
                log.Line("config: no " + NodeConfig.DevicePath + "; using the defaults: site " + settings.Site + ", node " + settings.Node + ", no key (in clear)");
                return true;
            }
            try
            {
                NodeConfig.Apply(text, text.Length, settings);
            }
            catch (ArgumentException e)
            {
                log.Line("config refused: " + e.Message);
                return false;
            }
            log.Line("config: site " + settings.Site + ", node " + settings.Node + ", interval " + settings.IntervalSeconds + " s, " +
                     (settings.Key != null ? "channel key set (encrypted)" : "no key (in clear)"));
            return true;
        }
    }
}
