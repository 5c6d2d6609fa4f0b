using System;
using System.Threading;
using Librecast;
using Librecast.Nano;
using nanoFramework.Hardware.Esp32;
using nanoFramework.Networking;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The ESP32 sensor node: joins Wi-Fi with the credentials stored on the device
    /// (<c>tools/flash --ssid ... --password ...</c> puts them there with nanoff; never in code),
    /// sets up the I2C pins of the chosen board, then runs <see cref="SensorNode"/> for ever.
    /// </summary>
    public static class Program
    {
        /// <summary>How long to wait for Wi-Fi, an address and the time (SNTP) before retrying.</summary>
        public const int NetworkTimeoutMs = 60000;

        /// <summary>Entry point.</summary>
        public static void Main()
        {
            INodeLog log = new DebugLog();
            NodeSettings settings = Board.Create();
            log.Line("LibrecastIoT sensor node, board " + Board.Name + ", " + (settings.Ipv6 ? "IPv6" : "IPv4 (239/8 mapping)"));

            // The requiresDateTime wait makes SenML base times real: SNTP sets the clock once online.
            while (true)
            {
                CancellationTokenSource timeout = new CancellationTokenSource(NetworkTimeoutMs);
                if (WifiNetworkHelper.Reconnect(true, 0, timeout.Token)) break;
                log.Line("Wi-Fi not ready (" + WifiNetworkHelper.Status + "); stored credentials missing? " +
                         "Run tools/flash with --ssid and --password. Retrying.");
                Thread.Sleep(5000);
            }

            Configuration.SetPinFunction(settings.SdaPin, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(settings.SclPin, DeviceFunction.I2C1_CLOCK);
            Bme280Sensor sensor = new Bme280Sensor(settings.I2cBus, settings.SensorAddress);
            IIndicator indicator = new GpioIndicator(settings.LedPin, log);

            Context context = new Context(new NanoPlatform(settings.Ipv6, settings.InterfaceIndex));
            SensorNode node = new SensorNode(context, settings, sensor, indicator, log);
            while (true)
            {
                try
                {
                    node.Run();
                }
                catch (Exception e)
                {
                    // Start() could not join (Wi-Fi dropped between connect and join): try again.
                    log.Line("node stopped: " + e.Message + "; restarting in 5 s");
                    Thread.Sleep(5000);
                }
            }
        }
    }
}
