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

    /// <summary>Starts a broker; with <paramref name="user"/> it wants that login (a real mosquitto password file), else anyone may connect.</summary>
    public Mosquitto(int port = 0, (string Name, string Password)? user = null, string? tlsConf = null)
    {
        Broker = Require("/usr/sbin/mosquitto");
        Require("/usr/bin/mosquitto_sub");
        dir = Directory.CreateTempSubdirectory("lcgw-mosquitto-").FullName;
        Port = port != 0 ? port : DaemonProcess.FreeTcpPort();
        string conf = Path.Combine(dir, "mosquitto.conf");
        string auth = "allow_anonymous true\n";
        if (user is { } u)
        {
            User = u;
            string passwd = Path.Combine(dir, "passwd");
            var (code, _, err) = CPeer.Run(Require("/usr/bin/mosquitto_passwd"), $"-b -c {passwd} {u.Name} {u.Password}", null, 10_000);
            if (code != 0) throw new InvalidOperationException("mosquitto_passwd failed: " + err);
            // mosquitto 2 drops root and reads the file as its own user.
            CPeer.Run("chmod", $"0644 {passwd}", null, 5_000);
            CPeer.Run("chmod", $"0755 {dir}", null, 5_000);
            auth = $"allow_anonymous false\npassword_file {passwd}\n";
        }
        File.WriteAllText(conf, $"listener {Port} 127.0.0.1\n{auth}{tlsConf ?? ""}persistence false\nlog_dest stderr\nlog_type all\n");
        Process = new DaemonProcess(Broker, ["-c", conf]);
        Process.WaitForTcp(Port);
    }

    public string Broker { get; }

    /// <summary>The login the broker wants, if any.</summary>
    public (string Name, string Password)? User { get; }

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
        var args = new System.Collections.Generic.List<string>
        {
            "-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-v", "-d",
            "-C", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "-W", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (User is { } u) args.AddRange(["-u", u.Name, "-P", u.Password]);
        var sub = new DaemonProcess("stdbuf", args);
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
