using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using Librecast;
using Librecast.Files;
using Librecast.Sensors;

namespace Librecast.Gateway.Config;

/// <summary>Log line format: <c>text</c> (logfmt key=value) or <c>json</c> (one object per line).</summary>
public enum LogFormat
{
    /// <summary>logfmt: <c>ts=... level=info msg="..." key=value</c>.</summary>
    Text,

    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>Least severe level that is logged.</summary>
public enum LogLevel
{
    /// <summary>Everything, including each message received.</summary>
    Debug,

    /// <summary>Start, stop, state changes.</summary>
    Info,

    /// <summary>Problems lcgw works around (sensor missing, broker down).</summary>
    Warn,

    /// <summary>Failures.</summary>
    Error,
}

/// <summary>The <c>config mqtt</c> section.</summary>
/// <param name="Host">Broker host name or address.</param>
/// <param name="Port">Broker port (1883, or 8883 with TLS).</param>
/// <param name="ClientId">MQTT client id (also names lcgw's availability topic).</param>
/// <param name="TopicPrefix">Prepended to every topic.</param>
/// <param name="Qos">Quality of service of the readings (0-2).</param>
/// <param name="Retain">Readings published retained.</param>
/// <param name="Username">Login name, or null.</param>
/// <param name="Password">Password (from password or password_file), or null.</param>
/// <param name="Tls">Connect with TLS (needs OpenSSL: not in a static image).</param>
/// <param name="CaFile">PEM file of the CA that signed the broker's certificate (null: the system's trust store).</param>
/// <param name="HomeAssistant">Publish Home Assistant discovery configs (retained).</param>
/// <param name="DiscoveryPrefix">Home Assistant's discovery prefix.</param>
public sealed record MqttConfig(string Host, int Port, string ClientId, string TopicPrefix, int Qos, bool Retain, string? Username, string? Password,
                                bool Tls = false, string? CaFile = null, bool HomeAssistant = false, string DiscoveryPrefix = "homeassistant");

/// <summary>One <c>config sensor</c> section: a local chip read every <paramref name="IntervalSeconds"/> and published on <paramref name="Channel"/>.</summary>
public sealed record LocalSensorConfig(string Name, SensorSpec Spec, bool Simulated, double IntervalSeconds, string Channel);

/// <summary>The <c>config share</c> section: every regular file in <paramref name="Directory"/> announced and streamed on <paramref name="Channel"/> (lc share's protocol, docs/fec.md).</summary>
/// <param name="Directory">The directory whose files are shared (not recursive).</param>
/// <param name="Channel">The announcement channel (lc fetch CHANNEL).</param>
/// <param name="KeyFile">32-byte SYMM key for announcements and symbols, or null (not inherited from the gateway section).</param>
/// <param name="RateMbit">Rate limit, Mbit/s.</param>
/// <param name="Interface">Interface to send on, or null for the gateway's.</param>
/// <param name="SymbolSize">RaptorQ symbol size T.</param>
/// <param name="RescanSeconds">Seconds between directory scans; 0: at start and on SIGHUP only.</param>
/// <param name="MaxBytes">Most file bytes shared at once (memory: about 1.1 × this).</param>
/// <param name="MaxFiles">Most files shared at once.</param>
/// <param name="Wire">The librecast wire of the channel (the section's or the gateway's "option wire"); null: the context's.</param>
public sealed record ShareConfig(string Directory, string Channel, string? KeyFile, double RateMbit, string? Interface, int SymbolSize,
                                 double RescanSeconds, long MaxBytes, int MaxFiles, WireProfile? Wire = null)
{
    /// <summary>Default rate limit, as lc share's.</summary>
    public const double DefaultRateMbit = 20;

    /// <summary>Default <see cref="MaxBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxBytes = 64L << 20;

    /// <summary>Default <see cref="MaxFiles"/>.</summary>
    public const int DefaultMaxFiles = 100;
}

/// <summary>
/// One channel of a <c>config migrate</c> section: heard on one librecast wire, republished verbatim on
/// the other (nodes flashed with an older wire keep reporting while current programs hear the new one).
/// </summary>
/// <param name="Name">The channel name: the same on both wires, on two different groups.</param>
/// <param name="Old">The wire the nodes speak (<c>option from</c>).</param>
/// <param name="New">The wire lcgw republishes on (<c>option to</c>; default: the gateway section's wire).</param>
/// <param name="Where">file:line of its <c>list</c> line, for messages.</param>
public sealed record MigratedChannel(string Name, WireProfile Old, WireProfile New, string Where);

/// <summary>
/// lcgw's configuration, read from a UCI-syntax file (see docs/deploy.md and
/// tools/image/lcgw.conf for every option). Validation errors name the file and line.
/// </summary>
public sealed partial class GatewayConfig
{
    /// <summary>Interface to join and send on (name or index); null for the default route.</summary>
    public string? Interface { get; private set; }

