using System;
using System.IO;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's <c>config share</c> against the real receiver: lcgw (its own process) shares a directory
/// on lc0, <c>lc fetch</c> receives on lc1 and the bytes must match. Files added while it runs are
/// picked up (by the periodic rescan, and with <c>rescan '0'</c> by SIGHUP), a file written slowly
/// in place is served only once complete, hostile entries (symlink, FIFO, empty, bad names, too
/// large) are each logged and counted, /metrics passes promtool; with a key file only a receiver
/// with the key gets anything.
/// </summary>
[Collection(NetworkCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class GatewayShareTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lcgw-share-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Metrics(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken).GetAwaiter().GetResult();
    }

    private static double Metric(string text, string series)
    {
        Match m = Regex.Match(text, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(m.Success, series + " missing from /metrics:\n" + text);
        return double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Random(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    // An old modification time: lcgw serves it at its next scan instead of waiting for it to settle.
    private static void Put(string path, byte[] data)
    {
        File.WriteAllBytes(path, data);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-10));
    }

    private (int Code, string Err) Fetch(string outDir, int count, string channel, string extra = "", int timeoutSeconds = 60)
    {
        Directory.CreateDirectory(outDir);
        var (code, _, err) = Lc.Run($"fetch -i {Netns.RecvIf} --output {outDir} -n {count} -t {timeoutSeconds} {extra} {channel}", (timeoutSeconds + 30) * 1000);
        return (code, err);
    }

    [Fact]
    public void Shares_A_Directory_With_Lc_Fetch_Picks_Up_New_Files_And_Skips_Hostile_Ones()
    {
        Netns.Require();
        Assert.True(File.Exists("/usr/bin/promtool"), "promtool not found: apt-get install -y prometheus (tools/setup does it)");
        string files = Path.Combine(dir, "images");
        Directory.CreateDirectory(files);
        byte[] image = Random(400_000, 1), notes = "interval=10\n"u8.ToArray();
        Put(Path.Combine(files, "image.bin"), image);
        Put(Path.Combine(files, "notes.txt"), notes);
        // What must not be shared, each logged once and counted:
        File.CreateSymbolicLink(Path.Combine(files, "passwd"), "/etc/passwd");
        Put(Path.Combine(files, "empty.bin"), []);
        var (fifo, _, fifoErr) = CPeer.Run("mkfifo", Path.Combine(files, "pipe"), null, 10_000);
        Assert.True(fifo == 0, fifoErr);
        Put(Path.Combine(files, new string('n', 201)), notes);
        Put(Path.Combine(files, "caf\u00e9.txt"), notes);
        Put(Path.Combine(files, "huge.bin"), new byte[1_200_000]);
        // ...and what is not shared by design: hidden files (temporaries) and subdirectories.
        Put(Path.Combine(files, ".partial"), notes);
        Directory.CreateDirectory(Path.Combine(files, "sub"));

        string channel = "fleet/images/" + Guid.NewGuid().ToString("N");
        int metricsPort = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface '{Netns.SendIf}'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config share
            	option directory '{files}'
            	option channel '{channel}'
            	option rate 40
            	option rescan 0.5
            	option max_bytes 1000000
            """, out _);
        gw.WaitForStderr("msg=\"sharing file\" file=notes.txt");

        var (code, err) = Fetch(Path.Combine(dir, "out1"), 2, channel);
        Assert.True(code == 0, "lc fetch: " + err + "\nlcgw:\n" + gw.Stderr);
        Assert.Equal(image, File.ReadAllBytes(Path.Combine(dir, "out1", "image.bin")));
        Assert.Equal(notes, File.ReadAllBytes(Path.Combine(dir, "out1", "notes.txt")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "out1")).Length);

        // A file written in place, slowly: never served before it is whole.
        byte[] late = Random(256 * 1024, 2);
        using (var w = new FileStream(Path.Combine(files, "late.bin"), FileMode.CreateNew))
            for (int i = 0; i < 8; i++)
            {
                w.Write(late, i * 32 * 1024, 32 * 1024);
                w.Flush();
                Thread.Sleep(300);
            }
        gw.WaitForStderr("msg=\"sharing file\" file=late.bin", 20_000);
        (code, err) = Fetch(Path.Combine(dir, "out2"), 3, channel);
        Assert.True(code == 0, "lc fetch: " + err + "\nlcgw:\n" + gw.Stderr);
        Assert.Equal(late, File.ReadAllBytes(Path.Combine(dir, "out2", "late.bin")));
        Assert.Equal(image, File.ReadAllBytes(Path.Combine(dir, "out2", "image.bin")));
        Assert.Single(Regex.Matches(gw.Stderr, "msg=\"sharing file\" file=late.bin bytes=262144 "));
        Assert.DoesNotMatch("msg=\"sharing file\" file=late.bin bytes=(?!262144 )", gw.Stderr);

        string text = Metrics(metricsPort);
        Assert.Equal(3, Metric(text, "lcgw_share_files"));
        Assert.Equal(400_000 + notes.Length + late.Length, Metric(text, "lcgw_share_file_bytes"));
        Assert.Equal(1, Metric(text, "lcgw_share_skipped_total{reason=\"symlink\"}"));
        Assert.Equal(2, Metric(text, "lcgw_share_skipped_total{reason=\"empty\"}"));
        Assert.Equal(2, Metric(text, "lcgw_share_skipped_total{reason=\"name\"}"));
        Assert.Equal(1, Metric(text, "lcgw_share_skipped_total{reason=\"too_large\"}"));
        Assert.True(Metric(text, "lcgw_share_symbols_total") > 400 + 256, text);
        Assert.True(Metric(text, "lcgw_share_rounds_total") >= 1, text);
        Assert.Equal(0, Metric(text, "lcgw_share_send_errors_total"));
        var (pc, pout, perr) = CPeer.Run("/usr/bin/promtool", "check metrics", text, 30_000);
        Assert.True(pc == 0, pout + perr);
        foreach (string why in new[] { "reason=symlink", "reason=empty", "reason=name", "reason=too_large" })
            Assert.Contains(why, gw.Stderr);
        Assert.Single(Regex.Matches(gw.Stderr, "file=passwd reason=symlink")); // once, not at every scan
        Assert.DoesNotContain(".partial", gw.Stderr);

        // A file that vanishes is no longer announced; the memory limit holds while it changes.
        File.Delete(Path.Combine(files, "notes.txt"));
        gw.WaitForStderr("msg=\"share: stopped sharing (removed, changed or skipped)\" file=notes.txt");

        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.Contains("msg=\"lcgw stopped\"", gw.Stderr);
        Assert.DoesNotContain("level=error", gw.Stderr);
    }

    /// <summary>Under 0.11 (the whole file sealed before encoding, its BLAKE3 the object id in
    /// clear) and 0.5 (each datagram sealed); lcgw's wire and lc fetch's --wire agree.</summary>
    [Theory]
    [InlineData("0.11")]
    [InlineData("0.5")]
    public void Encrypted_Share_Reaches_Only_A_Fetch_With_The_Key_And_Sighup_Picks_Up_A_New_File(string wire)
    {
        Netns.Require();
        string files = Path.Combine(dir, "images");
        Directory.CreateDirectory(files);
        string key = Path.Combine(dir, "share.key");
        File.WriteAllBytes(key, Random(32, 5));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        byte[] first = Random(150_000, 6), second = Random(70_000, 7);
        Put(Path.Combine(files, "first.bin"), first);
        string channel = "fleet/keyed/" + Guid.NewGuid().ToString("N");
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface '{Netns.SendIf}'
            	option wire '{wire}'
            config share
            	option directory '{files}'
            	option channel '{channel}'
            	option key_file '{key}'
            	option rescan 0
            """, out _);
        gw.WaitForStderr("msg=\"sharing file\" file=first.bin");
        Assert.Contains("encrypted=yes", gw.Stderr);

        var (code, err) = Fetch(Path.Combine(dir, "nokey"), 1, channel, "--wire " + wire, timeoutSeconds: 3);
        Assert.True(code == 3, $"lc fetch without the key exited {code}: {err}");
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "nokey")));

        (code, err) = Fetch(Path.Combine(dir, "out1"), 1, channel, $"--wire {wire} --key-file {key}");
        Assert.True(code == 0, "lc fetch: " + err + "\nlcgw:\n" + gw.Stderr);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(dir, "out1", "first.bin")));

        // rescan '0': a new file waits for SIGHUP.
        Put(Path.Combine(files, "second.bin"), second);
        Thread.Sleep(1500);
        Assert.DoesNotContain("file=second.bin", gw.Stderr);
        gw.Signal("HUP");
        gw.WaitForStderr("msg=\"config reloaded\"");
        gw.WaitForStderr("msg=\"sharing file\" file=second.bin");
        (code, err) = Fetch(Path.Combine(dir, "out2"), 2, channel, $"--wire {wire} --key-file {key}");
        Assert.True(code == 0, "lc fetch: " + err + "\nlcgw:\n" + gw.Stderr);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(dir, "out2", "first.bin")));
        Assert.Equal(second, File.ReadAllBytes(Path.Combine(dir, "out2", "second.bin")));

        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
        Assert.DoesNotContain("level=error", gw.Stderr);
    }

    [Fact]
    public void A_Missing_Directory_Is_One_Line_And_A_Counter_And_Sharing_Starts_When_It_Appears_Within_Max_Files()
    {
        Netns.Require();
        string files = Path.Combine(dir, "later");
        string channel = "fleet/later/" + Guid.NewGuid().ToString("N");
        int metricsPort = DaemonProcess.FreeTcpPort();
        using DaemonProcess gw = GatewayTests.StartLcgw($"""
            config gateway
            	option interface '{Netns.SendIf}'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            config share
            	option directory '{files}'
            	option channel '{channel}'
            	option rescan 0.3
            	option max_files 1
            """, out _);
        gw.WaitForStderr("msg=\"share: cannot read the directory; sharing nothing until it is back\"");
        Thread.Sleep(1000); // a few more scans: still one line
        Assert.Single(Regex.Matches(gw.Stderr, "cannot read the directory"));
        Assert.True(Metric(Metrics(metricsPort), "lcgw_share_scan_errors_total") >= 2);
        Directory.CreateDirectory(files);
        byte[] data = Random(20_000, 8);
        Put(Path.Combine(files, "config.json"), data);
        Put(Path.Combine(files, "second.json"), data); // one over max_files
        gw.WaitForStderr("msg=\"sharing file\" file=config.json");
        gw.WaitForStderr("file=second.json reason=limit error=\"already sharing max_files 1 files\"");
        var (code, err) = Fetch(Path.Combine(dir, "out"), 1, channel);
        Assert.True(code == 0, "lc fetch: " + err);
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(dir, "out", "config.json")));
        string text = Metrics(metricsPort);
        Assert.Equal(1, Metric(text, "lcgw_share_files"));
        Assert.Equal(1, Metric(text, "lcgw_share_skipped_total{reason=\"limit\"}"));
        gw.Terminate();
        Assert.Equal(0, gw.WaitForExit());
    }
}
