using System;
using System.Globalization;
using System.Threading;
using Librecast;
using Librecast.Sockets;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// sensornode: the ESP32 node's logic on Linux (the firmware's host twin). Publishes SenML
    /// readings of a simulated BME280 to SITE/NODE/telemetry and obeys commands on SITE/NODE/cmd.
    /// </summary>
    public static class Program
    {
        private const string Usage =
            "usage: sensornode --interface IF --site SITE --node NODE [--interval SECONDS] [--count N] [--ipv4] [--seed N]\n" +
            "       sensornode --groups --site SITE --node NODE   (print the node's channels and their IPv6 and IPv4 groups)\n" +
            "Runs the firmware's sensor node with a simulated BME280: a SenML reading every interval (default 10 s)\n" +
            "to SITE/NODE/telemetry, commands (interval SECONDS | identify [SECONDS] | publish) on SITE/NODE/cmd.\n" +
            "--count: stop after N readings. --ipv4: the 239/8 IPv4 mapping (as on standard ESP32 firmware) instead\n" +
            "of librecast's IPv6 groups.";

        /// <summary>Entry point; exit codes: 0 ok, 1 network failure, 2 bad arguments, 130 interrupted.</summary>
        public static int Main(string[] args)
        {
            var settings = new NodeSettings();
            string? iface = null;
            int count = 0, seed = 0;
            bool groups = false;
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                    int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
                        ? n : throw new FormatException($"{args[i - 1]} needs a whole number, not '{args[i]}'");
                    switch (args[i])
                    {
                        case "--interface": iface = Value(); break;
                        case "--site": settings.Site = Value(); break;
                        case "--node": settings.Node = Value(); break;
                        case "--interval": settings.IntervalSeconds = Number(); break;
                        case "--count": count = Number(); break;
                        case "--seed": seed = Number(); break;
                        case "--ipv4": settings.Ipv6 = false; break;
                        case "--groups": groups = true; break;
                        case "-h" or "--help": Console.WriteLine(Usage); return 0;
                        default: throw new FormatException($"unknown argument '{args[i]}'");
                    }
                }
                if (!Array.Exists(args, a => a == "--ipv4")) settings.Ipv6 = true;
                if (!Array.Exists(args, a => a == "--site") || !Array.Exists(args, a => a == "--node"))
                    throw new FormatException("--site and --node are required");
                settings.Validate();
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                Console.Error.WriteLine($"sensornode: {e.Message} (see sensornode --help)");
                return 2;
            }

            if (groups)
            {
                foreach (string channel in new[] { settings.TelemetryChannel, settings.CommandChannel })
                    Console.WriteLine($"{channel} ipv6 {GroupAddress.Format(GroupAddress.FromName(channel), 0)} ipv4 {Ipv4Group.Format(Ipv4Group.FromName(channel), 0)} port {GroupAddress.DefaultPort}");
                return 0;
            }

            var log = new ConsoleLog("sensornode");
            try
            {
                settings.InterfaceIndex = Interfaces.Resolve(iface);
                using var context = new Context(SocketsPlatform.Instance);
                var node = new SensorNode(context, settings, new SimulatedBme280(seed == 0 ? settings.Node.GetHashCode() : seed), log, log);
                bool interrupted = false;
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted = true; node.Stop(); };
                node.Start();
                if (count > 0)
                {
                    while (node.Published < count && !interrupted) node.Step(1000);
                }
                else node.Run();
                if (node.SensorFailures + node.SendFailures > 0)
                    log.Line($"{node.SensorFailures} sensor and {node.SendFailures} send failures");
                return interrupted ? 130 : 0;
            }
            catch (LibrecastException e)
            {
                Console.Error.WriteLine($"sensornode: {e.Message}");
                return 1;
            }
        }
    }
}
