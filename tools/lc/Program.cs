using System;
using System.CommandLine;
using System.CommandLine.Invocation;
using Librecast;

namespace Librecast.Cli;

/// <summary>The <c>lc</c> command: channel addresses, sending and listening from a shell.</summary>
public static class Program
{
    /// <summary>Exit codes, also listed in --help.</summary>
    internal const int ExitOk = 0, ExitFailure = 1, ExitUsage = 2, ExitTimeout = 3, ExitInterrupted = 130;

    private const string ExitCodesHelp =
        "Exit codes: 0 success, 1 network or system failure, 2 bad arguments or input, 3 timed out, 130 interrupted.";

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        RootCommand root = BuildCommands();
        ParseResult parsed = root.Parse(args);
        // An unknown option would otherwise be taken as CHANNEL and the error blame a later word.
        if (UnknownOption(parsed, args) is string unknown)
        {
            Console.Error.WriteLine("lc: unknown option '" + unknown + "' (try 'lc " + parsed.CommandResult.Command.Name + " --help')");
            return ExitUsage;
        }
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine("lc: " + error.Message);
            Console.Error.WriteLine("lc: try 'lc --help'");
            return ExitUsage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine("lc: " + e.Message);
            return ExitUsage;
        }
        catch (LibrecastException e)
        {
            Console.Error.WriteLine("lc: " + e.Message);
            return ExitFailure;
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // stdout closed (EBADF), a pipe whose reader left (EPIPE) or a full disk (ENOSPC).
            Console.Error.WriteLine("lc: cannot write the output: " + Describe(e));
            return ExitFailure;
        }
    }

    private static string Describe(Exception e) =>
        e is System.IO.IOException && e.HResult > 0 && e.HResult < 4096 ? System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(e.HResult).ToLowerInvariant()
        : e is UnauthorizedAccessException ? "it is closed or not writable"
        : e.Message;

    private static string? UnknownOption(ParseResult parsed, string[] args)
    {
        Command command = parsed.CommandResult.Command;
        var known = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal) { "--help", "-h", "-?", "--version" };
        foreach (Option o in command.Options)
        {
            known.Add(o.Name);
            foreach (string a in o.Aliases) known.Add(a);
        }
        foreach (string a in args)
        {
            if (a == "--") break;
            if (a.Length < 2 || a[0] != '-' || double.TryParse(a, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)) continue;
            string name = a.Contains('=') ? a[..a.IndexOf('=')] : a;
            if (!known.Contains(name)) return a;
        }
        return null;
    }

    // Finite and positive: '-t NaN' or '-t inf' is a mistake, not a wait for ever.
    private static void Positive(Option<double?> option)
    {
        option.Validators.Add(result =>
        {
            double? v;
            try { v = result.GetValueOrDefault<double?>(); }
            catch (InvalidOperationException) { return; } // not a number: the parser's own error says so
            if (v is double d && !(double.IsFinite(d) && d > 0))
                result.AddError(option.Name + " must be a number of seconds greater than 0 (got '" + string.Join(' ', result.Tokens) + "')");
        });
    }

    private static void NotEmpty(Option<string?> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is "") result.AddError(option.Name + " needs a FILE name (got '')");
        });
    }

    internal static RootCommand BuildCommands()
    {
        var root = new RootCommand(
            "lc: Librecast channels from the shell. A channel is a name; its IPv6 multicast group is derived from\n" +
            "the name exactly as librecast 0.5 (lc_channel_new) derives it, so lc talks to C librecast programs.\n" +
            ExitCodesHelp);
        root.Subcommands.Add(AddrCommand());
        root.Subcommands.Add(SendCommand());
        root.Subcommands.Add(ListenCommand());
        root.Subcommands.Add(Share.ShareCommand()); // files to a fleet (issue 13): Share.cs
        root.Subcommands.Add(Share.FetchCommand());
        return root;
    }

    private static Option<string> InterfaceOption() => new("--interface", "-i")
    {
        Description = "Network interface (name like eth0, or index) to send and join on. Default: send by the default route, join on every\ninterface that is up and multicast-capable (as librecast does).",
        HelpName = "IF",
    };

    private static Option<string?> KeyFileOption()
    {
        Option<string?> option = KeyFileOptionCore();
        NotEmpty(option);
        return option;
    }

    private static Option<string?> KeyFileOptionCore() => new("--key-file", "-k")
    {
        Description = "Encrypt the channel with the 32-byte key in FILE (librecast's SYMM coding: XSalsa20-Poly1305, 40 bytes per\n" +
                      "datagram; talks to C programs that set the same key with lc_channel_set_sym_key). The file must be readable\n" +
                      "by its owner only; " + Librecast.Sockets.KeyFile.HowToMake + ".",
        HelpName = "FILE",
    };

    private static Option<bool> RawOption(string what) => new("--raw")
    {
        Description = what,
    };

    private static Command AddrCommand()
    {
        var name = new Argument<string>("NAME") { Description = "Channel name (UTF-8)." };
        var cmd = new Command("addr", "Print the IPv6 group address of channel NAME, as inet_ntop writes it.\nExample: lc addr bench  ->  ff1e:d84e:4290:e72b:1a14:3f02:507:7be4") { name };
        cmd.SetAction(r =>
        {
            Console.Out.WriteLine(GroupAddress.Format(GroupAddress.FromName(r.GetValue(name)!), 0));
            return ExitOk;
        });
        return cmd;
    }

    private static Command SendCommand()
    {
        var iface = InterfaceOption();
        var raw = RawOption("Send MESSAGE as the whole datagram, without librecast's 33-byte header (like lc_channel_send).");
        var hops = new Option<int>("--hop-limit") { Description = "Multicast hop limit (1 keeps it on the local link).", DefaultValueFactory = _ => 255, HelpName = "N" };
        var count = new Option<int?>("--count", "-n") { Description = "Send N messages as fast as possible and print the rate and counters (flood mode).", HelpName = "N" };
        var duration = new Option<double?>("--duration") { Description = "Flood mode: stop after SECONDS (with --count: whichever comes first).", HelpName = "SECONDS" };
        Positive(duration);
        var size = new Option<int?>("--size", "-s") { Description = "Payload of BYTES bytes instead of MESSAGE (flood mode).", HelpName = "BYTES" };
        var rate = new Option<double?>("--rate") { Description = "Flood mode: pace at R messages per second, each sent as soon as it is published (for latency; default: as fast as possible, in batches).", HelpName = "R" };
        var policy = new Option<string>("--policy") { Description = "When the publish ring is full: block (default, wait; nothing lost), drop-write (refuse the new message;\n'drop-newest', its old name, is still accepted), drop-oldest (discard the oldest queued one). Drops are counted.", DefaultValueFactory = _ => "block", HelpName = "POLICY" };
        policy.AcceptOnlyFromAmong("block", "drop-write", "drop-oldest", "drop-newest");
        var key = KeyFileOption();
        var channel = new Argument<string>("CHANNEL") { Description = "Channel name." };
        var message = new Argument<string?>("MESSAGE") { Description = "Payload: the UTF-8 bytes of this text (omit with --size).", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("send",
            "Send a message to CHANNEL, framed as lc_msg_send frames it (timestamp, seq, nonce, op, length).\n" +
            "Flood mode (--count N, --size BYTES, --duration SECONDS or --rate R) publishes through the preallocated ring and batched sends and\n" +
            "prints 'N msgs B bytes in T s = R msg/s' (B: payload bytes) and the counters.\n" +
            "Examples: lc send -i eth0 site/node1/telemetry '{\"t\":21.5}'\n" +
            "          lc send -i eth0 --count 1000000 --size 64 bench\n" +
            "          lc send -i eth0 --key-file site.key site/node1/cmd identify   (site.key: 32 bytes, chmod 600)\n" +
            "          lc send -i eth0 --fec-rq --file image.bin fw/images   (RaptorQ, as librecast's LC_CODE_FEC_RQ)") { iface, raw, hops, count, duration, size, rate, policy, key, channel, message };
        Positive(rate);
        var fec = new FecCommands.SendOptions(); // FEC (issue 13): FecCommands.cs
        fec.AddTo(cmd);
        cmd.SetAction(r => r.GetValue(fec.Fec) ? FecCommands.Send(r.GetValue(iface), r.GetValue(hops), r.GetValue(key), r.GetValue(channel)!, fec, r) : Commands.Send(r.GetValue(iface), r.GetValue(raw), r.GetValue(hops), r.GetValue(count), r.GetValue(duration), r.GetValue(size),
            r.GetValue(policy)!, r.GetValue(key), r.GetValue(channel)!, r.GetValue(message), r.GetValue(rate)));
        return cmd;
    }

    private static Command ListenCommand()
    {
        var iface = InterfaceOption();
        var raw = RawOption("Print whole datagrams (like lc_socket_recv) instead of decoding librecast frames.");
        var count = new Option<int?>("--count", "-n") { Description = "Exit after N messages.", HelpName = "N" };
        var timeout = new Option<double?>("--timeout", "-t") { Description = "Give up after SECONDS (exit 3 if fewer than --count arrived).", HelpName = "SECONDS" };
        Positive(timeout);
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Report what is joined, every rejected datagram and the counters, on stderr." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print figures instead of payloads: 'N msgs B bytes in T s = R msg/s', lost (sequence gaps), publish->receive latency p50/p99 (same-host clocks), counters." };
        var key = KeyFileOption();
        var replay = new Option<bool>("--replay") { Description = "Replay and loss detection (beyond librecast): per sender, a 128-message window over seq drops duplicates and\nreplays, and counts lost, reordered and restarted; summary on stderr at exit. Real protection only with --key-file." };
        var maxAge = new Option<double?>("--max-age") { Description = "With --replay: also drop messages stamped more than SECONDS before (or after) this host's clock.", HelpName = "SECONDS" };
        Positive(maxAge);
        var threads = new Option<int>("--threads") { Description = "With --quiet: 1 (default) receives and handles on one thread; 2 adds a dispatcher thread behind a lock-free ring.", DefaultValueFactory = _ => 1, HelpName = "N" };
        threads.AcceptOnlyFromAmong("1", "2");
        var noGro = new Option<bool>("--no-gro") { Description = "With --quiet: do not ask the kernel to coalesce datagrams (UDP_GRO)." };
        var channel = new Argument<string>("CHANNEL") { Description = "Channel name." };
        var cmd = new Command("listen",
            "Join CHANNEL and print each received payload (UTF-8) on its own line.\n" +
            "Datagrams that are not librecast frames, do not open with --key-file's key, or are replays (--replay) are\n" +
            "counted and skipped (each shown with --verbose).\n" +
            "Examples: lc listen -i eth0 -n 10 -t 30 site/node1/telemetry\n" +
            "          lc listen -i eth0 --key-file site.key --replay --max-age 30 site/node1/telemetry\n" +
            "          lc listen -i eth0 --fec-rq --object-size 65536 --output image.bin -t 60 fw/images") { iface, raw, count, timeout, verbose, quiet, key, replay, maxAge, threads, noGro, channel };
        var fec = new FecCommands.ListenOptions(); // FEC (issue 13): FecCommands.cs
        fec.AddTo(cmd);
        cmd.SetAction(r =>
        {
            if (r.GetValue(fec.Fec)) return FecCommands.Listen(r.GetValue(iface), r.GetValue(timeout), r.GetValue(key), r.GetValue(channel)!, fec, r);
            if (r.GetValue(quiet) && r.GetValue(raw))
                throw new UsageException("--quiet measures librecast frames (sequence, timestamp): it cannot be used with --raw");
            if (r.GetValue(replay) && r.GetValue(raw))
                throw new UsageException("--replay checks librecast frames' sequence numbers: it cannot be used with --raw");
            if (r.GetValue(maxAge) != null && !r.GetValue(replay))
                throw new UsageException("--max-age is part of replay detection: add --replay");
            var security = new ListenSecurity(r.GetValue(key), r.GetValue(replay), r.GetValue(maxAge));
            return r.GetValue(quiet)
                ? Flood.Listen(r.GetValue(iface), r.GetValue(count), r.GetValue(timeout), security, r.GetValue(threads) == 1, !r.GetValue(noGro), r.GetValue(channel)!)
                : Commands.Listen(r.GetValue(iface), r.GetValue(raw), r.GetValue(count), r.GetValue(timeout), r.GetValue(verbose), security, r.GetValue(channel)!);
        });
        return cmd;
    }
}

/// <summary>Bad input from the user: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
