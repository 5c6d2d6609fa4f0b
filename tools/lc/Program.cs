using System;
using Librecast;
using Librecast.Files;

namespace Librecast.Cli;

/// <summary>The <c>lc</c> command: channel addresses, sending and listening from a shell.</summary>
public static class Program
{
    /// <summary>Exit codes, also listed in --help.</summary>
    internal const int ExitOk = 0, ExitFailure = 1, ExitUsage = 2, ExitTimeout = 3, ExitInterrupted = 130;

    private const string ExitCodesHelp =
        "Exit codes: 0 success, 1 network or system failure, 2 bad arguments or input, 3 timed out, 130 interrupted.";

    /// <summary>The librecast wire every command speaks: --wire, else LC_WIRE, else 0.11.</summary>
    internal static WireProfile Wire = WireProfile.Default;

    private const string WireValues = "0.5, 0.9, 0.11";

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        try
        {
            return Args.Run(RootDescription, AllCommands(), WireFirst(args));
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

    // The output's own words where lc knows them (closed, full), else the words lc and lcgw share.
    private static string Describe(Exception e) =>
        e is OutputException ? e.Message : Librecast.Sockets.SystemErrors.Describe(e);

    private const string RootDescription =
        "lc: Librecast channels from the shell. A channel is a name; its IPv6 multicast group is derived from\n" +
        "the name exactly as librecast (lc_channel_new) derives it, so lc talks to C librecast programs.\n" +
        "Every command takes --wire 0.5|0.9|0.11 (or the environment variable LC_WIRE): which librecast release's wire\n" +
        "to speak, 0.11 (librecast 0.11.2, Debian sid) by default; 0.9 for 0.9.1 (Debian 13), 0.5 for 0.5.1 (Debian 12).\n" +
        "They name channels differently: 'bench' is ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5 on 0.9 and 0.11,\n" +
        "ff1e:d84e:4290:e72b:1a14:3f02:507:7be4 on 0.5.\n" +
        ExitCodesHelp;

    internal static Cmd[] AllCommands()
    {
        var commands = new[]
        {
            AddrCommand(), SendCommand(), ListenCommand(),
            Share.ShareCommand(), Share.FetchCommand(), // files to a fleet (issue 13): Share.cs
            Restricted.KeyCommand(), Restricted.TokenCommand(), // restricted channels (issue 21): Restricted.cs
        };
        for (int i = 0; i < commands.Length; i++) commands[i] = WithWire(commands[i]);
        return commands;
    }

    // Every command takes --wire; the profile is chosen before it runs (LC_WIRE if --wire is absent).
    private static Cmd WithWire(Cmd c) => new(c.Name, c.Summary, c.Usage, c.Description,
        Join(c.Options, new[] { WireOption() }), c.Operands, c.MinOperands, c.MaxOperands,
        r =>
        {
            string? chosen = r.Text("--wire");
            string? env = Environment.GetEnvironmentVariable("LC_WIRE");
            if (chosen == null && !string.IsNullOrEmpty(env))
            {
                if (WireProfile.Parse(env) == null)
                    throw new UsageException("LC_WIRE must be one of " + WireValues + " (got '" + env + "')");
                chosen = env;
            }
            Wire = chosen == null ? WireProfile.Default : WireProfile.Parse(chosen)!;
            return c.Run(r);
        });

    private static Opt WireOption() => new("--wire", null, ValueKind.Text, "VERSION",
        "The librecast release whose wire to speak: 0.11 (librecast 0.11.2, Debian sid), 0.9 (0.9.1, Debian 13) or 0.5\n" +
        "(0.5.1, Debian 12). It decides the group of a channel name and the --fec-rq datagram. Default: $LC_WIRE, else 0.11.")
        { OneOf = WireValues.Split(", ") };

    // 'lc --wire 0.5 addr bench' means 'lc addr --wire 0.5 bench': the option may come before the command.
    private static string[] WireFirst(string[] args)
    {
        int n = args.Length > 0 && args[0].StartsWith("--wire=", StringComparison.Ordinal) ? 1
            : args.Length > 1 && args[0] == "--wire" ? 2 : 0;
        if (n == 0 || args.Length == n) return args;
        var moved = new string[args.Length];
        moved[0] = args[n];
        Array.Copy(args, 0, moved, 1, n);
        Array.Copy(args, n + 1, moved, n + 1, args.Length - n - 1);
        return moved;
    }

    private static Opt InterfaceOption() => new("--interface", "-i", ValueKind.Text, "IF",
        "Network interface (name like eth0, or index) to send and join on. Default: join on every interface that is up and\n" +
        "multicast-capable and, as librecast does, send a copy of each datagram on each of them (--wire 0.9, 0.11) or once\n" +
        "by the default route (--wire 0.5).");

    internal static Opt KeyFileOption(string description) => new("--key-file", "-k", ValueKind.Text, "FILE", description) { NotEmpty = true };

    private static Opt KeyFileOption() => KeyFileOption(
        "Encrypt the channel with the 32-byte key in FILE (librecast's SYMM coding: XSalsa20-Poly1305, 40 bytes per\n" +
        "datagram; talks to C programs that set the same key with lc_channel_set_sym_key). The file must be readable\n" +
        "by its owner only; " + Librecast.Files.KeyFile.HowToMake + ".");

    private static Opt[] Join(Opt[] a, Opt[] b)
    {
        var all = new Opt[a.Length + b.Length];
        a.CopyTo(all, 0);
        b.CopyTo(all, a.Length);
        return all;
    }

    private static Cmd AddrCommand() => new("addr", "addr <NAME>", "addr <NAME> [options]",
        "Print the IPv6 group address of channel NAME under the chosen wire (--wire), as inet_ntop writes it.\n" +
        "Examples: lc addr bench             ->  ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5   (0.11 and 0.9)\n" +
        "          lc addr --wire 0.5 bench  ->  ff1e:d84e:4290:e72b:1a14:3f02:507:7be4",
        new Opt[0], new[] { new[] { "<NAME>", "Channel name (UTF-8)." } }, 1, 1,
        r =>
        {
            Console.Out.WriteLine(GroupAddress.Format(GroupAddress.FromName(r.Operand(0)!, Wire), 0));
            return ExitOk;
        });

    private static Cmd SendCommand()
    {
        var options = new[]
        {
            InterfaceOption(),
            Opt.Flag("--raw", null, "Send MESSAGE as the whole datagram, without librecast's 33-byte header (like lc_channel_send)."),
            new Opt("--hop-limit", null, ValueKind.Int, "N", "Multicast hop limit (1 keeps it on the local link).", "255"),
            new Opt("--count", "-n", ValueKind.Int, "N", "Send N messages as fast as possible and print the rate and counters (flood mode)."),
            new Opt("--duration", null, ValueKind.Seconds, "SECONDS", "Flood mode: stop after SECONDS (with --count: whichever comes first)."),
            new Opt("--size", "-s", ValueKind.Int, "BYTES", "Payload of BYTES bytes instead of MESSAGE (flood mode)."),
            new Opt("--rate", null, ValueKind.Positive, "R", "Flood mode: pace at R messages per second, each sent as soon as it is published (for latency; default: as fast as possible, in batches).\n" +
                "With --fec-rq: R symbols (datagrams) per second, default " + FecCommands.DefaultSymbolRate + " (about 20 Mbit/s at T 1024; receivers keep few in their socket buffer)."),
            new Opt("--policy", null, ValueKind.Text, "POLICY", "When the publish ring is full: block (default, wait; nothing lost), drop-write (refuse the new message;\n'drop-newest', its old name, is still accepted), drop-oldest (discard the oldest queued one). Drops are counted.", "block")
                { OneOf = new[] { "block", "drop-write", "drop-oldest", "drop-newest" } },
            KeyFileOption(),
        };
        return new Cmd("send", "send <CHANNEL> <MESSAGE>", "send <CHANNEL> [<MESSAGE>] [options]",
            "Send a message to CHANNEL, framed as lc_msg_send frames it (timestamp, seq, nonce, op, length).\n" +
            "Flood mode (--count N, --size BYTES, --duration SECONDS or --rate R) publishes through the preallocated ring and batched sends and\n" +
            "prints 'N msgs B bytes in T s = R msg/s' (B: payload bytes) and the counters.\n" +
            "Examples: lc send -i eth0 site/node1/telemetry '{\"t\":21.5}'\n" +
            "          lc send -i eth0 --count 1000000 --size 64 bench\n" +
            "          lc send -i eth0 --key-file site.key site/node1/cmd identify   (site.key: 32 bytes, chmod 600)\n" +
            "          lc send -i eth0 --fec-rq --file image.bin fw/images   (RaptorQ, as librecast's LC_CODE_FEC_RQ)\n" +
            "          lc send -i eth0 --token node1.token --key node1.key site/node1/cmd identify   (restricted channel, lc token issue)",
            Join(Join(Join(options, FecCommands.SendOptions), NackCommands.SendOptions), Restricted.SendOptions), // FEC (issue 13): FecCommands.cs; NACK: NackCommands.cs; tokens (issue 21): Restricted.cs
            new[] { new[] { "<CHANNEL>", "Channel name." }, new[] { "<MESSAGE>", "Payload: the UTF-8 bytes of this text (omit with --size)." } }, 1, 2,
            r =>
            {
                Restricted.ForSend(r, r.Operand(0)!, !r.Flag("--fec-rq") && (r.Int("--count") != null || r.Int("--size") != null || r.Number("--duration") != null || r.Number("--rate") != null));
                return NackCommands.NotWithFec(r) && r.Flag("--fec-rq")
                    ? FecCommands.Send(r.Text("--interface"), r.Int("--hop-limit")!.Value, r.Text("--key-file"), r.Operand(0)!, r)
                    : Commands.Send(r.Text("--interface"), r.Flag("--raw"), r.Int("--hop-limit")!.Value, r.Int("--count"), r.Number("--duration"), r.Int("--size"),
                        r.Text("--policy")!, r.Text("--key-file"), r.Operand(0)!, r.Operand(1), r.Number("--rate"), NackCommands.Send(r, r.Flag("--raw")));
            });
    }

    private static Cmd ListenCommand()
    {
        var options = new[]
        {
            InterfaceOption(),
            Opt.Flag("--raw", null, "Print whole datagrams (like lc_socket_recv) instead of decoding librecast frames."),
            new Opt("--count", "-n", ValueKind.Int, "N", "Exit after N messages."),
            new Opt("--timeout", "-t", ValueKind.Seconds, "SECONDS", "Give up after SECONDS (exit 3 if fewer than --count arrived)."),
            Opt.Flag("--verbose", "-v", "Report what is joined, every rejected datagram and the counters, on stderr."),
            Opt.Flag("--quiet", "-q", "Print figures instead of payloads: 'N msgs B bytes in T s = R msg/s', lost (sequence gaps), publish->receive latency p50/p99 (same-host clocks), counters."),
            KeyFileOption(),
            Opt.Flag("--replay", null, "Replay and loss detection (beyond librecast): per sender, a 128-message window over seq drops duplicates and\nreplays, and counts lost, reordered and restarted; summary on stderr at exit. Real protection only with --key-file."),
            new Opt("--max-age", null, ValueKind.Seconds, "SECONDS", "With --replay: also drop messages stamped more than SECONDS before (or after) this host's clock."),
            new Opt("--threads", null, ValueKind.Int, "N", "With --quiet: 1 (default) receives and handles on one thread; 2 adds a dispatcher thread behind a lock-free ring.", "1")
                { OneOf = new[] { "1", "2" } },
            Opt.Flag("--no-gro", null, "With --quiet: do not ask the kernel to coalesce datagrams (UDP_GRO)."),
        };
        return new Cmd("listen", "listen <CHANNEL>", "listen <CHANNEL> [options]",
            "Join CHANNEL and print each received payload (UTF-8) on its own line.\n" +
            "Datagrams that are not librecast frames, do not open with --key-file's key, fail --keyring's token check, or are replays (--replay) are\n" +
            "counted and skipped (each shown with --verbose), and so are the extra copies of a message that arrive on\n" +
            "another interface (an unbound librecast 0.9+ sender sends one per interface; counted as duplicates).\n" +
            "Examples: lc listen -i eth0 -n 10 -t 30 site/node1/telemetry\n" +
            "          lc listen -i eth0 --key-file site.key --replay --max-age 30 site/node1/telemetry\n" +
            "          lc listen -i eth0 --fec-rq --object-size 65536 --output image.bin -t 60 fw/images\n" +
            "          lc listen -i eth0 --keyring site.pub --cap write site/node1/cmd   (restricted channel: only the site's tokens)",
            Join(Join(Join(options, FecCommands.ListenOptions), NackCommands.ListenOptions), Restricted.ListenOptions), // FEC (issue 13): FecCommands.cs; NACK: NackCommands.cs; tokens (issue 21): Restricted.cs
            new[] { new[] { "<CHANNEL>", "Channel name." } }, 1, 1,
            r =>
            {
                Restricted.ForListen(r);
                string? iface = r.Text("--interface"), key = r.Text("--key-file"), channel = r.Operand(0);
                double? timeout = r.Number("--timeout"), maxAge = r.Number("--max-age");
                bool raw = r.Flag("--raw"), quiet = r.Flag("--quiet"), replay = r.Flag("--replay");
                if (NackCommands.NotWithFec(r) && r.Flag("--fec-rq")) return FecCommands.Listen(iface, timeout, key, channel!, r);
                if (quiet && raw)
                    throw new UsageException("--quiet measures librecast frames (sequence, timestamp): it cannot be used with --raw");
                if (replay && raw)
                    throw new UsageException("--replay checks librecast frames' sequence numbers: it cannot be used with --raw");
                if (maxAge != null && !replay)
                    throw new UsageException("--max-age is part of replay detection: add --replay");
                var security = new ListenSecurity(key, replay, maxAge);
                bool nack = NackCommands.Listen(r, raw);
                return quiet
                    ? Flood.ListenQuiet(iface, r.Int("--count"), timeout, security, r.Int("--threads") == 1, !r.Flag("--no-gro"), channel!, nack)
                    : Commands.Listen(iface, raw, r.Int("--count"), timeout, r.Flag("--verbose"), security, channel!, nack);
            });
    }
}

/// <summary>Bad input from the user: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
