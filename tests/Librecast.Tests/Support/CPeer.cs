using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;

namespace Librecast.Tests.Support;

/// <summary>
/// Builds the C reference peers in tests/peers/ against the installed librecast 0.5.1 (and liblcrq
/// 0.0.1), or against the real 0.9.1 or 0.11.2 in the private prefixes tests/peers/fetch-librecast
/// makes (/var/lib/librecast-iot/librecast-0.9.1, -0.11.2; LIBRECAST_PREFIXES overrides the parent).
/// </summary>
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

    /// <summary>Compiles peers/NAME.c against the system's librecast 0.5.1 (once per run) and returns the path of the executable.</summary>
    public static string Build(string name) => Build(name, WireProfile.V0_5);

    /// <summary>
    /// Compiles peers/NAME.c (once per run) against the real librecast release of <paramref name="wire"/>:
    /// 0.5 the system's 0.5.1, 0.9 the prefix's 0.9.1 (with liblcrq 0.2.3, the system's libsodium),
    /// 0.11 the prefix's 0.11.2 (liblcrq 0.4.1, libsodium 26). The peer sees LCPEER_LIBRECAST = 5, 9 or 11.
    /// </summary>
    public static string Build(string name, WireProfile wire)
    {
        return Built.GetOrAdd(name + "-" + wire.Name, _ => new Lazy<string>(() => Compile(name, wire))).Value;
    }

    /// <summary>The private prefix (its usr/ inside) holding the real librecast of <paramref name="wire"/> 0.9 or 0.11.</summary>
    public static string Prefix(WireProfile wire)
    {
        string root = Environment.GetEnvironmentVariable("LIBRECAST_PREFIXES") is { Length: > 0 } r ? r : "/var/lib/librecast-iot";
        return Path.Combine(root, "librecast-" + wire.Release);
    }

    /// <summary>Which packages a peer built for <paramref name="wire"/> links (the prefix's VERSIONS, or the system's 0.5.1), for messages.</summary>
    public static string Library(WireProfile wire)
    {
        if (wire == WireProfile.V0_5) return "librecast 0.5.1 (system)";
        string versions = Path.Combine(Prefix(wire), "VERSIONS");
        return File.Exists(versions) ? File.ReadAllText(versions).Replace('\n', ' ').Trim() : "librecast " + wire.Release + " (no VERSIONS file)";
    }

    private static string Compile(string n, WireProfile wire)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "peers", n + ".c");
        if (!File.Exists(source))
            throw new FileNotFoundException("C peer source not copied to the test output", source);
        string outDir = Path.Combine(Path.GetTempPath(), "librecast-peers-" + Environment.ProcessId);
        Directory.CreateDirectory(outDir);
        string exe = Path.Combine(outDir, wire == WireProfile.V0_5 ? n : n + "-" + wire.Release);
        string partial = exe + ".partial";
        string flags = "-DLCPEER_LIBRECAST=5";
        string install = "apt-get install -y gcc liblibrecast-dev liblcrq-dev libsodium-dev";
        if (wire != WireProfile.V0_5)
        {
            string usr = Path.Combine(Prefix(wire), "usr");
            string lib = Path.Combine(usr, "lib", "x86_64-linux-gnu");
            // DT_RPATH (not RUNPATH) so liblibrecast's own liblcrq and libsodium come from the prefix too.
            flags = $"-DLCPEER_LIBRECAST={wire.Name.Substring(2)} -I{usr}/include -L{lib} -Wl,--disable-new-dtags,-rpath,{lib}";
            install = "tests/peers/fetch-librecast (run by tools/setup)";
            if (!File.Exists(Path.Combine(lib, "liblibrecast.so")))
                throw new InvalidOperationException($"librecast {wire.Release} is not in {Prefix(wire)}: run {install}");
        }
        var (code, _, err) = Run("cc", $"-O2 -Wall {flags} -o {partial} {source} -llibrecast -llcrq -lsodium", null, 60_000);
        if (code != 0)
            throw new InvalidOperationException(
                $"compiling {source} against librecast {wire.Release} failed (exit {code}). Install the reference library: " +
                $"{install}\n{err}");
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
