using System;
using System.Diagnostics;
using System.Text;
using System.Threading;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>The lc command line: exact output shapes, clear one-line errors, and real traffic with librecast C.</summary>
[Collection(NetworkCollection.Name)]
public class LcCliTests
{
    [Theory]
    [InlineData(">&-", "lc: cannot write the output: it is closed or not writable")]
    [InlineData(">/dev/full", "lc: cannot write the output: no space left on device")]
    public void Closed_Or_Full_Stdout_Is_One_Line_And_Exit_1_Not_A_Stack_Trace(string redirect, string line)
    {
        var (code, _, stderr) = CPeer.Run("sh", $"-c \"exec dotnet {Lc.Dll} addr bench {redirect}\"", null, 30_000);
        Assert.Equal(1, code);
        Assert.Equal(line, stderr.Trim());
    }

    [Fact]
    public void An_Interrupted_Flood_Prints_Its_Figures_And_Exits_130()
    {
        Netns.Require();
        using var flood = new DaemonProcess("dotnet", [Lc.Dll, "send", "-i", Netns.SendIf, "--count", "2000000000", "--size", "64", $"cli/int/{Guid.NewGuid():N}"]);
        // Long enough for the runtime to start and the flood to run on a loaded machine: a SIGINT
        // before lc has installed its handler would end it without figures.
        Thread.Sleep(5000);
        flood.Signal("INT");
        Assert.Equal(130, flood.WaitForExit(60_000));
        string figures = flood.NextLine();
        Assert.Matches("^[0-9]+ msgs [0-9]+ bytes in [0-9.]+ s = [0-9]+ msg/s$", figures);
        Assert.StartsWith("counters ", flood.NextLine());
    }

    [Theory]
    [InlineData("addr bench", "ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5")]              // default: 0.11
    [InlineData("addr --wire 0.11 bench", "ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5")]
    [InlineData("addr --wire 0.9 bench", "ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5")]
    [InlineData("addr --wire 0.5 bench", "ff1e:d84e:4290:e72b:1a14:3f02:507:7be4")]
    [InlineData("--wire 0.5 addr bench", "ff1e:d84e:4290:e72b:1a14:3f02:507:7be4")]
    [InlineData("--wire=0.5 addr bench", "ff1e:d84e:4290:e72b:1a14:3f02:507:7be4")]
    [InlineData("env:0.5 addr bench", "ff1e:d84e:4290:e72b:1a14:3f02:507:7be4")]         // LC_WIRE=0.5
    [InlineData("env:0.5 addr --wire 0.11 bench", "ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5")] // --wire wins
    public void Addr_Prints_The_Group_Alone_On_One_Line(string args, string group)
    {
        var (code, stdout, stderr) = RunWithWireEnv(args);
        Assert.Equal(0, code);
        Assert.Equal(group + "\n", stdout);
        Assert.Equal("", stderr);
    }

