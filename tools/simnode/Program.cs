using System;
using System.Globalization;
using System.Text;
using System.Threading;
using Librecast;
using Librecast.Sockets;

namespace Librecast.SimNode;

/// <summary>
/// A simulated sensor node: a temperature/humidity sensor drifting around a set point, published
/// as SenML JSON (RFC 8428) to the channel SITE/NODE/telemetry. Stands in for an ESP32 node in
/// the demo until the firmware's host twin replaces it.
/// </summary>
public static class Program
{
    private const string Usage =
        "usage: simnode --interface IF --site SITE --node NODE [--interval SECONDS] [--count N] [--seed N]\n" +
        "Publishes a simulated temperature/humidity reading every interval (default 1 s) to SITE/NODE/telemetry,\n" +
        "COUNT times (default: until stopped). Payload: SenML JSON.";

    public static int Main(string[] args)
    {
        string? iface = null, site = null, node = null;
        double interval = 1;
        int count = int.MaxValue, seed = 0;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--interface": iface = Value(); break;
                    case "--site": site = Value(); break;
                    case "--node": node = Value(); break;
                    case "--interval": interval = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--count": count = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new FormatException($"unknown argument '{args[i]}'");
                }
            }
            if (site == null || node == null) throw new FormatException("--site and --node are required");
            if (interval <= 0 || count <= 0) throw new FormatException("--interval and --count must be positive");
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"simnode: {e.Message}\n{Usage}");
            return 2;
        }

        try
        {
            using var ctx = new Context(SocketsPlatform.Instance);
            Socket socket = ctx.CreateSocket();
            socket.Bind(Interfaces.Resolve(iface));
            Channel channel = ctx.CreateChannel($"{site}/{node}/telemetry");
            socket.Bind(channel);
            Console.Error.WriteLine($"simnode {node}: publishing to {channel}");

            var random = new Random(seed == 0 ? node.GetHashCode() : seed);
            double temperature = 19 + random.NextDouble() * 4, humidity = 40 + random.NextDouble() * 10;
            for (int n = 0; n < count; n++)
            {
                temperature += (random.NextDouble() - 0.5) * 0.2;
                humidity += (random.NextDouble() - 0.5) * 0.5;
                double t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                string senml = string.Create(CultureInfo.InvariantCulture,
                    $"[{{\"bn\":\"urn:dev:lc:{site}:{node}:\",\"bt\":{t:F3},\"n\":\"temperature\",\"u\":\"Cel\",\"v\":{temperature:F2}}},{{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":{humidity:F1}}}]");
                byte[] payload = Encoding.UTF8.GetBytes(senml);
                channel.SendMessage(payload, 0, payload.Length);
                if (n + 1 < count) Thread.Sleep(TimeSpan.FromSeconds(interval));
            }
            return 0;
        }
        catch (LibrecastException e)
        {
            Console.Error.WriteLine($"simnode: {e.Message}");
            return 1;
        }
    }
}