    /// <summary>Site name used in local sensors' channel names and SenML base names.</summary>
    public string Site { get; private set; } = "site1";

    /// <summary>This gateway's node name (default: the host name).</summary>
    public string Node { get; private set; } = DefaultNode();

    /// <summary>Log format.</summary>
    public LogFormat LogFormat { get; private set; } = LogFormat.Text;

    /// <summary>Log level.</summary>
    public LogLevel LogLevel { get; private set; } = LogLevel.Info;

    /// <summary>Largest datagram received; larger ones are counted as truncated.</summary>
    public int MaxDatagram { get; private set; } = 2048;

    /// <summary>
    /// File holding the 32-byte key of the subscribed and sensor channels (librecast SYMM), or
    /// null for channels in clear. Bridged channels are republished as they are, never decrypted.
    /// </summary>
    public string? KeyFile { get; private set; }

    /// <summary>Replay and loss detection on the receiving socket (beyond librecast).</summary>
    public bool Replay { get; private set; }

    /// <summary>With <see cref="Replay"/>: messages stamped further than this from the local clock are dropped; 0 = no bound.</summary>
    public double MaxAgeSeconds { get; private set; }

    /// <summary>Seconds between two time beacons on SITE/time (<c>option time_beacon</c>); 0: none.</summary>
    public double TimeBeaconSeconds { get; private set; }

    /// <summary>Channels to subscribe to.</summary>
    public List<string> Channels { get; } = new();

    /// <summary>JSON lines output: "-" for stdout, a file path, or null for none.</summary>
    public string? JsonLinesPath { get; private set; }

    /// <summary>Where /metrics is served, or null for no HTTP endpoint.</summary>
    public IPEndPoint? MetricsEndpoint { get; private set; }

    /// <summary>Metric series not updated for this long are dropped (<c>option series_ttl</c>, seconds; 0 keeps them).</summary>
    public TimeSpan SeriesTtl { get; private set; } = TimeSpan.FromHours(1);

    /// <summary>The MQTT bridge, or null.</summary>
    public MqttConfig? Mqtt { get; private set; }

    /// <summary>Local sensors to read and publish.</summary>
    public List<LocalSensorConfig> Sensors { get; } = new();

    /// <summary>Channels that nodes on IPv4-only firmware publish; bridged IPv4 to IPv6.</summary>
    public List<string> BridgeUp { get; } = new();

    /// <summary>Command channels bridged IPv6 to IPv4, so IPv4-only nodes hear them.</summary>
    public List<string> BridgeDown { get; } = new();

    /// <summary>
    /// <c>config migrate</c>, <c>list channel</c>: heard on the old wire's group, republished verbatim on
    /// the new wire's, and delivered to the outputs.
    /// </summary>
    public List<MigratedChannel> MigrateUp { get; } = new();

    /// <summary><c>config migrate</c>, <c>list command</c>: heard on the new wire's group, republished verbatim on the old wire's.</summary>
    public List<MigratedChannel> MigrateDown { get; } = new();

    /// <summary>True if <paramref name="name"/> is bridged from one address family or wire to another (republished as it is, never decrypted).</summary>
    public bool IsMigrated(string name)
    {
        foreach (MigratedChannel m in MigrateUp) if (m.Name == name) return true;
        foreach (MigratedChannel m in MigrateDown) if (m.Name == name) return true;
        return false;
    }

    /// <summary>The directory shared on a channel (<c>config share</c>), or null.</summary>
    public ShareConfig? Share { get; private set; }

