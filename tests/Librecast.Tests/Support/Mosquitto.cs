using System;
using System.IO;

namespace Librecast.Tests.Support;

/// <summary>
/// A real Debian mosquitto broker on 127.0.0.1 and a free port, for the MQTT bridge tests.
/// Missing mosquitto fails with the install command: a broken set-up, never a skip.
/// </summary>
public sealed class Mosquitto : IDisposable
{
    private readonly string dir;

    public Mosquitto(int port = 0)
    {
        Broker = Require("/usr/sbin/mosquitto");
        Require("/usr/bin/mosquitto_sub");
        dir = Directory.CreateTempSubdirectory("lcgw-mosquitto-").FullName;
        Port = port != 0 ? port : DaemonProcess.FreeTcpPort();
        string conf = Path.Combine(dir, "mosquitto.conf");
        File.WriteAllText(conf, $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n");
        Process = new DaemonProcess(Broker, ["-c", conf]);
        Process.WaitForTcp(Port);
    }

    public string Broker { get; }

    public int Port { get; }

    public DaemonProcess Process { get; }

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException(
            path + " not found: install the broker the MQTT tests use: apt-get install -y mosquitto mosquitto-clients (tools/setup does it)");

    /// <summary>
    /// Starts mosquitto_sub on <paramref name="topic"/>, printing "topic payload" lines (and, with
    /// -d, debug lines, which tell when it has subscribed); returns once subscribed.
    /// </summary>
    public DaemonProcess Subscribe(string topic, int count, int timeoutSeconds)
    {
        // stdbuf: mosquitto_sub writes through stdio, block-buffered into a pipe; lines must arrive as they happen.
        var sub = new DaemonProcess("stdbuf",
            ["-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-v", "-d",
             "-C", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-W", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        sub.WaitForLine(l => l.Contains("SUBACK", StringComparison.Ordinal));
        return sub;
    }

    public void Dispose()
    {
        Process.Dispose();
        try { Directory.Delete(dir, true); }
        catch (IOException) { }
    }
}
