using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using Librecast.Gateway.Config;

namespace Librecast.Gateway;

/// <summary>The <c>lcgw</c> command: runs the gateway daemon until SIGTERM or SIGINT.</summary>
public static class Program
{
    /// <summary>Exit codes: 0 ok (clean stop), 1 runtime failure, 2 bad arguments or config.</summary>
    internal const int ExitOk = 0, ExitFailure = 1, ExitUsage = 2;

    /// <summary>Where the config is read from when -c is not given.</summary>
    public const string DefaultConfigPath = "/etc/lcgw/lcgw.conf";

    internal const string Usage =
        "usage: lcgw [-c FILE] [--check-config] [--version] [--help]\n" +
        "       lcgw [-c FILE] token NODE OUTPUT [--valid DAYS] [--command]   (restricted site: a node's token)\n" +
        "\n" +
        "lcgw, the LibrecastIoT gateway daemon: subscribes to librecast channels, decodes SenML\n" +
        "telemetry and writes it out (JSON lines, Prometheus /metrics and a status page at /, MQTT\n" +
        "with Home Assistant discovery); bridges IPv4-only nodes' channels onto librecast's IPv6\n" +
        "groups (and command channels back); reads local I2C sensors (BME280, SHT3x, BH1750) and\n" +
        "publishes them on their channel; shares a directory of files on a channel for 'lc fetch'\n" +
        "(config share: RaptorQ, lc share's protocol, rescanned every few seconds and on SIGHUP).\n" +
        "Channels speak librecast 0.11.2's wire unless \"option wire '0.9'\" or '0.5' (librecast 0.9.1,\n" +
        "0.5.1) says otherwise, in the gateway section or in a subscribe, sensor, bridge or share section;\n" +
        "config migrate hears channels on one wire (option from, e.g. a fleet flashed with 0.5 groups) and\n" +
        "republishes them on another (option to, default the gateway's), commands back.\n" +
        "\n" +
        "  -c, --config FILE   configuration file (UCI syntax; default " + DefaultConfigPath + ";\n" +
        "                      on OpenWrt /etc/config/lcgw). Every option: docs/deploy.md.\n" +
        "                      A file option written 'credential:NAME' (key_file, password_file)\n" +
        "                      is read from $CREDENTIALS_DIRECTORY (systemd LoadCredential=)\n" +
        "  --check-config      read and validate the configuration, print a one-line summary, exit\n" +
        "  token NODE OUTPUT   the site signer (option signer_key) issues node NODE (config node) its token:\n" +
        "                      write on its telemetry channel, for its bearer key; --command: the token\n" +
        "                      for SITE/NODE/cmd, issued to the signer (docs/security.md)\n" +
        "  --version           print the version and exit\n" +
        "  -h, --help          this text\n" +
        "\n" +
        "Runs until SIGTERM, SIGINT or SIGQUIT, then stops cleanly (exit 0). SIGHUP re-reads the\n" +
        "configuration: a bad one is refused (one line) and lcgw keeps running on the old one; a good\n" +
        "one is applied, keeping what the MQTT queue holds. It re-reads the keyring and the nodes'\n" +
        "bearer keys too (restricted channels): a signer added to the keyring is trusted, a removed one\n" +
        "no longer; a broken keyring refuses the reload and the old keys stay (lcgw_config_reloads_total\n" +
        "counts reloads by result: applied, refused, failed). A missing network interface, sensor or\n" +
        "MQTT broker does not stop it: each is retried. The status page is at / next to /metrics.\n" +
        "Logs go to stderr (logfmt, or JSON with \"option log_format 'json'\"); JSON lines go to stdout\n" +
        "or a file. A bad argument or configuration is one line on stderr (for the configuration:\n" +
        "file, line and what is wrong) and exit code 2.\n" +
        "Exit codes: 0 stopped cleanly (or --check-config found no error), 1 an output could not be\n" +
        "opened at start (jsonl file, metrics address), 2 bad arguments or configuration.";

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        StandardStreams.Guard();
        string configPath = DefaultConfigPath;
        bool check = false;
        string[]? tokenArgs = null;
        for (int i = 0; i < args.Length && tokenArgs == null; i++)
        {
            switch (args[i])
            {
                case "token":
                    tokenArgs = args[(i + 1)..]; // SiteTokens.cs
                    break;
                case "-c":
                case "--config":
                    if (i + 1 >= args.Length) return UsageError(args[i] + " needs a FILE");
                    configPath = args[++i];
                    break;
                case "--check-config":
                    check = true;
                    break;
                case "--version":
                    Console.Out.WriteLine("lcgw " + Version());
                    return ExitOk;
                case "-h":
                case "--help":
                    Console.Out.WriteLine(Usage);
                    return ExitOk;
                default:
                    return UsageError("unknown argument '" + args[i] + "'");
            }
        }

