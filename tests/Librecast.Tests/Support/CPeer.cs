using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;

namespace Librecast.Tests.Support;

/// <summary>Builds the C reference peers in tests/peers/ against the installed librecast 0.5.1 (and liblcrq 0.0.1).</summary>
/// <remarks>
/// Interop tests must talk to the real C library, never to our own encoder, so the peer is
/// compiled during the test run. A missing compiler or library fails the test with the install
/// command to run: that is a broken set-up, not a reason to skip.
/// </remarks>
public static class CPeer
{
    // Lazy per peer: GetOrAdd alone may run the factory twice at once, and one test would then
    // execute a binary the other compile is still writing.
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new();

    /// <summary>Compiles peers/NAME.c (once per run) and returns the path of the executable.</summary>
    public static string Build(string name)
    {
        return Built.GetOrAdd(name, static n => new Lazy<string>(() => Compile(n))).Value;
    }

    private static string Compile(string n)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "peers", n + ".c");
        if (!File.Exists(source))
            throw new FileNotFoundException("C peer source not copied to the test output", source);
        string outDir = Path.Combine(Path.GetTempPath(), "librecast-peers-" + Environment.ProcessId);
        Directory.CreateDirectory(outDir);
        string exe = Path.Combine(outDir, n);
        string partial = exe + ".partial";
        var (code, _, err) = Run("cc", $"-O2 -Wall -o {partial} {source} -llibrecast -llcrq -lsodium", null, 60_000);
        if (code != 0)
            throw new InvalidOperationException(
                $"compiling {source} failed (exit {code}). Install the reference library: " +
                $"apt-get install -y gcc liblibrecast-dev liblcrq-dev libsodium-dev\n{err}");
        File.Move(partial, exe, overwrite: true); // appears whole, never half-written
        return exe;
    }

    /// <summary>Parses a peer's output line of key=value fields.</summary>
    public static System.Collections.Generic.Dictionary<string, string> Fields(string line)
    {
        var d = new System.Collections.Generic.Dictionary<string, string>();
        foreach (string part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0) d[part[..eq]] = part[(eq + 1)..];
        }
        return d;
    }

    /// <summary>Runs a program to completion, feeding stdin, and returns exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(string file, string args, string? stdin, int timeoutMs)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args} did not finish within {timeoutMs} ms");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