    [Theory]
    [InlineData("addr --wire 0.7 bench", "--wire must be one of 0.5, 0.9, 0.11 (got '0.7')")]
    [InlineData("--wire 0.10 send chan hi", "--wire must be one of 0.5, 0.9, 0.11 (got '0.10')")]
    [InlineData("listen --wire chan", "--wire must be one of 0.5, 0.9, 0.11 (got 'chan')")]
    [InlineData("env:0.6 addr bench", "LC_WIRE must be one of 0.5, 0.9, 0.11 (got '0.6')")]
    public void A_Bad_Wire_Is_One_Line_And_Exit_2(string args, string message)
    {
        var (code, stdout, stderr) = RunWithWireEnv(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("lc: " + message, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    // "env:V rest": lc with LC_WIRE=V; otherwise with LC_WIRE unset.
    private static (int Code, string Out, string Err) RunWithWireEnv(string args)
    {
        string? env = null;
        if (args.StartsWith("env:", StringComparison.Ordinal))
        {
            env = args[4..args.IndexOf(' ')];
            args = args[(args.IndexOf(' ') + 1)..];
        }
        return CPeer.Run("env", (env == null ? "-u LC_WIRE" : "LC_WIRE=" + env) + $" dotnet {Lc.Dll} {args}", null, 30_000);
    }

    [Theory]
    [InlineData("send chan \"\"", "empty")]
    [InlineData("send --interface nosuch0 chan hello", "unknown interface 'nosuch0'")]
    [InlineData("listen --interface nosuch0 chan", "unknown interface 'nosuch0'")]
    [InlineData("listen --count 0 chan", "--count")]
    [InlineData("send --hop-limit 300 chan hello", "hop limit")]
    [InlineData("send --size 10 chan hello", "not both")]
    [InlineData("send --count 0 chan hello", "--count")]
    [InlineData("send --policy sometimes chan hello", "sometimes")]
    [InlineData("listen --quiet --raw chan", "--raw")]
    [InlineData("send chan", "MESSAGE")]
    [InlineData("frobnicate", "frobnicate")]
    [InlineData("send --key-file \"\" chan hi", "--key-file needs a FILE name")]
    [InlineData("listen --key-file \"\" chan", "--key-file needs a FILE name")]
    [InlineData("listen -t NaN chan", "--timeout must be a number of seconds greater than 0 (got 'NaN')")]
    [InlineData("listen -t Infinity chan", "--timeout must be")]
    [InlineData("send --duration NaN --size 8 chan", "--duration must be")]
    [InlineData("send --bogus CHAN hi", "unknown option '--bogus'")]
    [InlineData("listen --replay --max-age NaN chan", "--max-age must be")]
    [InlineData("send --bogus=1 CHAN hi", "unknown option '--bogus'")]
    [InlineData("listen -x chan", "unknown option '-x'")]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("", "no command given")]
    [InlineData("listen -t inf chan", "--timeout must be a number of seconds greater than 0 (got 'inf')")]
    [InlineData("listen --timeout=-1 chan", "--timeout must be a number of seconds greater than 0 (got '-1')")]
    [InlineData("fetch -t 0 chan", "--timeout must be a number of seconds greater than 0 (got '0')")]
    [InlineData("send --hop-limit x chan hi", "--hop-limit must be a whole number (got 'x')")]
    [InlineData("send --count=1.5 chan hi", "--count must be a whole number (got '1.5')")]
    [InlineData("fetch --max-size 1e3 chan", "--max-size must be a whole number (got '1e3')")]
    [InlineData("send --fec-rq --overhead NaN --file x chan", "--overhead must be a finite number (got 'NaN')")]
    [InlineData("--wire 0.5 send --fec-rq --oti --file x chan", "--oti and --fec-rand need --wire 0.9 or 0.11")]
    [InlineData("--wire 0.5 send --fec-rq --fec-rand --file x chan", "--oti and --fec-rand need --wire 0.9 or 0.11")]
    [InlineData("--wire 0.5 listen --fec-rq --output o chan", "needs --object-size F (the sender's file size) under --wire 0.5")]
    [InlineData("--wire 0.9 listen --fec-rq --key-file k --output o chan", "librecast 0.9.1 drops the OTI with SYMM")]
    [InlineData("share --rate NaN a chan", "--rate must be a number greater than 0 (got 'NaN')")]
    [InlineData("share --rate 1e6 a chan", "--rate must be at most 100000 Mbit/s or 'unlimited'")]
    [InlineData("send --rate -5 --count 1 chan", "--rate must be a number greater than 0 (got '-5')")]
    [InlineData("listen --threads 3 -q chan", "--threads must be one of 1, 2 (got '3')")]
    [InlineData("listen --raw=yes chan", "--raw takes no value")]
    [InlineData("listen chan --timeout", "--timeout needs a value (SECONDS)")]
    [InlineData("listen -n 1 --count 2 chan", "--count is given more than once")]
    [InlineData("addr a b", "unexpected argument 'b'")]
    [InlineData("listen", "CHANNEL is missing")]
    [InlineData("share onlyone", "needs at least 2 arguments (got 1)")]
    [InlineData("fetch --key-file= chan", "--key-file needs a FILE name (got '')")]
    public void Bad_Input_Gets_A_Clear_Line_On_Stderr_And_Exit_2(string args, string mentions)
    {
        var (code, stdout, stderr) = Lc.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("lc: ", stderr);
        Assert.Contains(mentions, stderr);
    }

    [Fact]
    public void Over_Long_Message_Is_Refused_With_The_Limit()
    {
        string big = new('m', Frame.MaxPayload + 1);
        var (code, _, stderr) = Lc.Run($"send chan {big}");
        Assert.Equal(2, code);
        Assert.Contains(Frame.MaxPayload.ToString(), stderr);
    }

    [Fact]
    public void Help_Lists_The_Commands_And_Exit_Codes()
    {
        var (code, stdout, _) = Lc.Run("--help");
        Assert.Equal(0, code);
        foreach (string word in new[] { "addr", "send", "listen", "Exit codes" }) Assert.Contains(word, stdout);
    }

    public static TheoryData<string, string> ProfilesAndRaw => new()
    {
        { "0.5", "" }, { "0.5", "--raw" }, { "0.9", "" }, { "0.9", "--raw" }, { "0.11", "" }, { "0.11", "--raw" },
    };

    [Theory]
    [MemberData(nameof(ProfilesAndRaw))]
    public void Lc_Send_Reaches_Librecast_C(string profile, string raw)
    {
        Netns.Require();
        string name = $"cli/send/{Guid.NewGuid():N}";
        using var peer = new PeerProcess(CPeer.Build("lcpeer", WireProfile.Parse(profile)!), $"recv {Netns.RecvIf} {name} 1 15 {raw}");
        Assert.Equal("READY", peer.NextLine());
        var (code, _, stderr) = Lc.Run($"send --wire {profile} --interface {Netns.SendIf} {raw} {name} héllo");
        Assert.True(code == 0, stderr);
        Assert.Contains("data=" + Convert.ToHexString(Encoding.UTF8.GetBytes("héllo")).ToLowerInvariant(), peer.NextLine().ToLowerInvariant());
        Assert.Equal(0, peer.WaitForExit());
    }

    [Theory]
    [MemberData(nameof(ProfilesAndRaw))]
    public void Lc_Listen_Prints_What_Librecast_C_Sends(string profile, string raw)
    {
        Netns.Require();
        string name = $"cli/listen/{Guid.NewGuid():N}";
        using var listener = Lc.Start($"listen --wire {profile} --interface {Netns.RecvIf} --count 2 --timeout 15 {raw} {name}");
        // lc needs a moment to start and join; the C sender repeats so the first two that arrive count.
        using var sender = new PeerProcess(CPeer.Build("lcpeer", WireProfile.Parse(profile)!), $"send {Netns.SendIf} {name} reading-21.5 --count 100 --interval-ms 100 {raw}");
        Assert.Equal("reading-21.5", listener.NextLine(15_000));
        Assert.Equal("reading-21.5", listener.NextLine(5_000));
        Assert.Equal(0, listener.WaitForExit());
    }

    [Fact]
    public void Flood_Send_And_Quiet_Listen_Print_Figures_That_Account_For_Every_Message()
    {
        Netns.Require();
        string name = $"cli/flood/{Guid.NewGuid():N}";
        using var listener = Lc.Start($"listen --interface {Netns.RecvIf} --quiet --count 20000 --timeout 20 {name}");
        Thread.Sleep(1500); // joined before the flood starts (dotnet start-up)
        var (code, stdout, stderr) = Lc.Run($"send --interface {Netns.SendIf} --count 20000 --size 64 {name}");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"^20000 msgs 1280000 bytes in [0-9.]+ s = [0-9]+ msg/s\n", stdout);
        Assert.Contains("published=20000 dropped=0 sent=20000 send_errors=0", stdout);

        listener.WaitForExit(30_000);
        var lines = listener.RemainingLines();
        var received = System.Text.RegularExpressions.Regex.Match(lines[0], @"^(\d+) msgs (\d+) bytes in [0-9.]+ s = \d+ msg/s$");
        Assert.True(received.Success, lines[0]);
        int got = int.Parse(received.Groups[1].Value);
        Assert.Equal(got * 64L, long.Parse(received.Groups[2].Value));
        var lost = System.Text.RegularExpressions.Regex.Match(lines[1], @"^lost (\d+) ");
        Assert.True(lost.Success, lines[1]);
        Assert.Contains("latency p50", lines[2]);
        var drops = System.Text.RegularExpressions.Regex.Match(lines[3], @"kernel_drops=(\d+)");
        // Every message either arrived or was counted as lost, and no loss goes without the
        // kernel counting drops: with GRO (lc listen's default) the kernel counts a dropped
        // coalesced packet once, and one holds at most 64 datagrams.
        Assert.Equal(20000, got + int.Parse(lost.Groups[1].Value));
        long kernelDrops = long.Parse(drops.Groups[1].Value);
        Assert.InRange(long.Parse(lost.Groups[1].Value), kernelDrops, kernelDrops * 64);
    }

    [Fact]
    public void Unknown_Option_Is_Named_On_One_Line_And_Never_Taken_As_A_Channel()
    {
        var (code, stdout, stderr) = Lc.Run("send --bogus CHAN hi");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("lc: unknown option '--bogus' (try 'lc send --help')\n", stderr);
    }

    [Fact]
    public void Version_Prints_The_Informational_Version()
    {
        var (code, stdout, stderr) = Lc.Run("--version");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", stdout);
    }

    [Theory]
    [InlineData("addr -- -x", "-x")]
    [InlineData("addr -- --help", "--help")]
    [InlineData("addr -5", "-5")] // a number is an operand, not an option
    public void Double_Dash_Ends_Options(string args, string name)
    {
        var (code, stdout, stderr) = Lc.Run(args);
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        Assert.Equal(GroupAddress.Format(GroupAddress.FromName(name, WireProfile.Default), 0) + "\n", stdout); // lc's default wire
    }

    [Theory]
    [InlineData("send --help")]
    [InlineData("send chan --help")]
    [InlineData("send -h")]
    [InlineData("send -?")]
    public void Command_Help_Lists_Options_Aliases_And_Defaults(string args)
    {
        var (code, stdout, stderr) = Lc.Run(args);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("lc send <CHANNEL> [<MESSAGE>] [options]", stdout);
        Assert.Contains("  -i, --interface <IF>   Network interface", stdout);
        Assert.Contains("  --hop-limit <N>        Multicast hop limit (1 keeps it on the local link). [default: 255]", stdout);
        Assert.Contains("  -s, --size <BYTES>     Payload of BYTES bytes", stdout);
        Assert.Contains("[default: block]", stdout);
        Assert.Contains("  -f, --file <PATH>      FEC: the file to send.", stdout);
        Assert.Contains("  -?, -h, --help         Show help and usage information", stdout);
    }

    [Theory]
    [InlineData("--interface={0} --count=1 --timeout=1")]
    [InlineData("-i {0} -n 1 -t 1")]
    [InlineData("-i={0} -n=1 -t=1")]
    [InlineData("-t 1 -n 1 --interface {0}")]
    public void Option_Values_Work_As_Next_Word_Or_After_Equals(string options)
    {
        Netns.Require();
        var (code, stdout, stderr) = Lc.Run($"listen {string.Format(options, Netns.RecvIf)} cli/silent/{Guid.NewGuid():N}");
        Assert.Equal(3, code);
        Assert.Equal("", stdout);
        Assert.Contains("timed out", stderr);
    }

    [Fact]
    public void Lc_Listen_Times_Out_With_Exit_3()
    {
        Netns.Require();
        var sw = Stopwatch.StartNew();
        var (code, stdout, stderr) = Lc.Run($"listen --interface {Netns.RecvIf} --count 1 --timeout 1 cli/silent/{Guid.NewGuid():N}");
        Assert.Equal(3, code);
        Assert.Equal("", stdout);
        Assert.Contains("timed out", stderr);
        Assert.InRange(sw.Elapsed.TotalSeconds, 1, 20);
    }

    [Fact]
    public void Lc_Listen_Counts_And_Shows_Datagrams_That_Are_Not_Frames()
    {
        Netns.Require();
        string name = $"cli/garbage/{Guid.NewGuid():N}";
        using var listener = Lc.Start($"listen --interface {Netns.RecvIf} --count 1 --timeout 15 --verbose {name}");
        var (ctx, _, c) = Endpoints.Open(Netns.SendIf, name, join: false);
        using var owned = ctx;
        // Garbage first, then a real frame, until lc has joined and heard the frame.
        string? line = null;
        for (int i = 0; i < 100 && line == null; i++)
        {
            c.Send(new byte[] { 1, 2, 3, 4, 5 }, 0, 5);
            c.SendMessage("valid"u8.ToArray(), 0, 5);
            try { line = listener.NextLine(150); } catch (TimeoutException) { }
        }
        Assert.Equal("valid", line);
        Assert.Equal(0, listener.WaitForExit());
        Assert.Contains("dropped 5-byte datagram", listener.Stderr);
        Assert.Contains("not a librecast frame", listener.Stderr);
        Assert.Matches(@"malformed=[1-9]", listener.Stderr);
    }
}
