using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace Librecast.Tests.Support;

/// <summary>A running peer process whose stdout lines are collected as they arrive.</summary>
public sealed class PeerProcess : IDisposable
{
    private readonly Process process;
    private readonly BlockingCollection<string> lines = new();
    private readonly StringBuilder stderr = new();

    public PeerProcess(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        CommandLine = file + " " + args;
    }

    public string CommandLine { get; }

    public string Stderr { get { lock (stderr) return stderr.ToString(); } }

    /// <summary>Waits for the next stdout line; throws with the peer's stderr if none comes in time.</summary>
    public string NextLine(int timeoutMs = 10_000)
    {
        if (lines.TryTake(out string? line, timeoutMs)) return line;
        throw new TimeoutException($"no output from '{CommandLine}' within {timeoutMs} ms; stderr: {Stderr}");
    }

    /// <summary>Waits for exit and returns the exit code.</summary>
    public int WaitForExit(int timeoutMs = 20_000)
    {
        if (!process.WaitForExit(timeoutMs))
            throw new TimeoutException($"'{CommandLine}' still running after {timeoutMs} ms; stderr: {Stderr}");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>The stdout lines not yet taken.</summary>
    public List<string> RemainingLines()
    {
        var rest = new List<string>();
        while (lines.TryTake(out string? l)) rest.Add(l);
        return rest;
    }

    public void Dispose()
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