        GatewayConfig config;
        try
        {
            config = GatewayConfig.Load(configPath);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine("lcgw: " + e.Message);
            return ExitUsage;
        }
        if (tokenArgs != null) return SiteTokens.Run(config, tokenArgs);
        if (check)
        {
            Console.Out.WriteLine("lcgw: " + configPath + ": ok: " + config.Describe());
            return ExitOk;
        }
        return Run(config);
    }

    private static int Run(GatewayConfig config)
    {
        var log = new Log(StandardStreams.StderrClosed ? TextWriter.Null : Console.Error, config.LogFormat, config.LogLevel);
        using var wake = new AutoResetEvent(false);
        string signal = "";
        int reloads = 0; // SIGHUPs not yet handled
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we stop ourselves, cleanly
            signal = context.Signal.ToString();
            wake.Set();
        }
        void OnHangup(PosixSignalContext context)
        {
            context.Cancel = true; // SIGHUP re-reads the config instead of ending the process
            Interlocked.Increment(ref reloads);
            wake.Set();
        }
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        using PosixSignalRegistration hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);

        var gateway = new Gateway(config, log);
        try
        {
            gateway.Start();
        }
        catch (Exception e) when (e is LibrecastException or IOException or SocketException or UnauthorizedAccessException)
        {
            log.Error("cannot start", ("error", Librecast.Sockets.SystemErrors.Describe(e))); // the one line that says why
            gateway.Dispose();
            return ExitFailure;
        }
        while (true)
        {
            wake.WaitOne();
            if (signal.Length > 0) break;
            if (Interlocked.Exchange(ref reloads, 0) > 0) gateway = Reload(gateway, log);
        }
        log.Info("stopping", ("signal", signal));
        gateway.Dispose();
        return ExitOk;
    }

    // SIGHUP: a new config that does not validate is refused (one line, file:line) and the old one
    // keeps running; a valid one replaces it, keeping the outputs whose settings did not change
    // (the MQTT queue with what it holds). If the new one cannot start (its metrics port taken),
    // the old configuration is started again.
    private static Gateway Reload(Gateway current, Log log)
    {
        GatewayConfig next;
        try
        {
            next = GatewayConfig.Load(current.Config.Source);
        }
        catch (ConfigException e)
        {
            ConfigReloads.Refused();
            log.Error("config reload refused; still running on the previous configuration", ("error", e.Message));
            return current;
        }
        log.Info("reloading config", ("config", next.Source), ("summary", next.Describe()));
        current.StopInputs();
        var replacement = new Gateway(next, log);
        try
        {
            replacement.Start(current);
        }
        catch (Exception e) when (e is LibrecastException or IOException or SocketException or UnauthorizedAccessException)
        {
            ConfigReloads.Failed();
            log.Error("new config cannot start; going back to the previous one", ("error", Librecast.Sockets.SystemErrors.Describe(e)));
            replacement.ReplacedByReload = true;
            replacement.StopInputs();
            var again = new Gateway(current.Config, log);
            again.Start(replacement);
            replacement.Dispose();
            current.ReplacedByReload = true;
            current.Dispose();
            return again;
        }
        current.ReplacedByReload = true;
        current.Dispose();
        ConfigReloads.Applied();
        log.Info("config reloaded", ("config", next.Source));
        return replacement;
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine("lcgw: " + message + " (try 'lcgw --help')");
        return ExitUsage;
    }

    private static string Version() =>
        typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
