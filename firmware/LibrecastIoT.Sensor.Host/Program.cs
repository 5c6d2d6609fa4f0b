using System;
using System.Globalization;
using System.IO;
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
            "usage: sensornode --interface IF [--site SITE] [--node NODE | --mac MAC] [--config FILE] [--interval SECONDS]\n" +
            "                  [--count N] [--ipv4] [--wire 0.5|0.9|0.11] [--seed N] [--sensor-missing N] [--clock host|unset]\n" +
            "                  [--hop-limit N] [--loopback on|off]\n" +
            "       sensornode --groups --site SITE --node NODE [--wire W]   (print the node's channels and their IPv6 and IPv4 groups)\n" +
            "Runs the firmware's sensor node with a simulated BME280: a SenML reading every interval (default 10 s)\n" +
            "to SITE/NODE/telemetry, commands (interval SECONDS | identify [SECONDS] | publish) on SITE/NODE/cmd.\n" +
            "--config: the device's configuration file (firmware/README.md: site, node, interval, key, wire, nack, sntp,\n" +
            "hop_limit, loopback, signer, bearer_key, token), read as the ESP32 reads I:\\librecast.conf; bearer_key and token\n" +
            "name files beside it (the bearer key owner-only, 32 bytes; the token 128 bytes): readings are then signed, and with\n" +
            "signer the node obeys only commands and takes only time beacons that carry the site signer's token; --mac: the\n" +
            "device's MAC address, which names the node (esp-XXXXXXXXXXXX) when neither --node nor the file does.\n" +
            "--count: stop after N packs. --ipv4: the 239/8 IPv4 mapping (as on\n" +
            "standard ESP32 firmware) instead of librecast's IPv6 groups. --sensor-missing N: the first N attempts to\n" +
            "open the sensor fail as an absent BME280 does (-1: it never appears). The node follows IF's state: down\n" +
            "closes its socket, up joins again (the ESP32's Wi-Fi lost and back). --wire: the librecast release whose\n" +
            "IPv6 groups to use (0.11, the default; 0.9; 0.5 for librecast 0.5.1), as the file's 'wire' line; the option wins.\n" +
            "--clock unset: start as a board after power-on, without a trusted time and without SNTP: readings go out at\n" +
            "once without a SenML base time, until lcgw's time beacon on SITE/time (sealed with the key on a keyed node)\n" +
            "gives the site's time, or the file's 'sntp SERVER' answers (asked every 15 s until it does); host (the default):\n" +
            "the host's clock.\n" +
            "--hop-limit N: the multicast hop limit of what it sends (1..255, default 255; 1 stays on IF's link), as the\n" +
            "file's 'hop_limit' line; --loopback on: this host's own sockets hear it too (default off), as 'loopback'.\n" +
            "Either option wins over the file.";

        /// <summary>Entry point; exit codes: 0 ok, 1 network failure, 2 bad arguments, 130 interrupted.</summary>
        public static int Main(string[] args)
        {
            var settings = new NodeSettings();
            string? iface = null, config = null, mac = null, provisioned = null;
            WireProfile? wire = null;
            int count = 0, seed = 0, missing = 0, hopLimit = 0;
            bool? loopback = null;
            bool groups = false, nodeGiven = false, siteGiven = false, clockUnset = false;
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
                        case "--site": settings.Site = Value(); siteGiven = true; break;
                        case "--node": settings.Node = Value(); nodeGiven = true; break;
                        case "--mac": mac = Value(); break;
                        case "--config": config = Value(); break;
                        case "--sensor-missing":
                            string m = Value();
                            missing = m == "-1" ? -1 : int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out int k)
                                ? k : throw new FormatException($"--sensor-missing needs a whole number or -1, not '{m}'");
                            break;
                        case "--interval": settings.IntervalSeconds = Number(); break;
                        case "--count": count = Number(); break;
                        case "--seed": seed = Number(); break;
                        case "--ipv4": settings.Ipv6 = false; break;
                        case "--wire":
                            string w = Value();
                            wire = WireProfile.Parse(w) ?? throw new FormatException($"--wire must be {WireProfile.Names}, not '{w}'");
                            break;
                        case "--hop-limit":
                            hopLimit = Number();
                            if (hopLimit < 1 || hopLimit > NodeSettings.MaxHopLimit) throw new FormatException($"--hop-limit must be 1..{NodeSettings.MaxHopLimit}, not {hopLimit}");
                            break;
                        case "--loopback":
                            string lo = Value();
                            loopback = lo == "on" ? true : lo == "off" ? false : throw new FormatException($"--loopback must be on or off, not '{lo}'");
                            break;
                        case "--groups": groups = true; break;
                        case "--clock":
                            string c = Value();
                            clockUnset = c == "unset" ? true : c == "host" ? false : throw new FormatException($"--clock must be host or unset, not '{c}'");
                            break;
                        case "-h" or "--help": Console.WriteLine(Usage); return 0;
                        default: throw new FormatException($"unknown argument '{args[i]}'");
                    }
                }
                if (!Array.Exists(args, a => a == "--ipv4")) settings.Ipv6 = true;
                // As on the device: the name from the MAC first, then the stored file, then the command line.
                if (mac != null && !nodeGiven) settings.Node = NodeSettings.NameFromMac(ParseMac(mac));
                string site = settings.Site, node = settings.Node;
                if (config != null)
                {
                    byte[] text;
                    try { text = File.ReadAllBytes(config); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new FormatException($"cannot read --config {config}: {e.Message}");
                    }
                    NodeConfig.Apply(text, text.Length, settings);
                    if (siteGiven) settings.Site = site;
                    if (nodeGiven) settings.Node = node;
                }
                if (wire != null) settings.Wire = wire;
                if (hopLimit != 0) settings.HopLimit = hopLimit;
                if (loopback != null) settings.Loopback = loopback.Value;
                if (config != null && settings.BearerKeyFile != null)
                {
                    var refused = new LastLine();
                    string where = Path.GetDirectoryName(Path.GetFullPath(config)) ?? ".";
                    if (!NodeBoot.LoadProvisioned(new HostFiles(where), settings, refused))
                        throw new FormatException(refused.Text);
                    provisioned = refused.Text; // said once the node starts
                }
                bool named = nodeGiven || mac != null || (config != null && settings.Node != "node1");
                if (!named) throw new FormatException("--node, --mac or a --config with a node line is required");
                if (groups && !nodeGiven) throw new FormatException("--groups needs --site and --node");
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
                    Console.WriteLine($"{channel} ipv6 {GroupAddress.Format(GroupAddress.FromName(channel, settings.Wire), 0)} ipv4 {Ipv4Group.Format(Ipv4Group.FromName(channel), 0)} port {GroupAddress.DefaultPort}");
                return 0;
            }

            var log = new ConsoleLog("sensornode");
            try
            {
                settings.InterfaceIndex = Interfaces.Resolve(iface);
                IPlatform platform = clockUnset ? new UnsetClockPlatform(SocketsPlatform.Instance) : SocketsPlatform.Instance;
                var nodeClock = new NodeClock(platform);
                using var context = new Context(nodeClock);
                using var stopSntp = new CancellationTokenSource();
                if (settings.SntpServer != null)
                {
                    // As the board: its SNTP client asks the configured server; the host's clock needs none.
                    if (clockUnset) HostSntp.Start(settings.SntpServer, nodeClock, log, stopSntp.Token);
                    else log.Line($"sntp: server {settings.SntpServer} not asked: --clock host keeps the host's clock");
                }
                var sensors = new SimulatedBme280Source(seed == 0 ? SimulatedBme280Source.SeedFor(settings.Node) : seed) { MissingOpens = missing };
                INetworkLink link = iface != null ? new InterfaceLink(iface) : new AlwaysUpLink();
                SensorNode node;
                try { node = new SensorNode(context, settings, sensors, log, log, link); }
                catch (ArgumentException e)
                {
                    Console.Error.WriteLine($"sensornode: config refused: {e.Message}");
                    return 2;
                }
                if (provisioned != null) log.Line(provisioned);
                bool interrupted = false;
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted = true; node.Stop(); };
                node.Start();
                if (count > 0)
                {
                    while (node.Published < count && !interrupted) node.RunOnce(1000);
                    node.GoOffline();
                }
                else node.Run();
                if (node.SensorErrors + node.SendFailures > 0)
                    log.Line($"{node.SensorErrors} sensor errors ({node.SensorOpenFailures} failed opens, {node.SensorFailures} failed reads, {node.InvalidValues} invalid values) and {node.SendFailures} send failures");
                stopSntp.Cancel();
                return interrupted ? 130 : 0;
            }
            catch (LibrecastException e)
            {
                Console.Error.WriteLine($"sensornode: {e.Message}");
                return 1;
            }
        }

        // Keeps the last line logged (NodeBoot's refusal), for one line on stderr.
        private sealed class LastLine : INodeLog
        {
            public string Text = "";
            public void Line(string text) => Text = text;
        }

        private static byte[] ParseMac(string text)
        {
            string[] parts = text.Split(':', '-');
            var mac = new byte[6];
            if (parts.Length != 6) throw new FormatException($"--mac needs six hex bytes like 24:6f:28:a1:b2:c3, not '{text}'");
            for (int i = 0; i < 6; i++)
                if (!byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mac[i]) || parts[i].Length != 2)
                    throw new FormatException($"--mac needs six hex bytes like 24:6f:28:a1:b2:c3, not '{text}'");
            return mac;
        }
    }
}
