using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Librecast.Tests.Support;

/// <summary>
/// A long-running process under test (lcgw, mosquitto, mosquitto_sub): stdout lines queued as
/// they arrive, stderr kept, and signals sent by pid so a clean SIGTERM shutdown can be tested.
/// Killed (whole tree) on dispose if still running. Also the base of <see cref="PeerProcess"/>.
/// </summary>
public class DaemonProcess : IDisposable
{
    private readonly Process process;
    private readonly BlockingCollection<string> lines = new();
    private readonly StringBuilder stderr = new();

    public DaemonProcess(string file, IEnumerable<string> args) : this(Info(file, null, args))
    {
    }

    /// <summary>Starts <paramref name="file"/> with extra environment variables.</summary>
    public DaemonProcess(string file, IEnumerable<string> args, IDictionary<string, string> environment) : this(WithEnvironment(Info(file, null, args), environment))
    {
    }

    private static ProcessStartInfo WithEnvironment(ProcessStartInfo psi, IDictionary<string, string> environment)
    {
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Starts <paramref name="file"/> with a whole command-line string of arguments.</summary>
    public DaemonProcess(string file, string arguments) : this(Info(file, arguments, []))
    {
    }

    private static ProcessStartInfo Info(string file, string? arguments, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (arguments != null) psi.Arguments = arguments;
        foreach (string a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private DaemonProcess(ProcessStartInfo psi)
    {
        string file = psi.FileName;
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        CommandLine = file + " " + (psi.ArgumentList.Count > 0 ? string.Join(' ', psi.ArgumentList) : psi.Arguments);
    }

    public string CommandLine { get; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public string Stderr { get { lock (stderr) return stderr.ToString(); } }

    /// <summary>Waits for the next stdout line; throws with the process's stderr if none comes in time.</summary>
    public string NextLine(int timeoutMs = 10_000)
    {
        if (lines.TryTake(out string? line, timeoutMs)) return line;
        throw new TimeoutException($"no output from '{CommandLine}' within {timeoutMs} ms; stderr: {Stderr}");
    }

    /// <summary>Waits for a stdout line that satisfies <paramref name="match"/>; lines before it are returned too.</summary>
    public List<string> WaitForLine(Func<string, bool> match, int timeoutMs = 15_000)
    {
        var seen = new List<string>();
        DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            int left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
            if (left <= 0 || !lines.TryTake(out string? line, left))
                throw new TimeoutException($"'{CommandLine}': no matching stdout line within {timeoutMs} ms; got {seen.Count} lines:\n" +
                                           string.Join("\n", seen) + "\nstderr:\n" + Stderr);
            seen.Add(line);
            if (match(line)) return seen;
        }
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>.</summary>
    public void WaitForStderr(string text, int timeoutMs = 15_000)
    {
        DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited) throw new InvalidOperationException($"'{CommandLine}' exited ({process.ExitCode}) before printing '{text}'; stderr:\n{Stderr}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{CommandLine}' did not print '{text}' within {timeoutMs} ms; stderr:\n{Stderr}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Sends SIGTERM (kill -TERM pid).</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Sends a signal by name (kill -NAME pid): HUP, KILL...</summary>
    public void Signal(string name)
    {
        // A child started with INT or QUIT ignored (inherited: a background command of a shell
        // without job control) cannot be interrupted, and the test would wait out its timeout.
        if ((name == "INT" || name == "QUIT") && InheritedIgnore(name == "INT" ? 2 : 3))
            throw new InvalidOperationException($"SIG{name} is ignored in the test process (inherited from a shell that started it in the background without job control), so '{CommandLine}' would ignore it too: run the suite through tests/run, which resets it");
        using var kill = Process.Start("kill", ["-" + name, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    // True when this process ignores signal number (its children inherit that): /proc/self/status's SigIgn mask.
    private static bool InheritedIgnore(int number)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return (Convert.ToUInt64(line.Substring(7).Trim(), 16) & (1UL << (number - 1))) != 0;
        return false;
    }

    /// <summary>Lines of stdout that arrived so far, without waiting.</summary>
    public int PendingLines => lines.Count;

    public int WaitForExit(int timeoutMs = 20_000)
    {
        if (!process.WaitForExit(timeoutMs))
            throw new TimeoutException($"'{CommandLine}' still running after {timeoutMs} ms; stderr:\n{Stderr}");
        process.WaitForExit(); // drains the output readers
        return process.ExitCode;
    }

    public List<string> RemainingLines()
    {
        var rest = new List<string>();
        while (lines.TryTake(out string? l)) rest.Add(l);
        return rest;
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public void WaitForTcp(int port, int timeoutMs = 10_000)
    {
        DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                if (process.HasExited) throw new InvalidOperationException($"'{CommandLine}' exited ({process.ExitCode}); stderr:\n{Stderr}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"nothing listens on 127.0.0.1:{port} after {timeoutMs} ms ('{CommandLine}'); stderr:\n{Stderr}");
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        process.Dispose();
        GC.SuppressFinalize(this);
    }
}