    /// <summary>The file this was read from.</summary>
    public string Source { get; private set; } = "";

    /// <summary>The librecast wire of every channel without its own (gateway section "option wire"; default 0.11).</summary>
    public WireProfile Wire { get; private set; } = WireProfile.Default;

    private readonly Dictionary<string, (WireProfile Wire, string Where)> channelWire = new();

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="ConfigException">Unreadable file or invalid content; the message says where and what.</exception>
    public static GatewayConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException("cannot read config file " + path + ": " + Librecast.Sockets.SystemErrors.Describe(e));
        }
        GatewayConfig config = Parse(text, path);
        if (config.KeyFile != null)
        {
            try
            {
                Librecast.Files.KeyFile.Check(config.KeyFile); // --check-config catches a bad key file too
            }
            catch (LibrecastException e)
            {
                throw new ConfigException(path + ": key_file: " + e.Message);
            }
        }
        if (config.Share?.KeyFile != null)
        {
            try
            {
                Librecast.Files.KeyFile.Check(config.Share.KeyFile);
            }
            catch (LibrecastException e)
            {
                throw new ConfigException(path + ": share key_file: " + e.Message);
            }
        }
        return config;
    }

    /// <summary>Validates config <paramref name="text"/>; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="ConfigException">Invalid content.</exception>
    public static GatewayConfig Parse(string text, string file)
    {
        var config = new GatewayConfig { Source = file };
        var seen = new HashSet<string>();
        int sensorIndex = 0;
        var sensorWires = new List<(int Index, WireProfile Wire, string Where)>(); // a sensor's channel is known only at the end
        // A migration's "to" defaults to the gateway section's wire, which may come later in the file.
        var pendingMigrations = new List<(UciSection Section, WireProfile From, WireProfile? To, string ToWhere,
                                          List<(string Value, int Line)> Up, List<(string Value, int Line)> Down)>();
        foreach (UciSection section in UciFile.Parse(text, file))
        {
            var options = new Options(section);
            if (!options.Flag("enabled", true)) continue; // OpenWrt style: "option enabled '0'" switches a section off
            bool single = section.Type is "gateway" or "jsonl" or "metrics" or "mqtt" or "share";
            if (single && !seen.Add(section.Type))
                throw new ConfigException(section.Where + ": a second 'config " + section.Type + "' section (only one is allowed)");
            switch (section.Type)
            {
                case "gateway":
                    config.Interface = options.String("interface");
                    config.Wire = ReadWire(options) ?? config.Wire;
                    config.Site = options.Name("site") ?? config.Site;
                    config.Node = options.Name("node") ?? config.Node;
                    config.LogFormat = options.Choice("log_format", LogFormat.Text, ("text", LogFormat.Text), ("json", LogFormat.Json));
                    config.LogLevel = options.Choice("log_level", LogLevel.Info,
                        ("debug", LogLevel.Debug), ("info", LogLevel.Info), ("warn", LogLevel.Warn), ("error", LogLevel.Error));
                    config.MaxDatagram = options.Int("max_datagram", 2048, 64, 65536);
                    config.KeyFile = Credentials.Resolve(options.String("key_file"), options.WhereOf("key_file") + ": key_file");
                    config.Replay = options.Flag("replay", false);
                    config.MaxAgeSeconds = options.Double("max_age", 0, 0, 1e6);
                    if (config.MaxAgeSeconds > 0 && !config.Replay)
                        throw new ConfigException(options.WhereOf("max_age") + ": max_age is part of replay detection: add \"option replay '1'\"");
                    config.TimeBeaconSeconds = options.Double("time_beacon", 0, 0, 3600);
                    if (config.TimeBeaconSeconds > 0 && config.TimeBeaconSeconds < 1)
                        throw new ConfigException(options.WhereOf("time_beacon") + ": time_beacon is seconds between beacons: 0 (off) or 1 to 3600");
                    config.ReadRestrictedGateway(options); // GatewayConfig.Restricted.cs
                    break;
                case "subscribe":
                {
                    WireProfile? wire = ReadWire(options);
                    bool nack = ReadNackReceive(options); // GatewayConfig.Nack.cs
                    bool restricted = options.Flag("restricted", false); // GatewayConfig.Restricted.cs
                    foreach ((string value, int line) in options.List("channel"))
                    {
                        config.AddChannel(config.Channels, value, section, line);
                        if (restricted) config.MarkRestricted(value, options.WhereOf("restricted"));
                        config.SetWire(value, wire, options.WhereOf("wire"));
                        if (nack) config.AddGapRepair(value, options.WhereOf("nack"));
                    }
                    break;
                }
                case "jsonl":
                    config.JsonLinesPath = options.String("path") ?? "-";
                    break;
                case "metrics":
                    config.MetricsEndpoint = options.Endpoint("listen", "127.0.0.1:9464");
                    config.SeriesTtl = TimeSpan.FromSeconds(options.Double("series_ttl", 3600, 0, 1e7));
                    break;
                case "mqtt":
                {
                    string host = options.String("host") ?? "127.0.0.1";
                    string clientId = options.String("client_id") ?? "lcgw-" + config.Node;
                    string prefix = options.String("topic_prefix") ?? "librecast/";
                    if (prefix.Contains('+') || prefix.Contains('#'))
                        throw new ConfigException(options.WhereOf("topic_prefix") + ": topic_prefix may not contain MQTT wildcards + or #");
                    int qos = options.Int("qos", 0, 0, 2);
                    bool retain = options.Flag("retain", false);
                    bool tls = options.Flag("tls", false);
                    int port = options.Int("port", tls ? 8883 : 1883, 1, 65535);
                    string? caFile = options.String("ca_file");
                    if (caFile != null && !tls)
                        throw new ConfigException(options.WhereOf("ca_file") + ": ca_file is for TLS: add \"option tls '1'\"");
                    string? password = options.String("password");
                    string? passwordFile = options.String("password_file");
                    if (password != null && passwordFile != null)
                        throw new ConfigException(options.WhereOf("password_file") + ": set password or password_file, not both");
                    if (passwordFile != null) password = ReadSecret(Credentials.Resolve(passwordFile, options.WhereOf("password_file") + ": password_file")!, options.WhereOf("password_file"));
                    bool ha = options.Flag("homeassistant", false);
                    string discoveryPrefix = options.String("discovery_prefix") ?? "homeassistant";
                    if (discoveryPrefix.IndexOfAny(['+', '#']) >= 0)
                        throw new ConfigException(options.WhereOf("discovery_prefix") + ": discovery_prefix may not contain MQTT wildcards + or #");
                    config.Mqtt = new MqttConfig(host, port, clientId, prefix, qos, retain, options.String("username"), password,
                                                 tls, caFile, ha, discoveryPrefix.TrimEnd('/'));
                    break;
                }
                case "sensor":
                {
                    sensorIndex++;
                    string typeText = options.String("type") ??
                        throw new ConfigException(section.Where + ": 'config sensor' needs \"option type\" (" + SensorSpec.TypeNames + ")");
                    if (!SensorSpec.TryParseType(typeText, out SensorType type))
                        throw new ConfigException(options.WhereOf("type") + ": unknown sensor type '" + typeText + "' (known: " + SensorSpec.TypeNames + ")");
                    string busText = options.String("bus") ?? "1";
                    bool simulated = busText == "sim";
                    int bus = simulated ? 1 : ParseInt(busText, options.WhereOf("bus"), "bus", 0, 255);
                    int address = options.Int("address", SensorSpec.DefaultAddress(type), 0x03, 0x77);
                    double interval = options.Double("interval", 10, 0.1, 86400);
                    string? channel = options.String("channel");
                    WireProfile? sensorWire = ReadWire(options);
                    if (sensorWire != null) sensorWires.Add((config.Sensors.Count, sensorWire, options.WhereOf("wire")));
                    config.ReadNackLog(options, config.Sensors.Count); // GatewayConfig.Nack.cs
                    if (section.Name != null && HasControl(section.Name))
                        throw new ConfigException(section.Where + ": sensor name contains a control character");
                    string name = string.IsNullOrEmpty(section.Name) ? typeText + sensorIndex.ToString(CultureInfo.InvariantCulture) : section.Name;
                    foreach (LocalSensorConfig other in config.Sensors)
                        if (other.Name == name)
                            throw new ConfigException(section.Where + ": a second 'config sensor' named '" + name + "' (each sensor needs its own name: it labels its metrics)");
                    config.Sensors.Add(new LocalSensorConfig(name, new SensorSpec(type, bus, address), simulated, interval, channel ?? ""));
                    break;
                }
                case "bridge":
                {
                    WireProfile? wire = ReadWire(options);
                    foreach ((string value, int line) in options.List("ipv4"))
                    {
                        config.AddChannel(config.BridgeUp, value, section, line);
                        config.SetWire(value, wire, options.WhereOf("wire"));
                    }
                    foreach ((string value, int line) in options.List("command"))
                    {
                        config.AddChannel(config.BridgeDown, value, section, line);
                        config.SetWire(value, wire, options.WhereOf("wire"));
                    }
                    break;
                }
                case "migrate":
                {
                    string fromText = options.String("from") ??
                        throw new ConfigException(section.Where + ": 'config migrate' needs \"option from\" (the wire the nodes speak: " + WireProfile.Names + ")");
                    WireProfile from = ParseWire(fromText, options.WhereOf("from"));
                    string? toText = options.String("to");
                    WireProfile? to = toText == null ? null : ParseWire(toText, options.WhereOf("to"));
                    var up = options.List("channel");
                    var down = options.List("command");
                    if (up.Count == 0 && down.Count == 0)
                        throw new ConfigException(section.Where + ": 'config migrate' needs \"list channel\" (what the nodes publish) or \"list command\" (what they listen to)");
                    pendingMigrations.Add((section, from, to, toText == null ? section.Where : options.WhereOf("to"), up, down));
                    break;
                }
                case "share":
                {
                    string directory = options.String("directory") ??
                        throw new ConfigException(section.Where + ": 'config share' needs \"option directory\" (the directory whose files are shared)");
                    string channel = options.String("channel") ??
                        throw new ConfigException(section.Where + ": 'config share' needs \"option channel\" (where the files are announced: lc fetch CHANNEL)");
                    string? shareKey = Credentials.Resolve(options.String("key_file"), options.WhereOf("key_file") + ": key_file");
                    double rate = options.Double("rate", ShareConfig.DefaultRateMbit, 0.001, 100000);
                    int t = options.Int("symbol_size", Librecast.Fec.FecCoding.LibrecastSymbolSize, ShareSender.MinSymbolSize, ShareSender.MaxSymbolSize);
                    if (!ShareSender.IsValidSymbolSize(t))
                        throw new ConfigException(options.WhereOf("symbol_size") + ": symbol_size '" + t.ToString(CultureInfo.InvariantCulture) + "' is not a multiple of 4");
                    double rescan = options.Double("rescan", 10, 0, 86400);
                    long maxBytes = options.Int("max_bytes", (int)ShareConfig.DefaultMaxBytes, 1, int.MaxValue);
                    int maxFiles = options.Int("max_files", ShareConfig.DefaultMaxFiles, 1, 10000);
                    config.SetWire(channel, ReadWire(options), options.WhereOf("wire"));
                    config.Share = new ShareConfig(directory, channel, shareKey, rate, options.String("interface"), t, rescan, maxBytes, maxFiles);
                    break;
                }
                case "node":
                    config.ReadNode(section, options); // GatewayConfig.Restricted.cs
                    break;
                default:
                    throw new ConfigException(section.Where + ": unknown section 'config " + section.Type +
                                              "' (known: gateway, subscribe, jsonl, metrics, mqtt, sensor, bridge, migrate, share, node)");
            }
            options.Done();
        }
        foreach (var (section, from, to, toWhere, up, down) in pendingMigrations)
        {
            WireProfile newWire = to ?? config.Wire;
            if (newWire == from)
                throw new ConfigException(toWhere + ": 'config migrate' from wire " + from.Name + " to wire " + newWire.Name +
                                          (to == null ? " (the gateway's wire: set \"option to\")" : "") + ": nothing to migrate");
            foreach ((string value, int line) in up) config.AddMigration(config.MigrateUp, value, from, newWire, section, line);
            foreach ((string value, int line) in down) config.AddMigration(config.MigrateDown, value, from, newWire, section, line);
        }
        // Sensors publish on SITE/NODE/telemetry unless told otherwise: known only once the gateway section is read.
        for (int i = 0; i < config.Sensors.Count; i++)
            if (config.Sensors[i].Channel.Length == 0)
                config.Sensors[i] = config.Sensors[i] with { Channel = NodeNames.Telemetry(config.Site, config.Node) };
        foreach (var (index, wire, where) in sensorWires) config.SetWire(config.Sensors[index].Channel, wire, where);
        if (config.Share != null) config.Share = config.Share with { Wire = config.WireOf(config.Share.Channel) };
        config.ResolveNack();
        config.ResolveRestricted();
        if (config.Channels.Count == 0 && config.Sensors.Count == 0 && config.BridgeUp.Count == 0 && config.BridgeDown.Count == 0 && config.Share == null &&
            config.MigrateUp.Count == 0 && config.MigrateDown.Count == 0 && config.TimeBeaconSeconds == 0)
            throw new ConfigException(file + ": nothing to do: add a 'config subscribe' with \"list channel\", a 'config sensor', a 'config bridge', a 'config migrate', a 'config share' or \"option time_beacon\"");
        if ((config.Channels.Count > 0 || config.Sensors.Count > 0) && config.JsonLinesPath == null && config.MetricsEndpoint == null && config.Mqtt == null)
            throw new ConfigException(file + ": readings would go nowhere: add an output ('config jsonl', 'config metrics' or 'config mqtt')");
        return config;
    }

    // A password file: its first line (a trailing newline is not part of the password).
    private static string ReadSecret(string path, string where)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(where + ": cannot read " + path + ": " + Librecast.Sockets.SystemErrors.Describe(e));
        }
        int end = text.IndexOfAny(['\r', '\n']);
        return end >= 0 ? text.Substring(0, end) : text;
    }

    // Control characters (and the Unicode line separators) in a value are a mistake in the file,
    // and would break one-line logs and the check-config summary.
    private static bool HasControl(string value)
    {
        foreach (char c in value)
            if (char.IsControl(c) || c == '\u2028' || c == '\u2029') return true;
        return false;
    }

    private void AddChannel(List<string> list, string name, UciSection section, int line)
    {
        if (name.Length == 0)
            throw new ConfigException(section.File + ":" + line.ToString(CultureInfo.InvariantCulture) + ": empty channel name");
        if (HasControl(name))
            throw new ConfigException(section.File + ":" + line.ToString(CultureInfo.InvariantCulture) + ": channel name contains a control character (a stray CR, tab or escape?)");
        if (!list.Contains(name)) list.Add(name);
    }

    private static string DefaultNode()
    {
        string host = Environment.MachineName;
        return NodeNames.Problem(host) == null ? host : "gateway"; // a host name the convention cannot carry
    }

    /// <summary>The librecast wire of channel <paramref name="channel"/>: its section's <c>option wire</c>, else the gateway section's, else 0.11.</summary>
    public WireProfile WireOf(string channel) => channelWire.TryGetValue(channel, out var w) ? w.Wire : Wire;

    // A section's "option wire" for the channels it names; a channel given two different wires is refused.
    private void SetWire(string channel, WireProfile? wire, string where)
    {
        if (wire == null) return;
        if (channelWire.TryGetValue(channel, out var had) && had.Wire != wire)
            throw new ConfigException(where + ": channel '" + channel + "' has wire " + had.Wire.Name + " at " + had.Where +
                                      " and " + wire.Name + " here: one channel speaks one librecast wire");
        channelWire[channel] = (wire, where);
    }

    private static WireProfile? ReadWire(Options options)
    {
        string? text = options.String("wire");
        return text == null ? null : ParseWire(text, options.WhereOf("wire"));
    }

    private static WireProfile ParseWire(string text, string where) =>
        WireProfile.Parse(text) ?? throw new ConfigException(where + ": wire '" + text + "' is not a librecast wire we speak (" +
            WireProfile.Names + ": librecast 0.5.1, 0.9.1, 0.11.2)");

    private readonly Dictionary<string, (UciSection Section, string Where)> migratedAt = new();

    // A name is migrated by one section (either list, or both), and is not also bridged: the IPv4
    // bridge and a wire migration of one name would bridge each other's copies.
    private void AddMigration(List<MigratedChannel> list, string name, WireProfile from, WireProfile to, UciSection section, int line)
    {
        string where = section.File + ":" + line.ToString(CultureInfo.InvariantCulture);
        var ignored = new List<string>();
        AddChannel(ignored, name, section, line); // empty names, control characters
        if (migratedAt.TryGetValue(name, out var had) && had.Section != section)
            throw new ConfigException(where + ": channel '" + name + "' is already migrated at " + had.Where + ": one 'config migrate' per channel");
        if (BridgeUp.Contains(name) || BridgeDown.Contains(name))
            throw new ConfigException(where + ": channel '" + name + "' is also in a 'config bridge': bridge it or migrate it, not both");
        // Elsewhere (subscribe, sensor, share) the name speaks the new wire; lcgw itself hears the old one here.
        SetWire(name, to, where);
        foreach (MigratedChannel m in list)
            if (m.Name == name) return;
        migratedAt[name] = (section, where);
        list.Add(new MigratedChannel(name, from, to, where));
    }


    /// <summary>A one-paragraph summary for --check-config and the start log.</summary>
    public string Describe()
    {
        var parts = new List<string>
        {
            "interface=" + (Interface ?? "(default route)"),
            "site=" + Site,
            "node=" + Node,
            "channels=" + Channels.Count,
            "sensors=" + Sensors.Count,
            "jsonl=" + (JsonLinesPath ?? "off"),
            "metrics=" + (MetricsEndpoint?.ToString() ?? "off"),
            "mqtt=" + (Mqtt == null ? "off" : Mqtt.Host + ":" + Mqtt.Port.ToString(CultureInfo.InvariantCulture)),
            "bridge_ipv4=" + BridgeUp.Count,
            "bridge_command=" + BridgeDown.Count,
            "share=" + (Share == null ? "off" : Share.Directory + "->" + Share.Channel),
            "migrate=" + MigrateUp.Count.ToString(CultureInfo.InvariantCulture) + "+" + MigrateDown.Count.ToString(CultureInfo.InvariantCulture),
            "time_beacon=" + (TimeBeaconSeconds > 0 ? TimeBeaconSeconds.ToString(CultureInfo.InvariantCulture) + "s" : "off"),
            "wire=" + Wire.Name + (channelWire.Count > 0 ? "(+" + channelWire.Count.ToString(CultureInfo.InvariantCulture) + " channels set)" : ""),
        };
        return string.Join(" ", parts);
    }

    internal static int ParseInt(string text, string where, string key, int min, int max)
    {
        int value;
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value)
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        if (!ok || value < min || value > max)
            throw new ConfigException(where + ": " + key + " '" + text + "' is not a number from " + min.ToString(CultureInfo.InvariantCulture) +
                                      " to " + max.ToString(CultureInfo.InvariantCulture));
        return value;
    }

    /// <summary>Typed access to a section's options; <see cref="Done"/> rejects what was not asked for.</summary>
    private sealed class Options(UciSection section)
    {
        private readonly HashSet<string> used = new();

        private (string Value, int Line)? Single(string key)
        {
            used.Add(key);
            (string Value, int Line)? found = null;
            foreach (var e in section.Entries)
            {
                if (e.Key != key) continue;
                if (found != null)
                    throw new ConfigException(section.File + ":" + e.Line.ToString(CultureInfo.InvariantCulture) + ": option " + key + " is set twice in 'config " + section.Type + "'");
                if (e.IsList)
                    throw new ConfigException(section.File + ":" + e.Line.ToString(CultureInfo.InvariantCulture) + ": " + key + " is an option, not a list: write \"option " + key + " '...'\"");
                found = (e.Value, e.Line);
            }
            return found;
        }

        public string WhereOf(string key)
        {
            foreach (var e in section.Entries)
                if (e.Key == key) return section.File + ":" + e.Line.ToString(CultureInfo.InvariantCulture);
            return section.Where;
        }

        public string? String(string key)
        {
            var v = Single(key);
            if (v == null || v.Value.Value.Length == 0) return null;
            if (HasControl(v.Value.Value))
                throw new ConfigException(WhereOf(key) + ": option " + key + " contains a control character (a stray CR, tab or escape?)");
            return v.Value.Value;
        }

        public string? Name(string key)
        {
            string? value = String(key);
            if (value != null && NodeNames.Problem(value) is string problem)
                throw new ConfigException(WhereOf(key) + ": " + key + " '" + value + "' " + problem);
            return value;
        }

        public int Int(string key, int fallback, int min, int max)
        {
            string? text = String(key);
            return text == null ? fallback : ParseInt(text, WhereOf(key), key, min, max);
        }

        public double Double(string key, double fallback, double min, double max)
        {
            string? text = String(key);
            if (text == null) return fallback;
            // Written so NaN ("nan" parses) fails the range check too.
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= min && value <= max))
                throw new ConfigException(WhereOf(key) + ": " + key + " '" + text + "' is not a number from " +
                                          min.ToString(CultureInfo.InvariantCulture) + " to " + max.ToString(CultureInfo.InvariantCulture));
            return value;
        }

        public bool Flag(string key, bool fallback)
        {
            string? text = String(key);
            switch (text)
            {
                case null: return fallback;
                case "1": case "true": case "yes": case "on": return true;
                case "0": case "false": case "no": case "off": return false;
                default: throw new ConfigException(WhereOf(key) + ": " + key + " '" + text + "' is not a boolean (1/0, true/false, yes/no, on/off)");
            }
        }

        public T Choice<T>(string key, T fallback, params (string Text, T Value)[] choices)
        {
            string? text = String(key);
            if (text == null) return fallback;
            var names = new List<string>();
            foreach (var (t, v) in choices)
            {
                if (t == text) return v;
                names.Add(t);
            }
            throw new ConfigException(WhereOf(key) + ": " + key + " '" + text + "' is not one of: " + string.Join(", ", names));
        }

        public IPEndPoint Endpoint(string key, string fallback)
        {
            string text = String(key) ?? fallback;
            // IPEndPoint.TryParse alone takes '9464' for the IPv4 address 0.0.36.248 and no port.
            if (!TryEndpoint(text, out IPEndPoint? ep))
                throw new ConfigException(WhereOf(key) + ": " + key + " '" + text + "' is not ADDRESS:PORT with a port from 1 to 65535 (like 127.0.0.1:9464 or [::1]:9464)");
            return ep!;
        }

        private static bool TryEndpoint(string text, out IPEndPoint? ep)
        {
            ep = null;
            int colon = text.LastIndexOf(':');
            if (colon <= 0) return false;
            string host = text.Substring(0, colon), port = text.Substring(colon + 1);
            if (host.StartsWith('['))
            {
                if (!host.EndsWith(']')) return false;
                host = host.Substring(1, host.Length - 2);
                if (!IPAddress.TryParse(host, out IPAddress? v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
            }
            else
            {
                // Dotted quad only: no '1.2' shorthands, no bare IPv6 without brackets, and no
                // leading zeros ('127.08.0.1': octal to inet_aton, an error to .NET).
                string[] octets = host.Split('.');
                if (octets.Length != 4) return false;
                foreach (string o in octets)
                    if (o.Length == 0 || o.Length > 3 || (o.Length > 1 && o[0] == '0') ||
                        !int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b > 255) return false;
            }
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535) return false;
            if (!IPAddress.TryParse(host, out IPAddress? address)) return false;
            ep = new IPEndPoint(address, p);
            return true;
        }

        public List<(string Value, int Line)> List(string key)
        {
            used.Add(key);
            var values = new List<(string, int)>();
            foreach (var e in section.Entries)
                if (e.Key == key) values.Add((e.Value, e.Line));
            return values;
        }

        public void Done()
        {
            var known = new List<string>(used);
            foreach (var e in section.Entries)
            {
                if (used.Contains(e.Key)) continue;
                known.Sort(StringComparer.Ordinal);
                throw new ConfigException(section.File + ":" + e.Line.ToString(CultureInfo.InvariantCulture) + ": unknown option '" + e.Key +
                                          "' in 'config " + section.Type + "' (known: " + string.Join(", ", known) + ")");
            }
        }
    }
}
