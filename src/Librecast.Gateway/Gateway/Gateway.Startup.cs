using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;
using Librecast.Gateway.Senml;
using Librecast.Sensors;
using Librecast.Sensors.Simulated;
using Librecast.Sockets;

namespace Librecast.Gateway;

/// <summary>
/// The running gateway: subscribes to the configured channels, decodes SenML, feeds the outputs,
/// reads and publishes local sensors. Built from a <see cref="GatewayConfig"/>; <see cref="Start()"/>
/// then <see cref="Dispose"/> (which is the clean shutdown).
/// </summary>
/// <remarks>
/// One class in parts named for what they do: start-up (this file), the network supervisor
/// (<c>Gateway.Network.cs</c>), routing and the bridge loop guard (<c>Gateway.Routing.cs</c>),
/// delivery to the outputs (<c>Gateway.Delivery.cs</c>), sensor scheduling
/// (<c>Gateway.Sensors.cs</c>), the shared directory (<c>Gateway.Share.cs</c>), the metric table (<c>Gateway.Metrics.cs</c>) and shutdown
/// (<c>Gateway.Shutdown.cs</c>). One cancellation, <see cref="shutdown"/>, stops every thread.
/// </remarks>
public sealed partial class Gateway : IDisposable
{
    private readonly GatewayConfig config;
    private readonly Log log;
    private readonly II2cDeviceSource? sensorBus;
    private readonly List<IOutput> outputs = new();
    private readonly List<SensorPoller> pollers = new();
    private readonly SenmlDecoder networkDecoder;
    // The one shutdown signal: the network retry and the sensor loop wait on it, Dispose cancels it.
    private readonly CancellationTokenSource shutdown = new();
    private Context? context;
    private Thread? sensorThread;
    private TelemetryEncoder? encoder;
    private string localBaseName = "";

    /// <summary>Prepares a gateway; nothing is opened until <see cref="Start()"/>.</summary>
    /// <param name="config">Validated configuration.</param>
    /// <param name="log">Where logs go.</param>
    /// <param name="sensorBus">I2C source for sensors with a numeric bus (null: the Linux kernel's /dev/i2c-N).</param>
    public Gateway(GatewayConfig config, Log log, II2cDeviceSource? sensorBus = null)
    {
        this.config = config ?? throw new ArgumentNullException(nameof(config));
        this.log = log ?? throw new ArgumentNullException(nameof(log));
        this.sensorBus = sensorBus;
        networkDecoder = new SenmlDecoder();
        Metrics = new MetricsStore { SeriesTtl = config.SeriesTtl };
    }

    /// <summary>The metrics store (also served over HTTP when configured).</summary>
    public MetricsStore Metrics { get; private set; }

    /// <summary>The HTTP /metrics server, if configured.</summary>
    public MetricsServer? MetricsServer { get; private set; }

    /// <summary>The JSON lines output, if configured.</summary>
    public JsonLinesOutput? Jsonl { get; private set; }

    /// <summary>The configuration it runs on.</summary>
    public GatewayConfig Config => config;

    /// <summary>The MQTT bridge, if configured.</summary>
    public MqttBridge? Mqtt { get; private set; }

    /// <summary>The transport counters (null before Start).</summary>
    public Counters? Counters => context?.Counters;

    /// <summary>
    /// Opens outputs, joins channels, starts sensor polling. If the network refuses (interface
    /// missing, join failed) the rest still starts and the network is retried in the background.
    /// </summary>
    /// <exception cref="System.IO.IOException">The JSON lines file cannot be opened, the metrics address is in use or not local, or /dev/urandom cannot be read.</exception>
    public void Start() => Start(null);

    /// <summary>
    /// Starts in place of <paramref name="previous"/> (a SIGHUP reload): its inputs must be
    /// stopped (<see cref="StopInputs"/>); the outputs whose configuration did not change are
    /// taken over as they are (the MQTT queue with what it holds, the JSON lines file, the metric
    /// series and the HTTP listener), the rest is opened anew. Dispose <paramref name="previous"/>
    /// afterwards: it closes only what was not taken over.
    /// </summary>
    /// <exception cref="System.IO.IOException">As <see cref="Start()"/>.</exception>
    public void Start(Gateway? previous)
    {
        if (previous != null && previous.MetricsServer != null && Equals(previous.config.MetricsEndpoint, config.MetricsEndpoint) && previous.config.SeriesTtl == config.SeriesTtl)
        {
            Metrics = previous.Metrics;
            Metrics.ClearSources();
            MetricsServer = previous.MetricsServer;
            previous.outputs.Remove(previous.Metrics);
            previous.MetricsServer = null;
        }
        outputs.Add(Metrics);
        if (config.JsonLinesPath != null)
        {
            if (previous?.Jsonl != null && previous.config.JsonLinesPath == config.JsonLinesPath)
            {
                Jsonl = previous.Jsonl;
                previous.outputs.Remove(previous.Jsonl);
                previous.Jsonl = null;
                Jsonl.EndBatch(); // what the old receive thread's last batch left waiting
            }
            else Jsonl = new JsonLinesOutput(config.JsonLinesPath, log);
            outputs.Add(Jsonl);
        }
        if (config.Mqtt != null)
        {
            if (previous?.Mqtt != null && previous.config.Mqtt == config.Mqtt)
            {
                Mqtt = previous.Mqtt; // what it has queued stays queued
                previous.outputs.Remove(previous.Mqtt);
                previous.Mqtt = null;
            }
            else Mqtt = new MqttBridge(config.Mqtt, log);
            outputs.Add(Mqtt);
        }
        Metrics.AddSource(GatewayMetrics);
        if (MetricsServer != null)
        {
            MetricsServer.StatusPage = new StatusPage(Metrics, "lcgw " + config.Node, ChannelRoles()).Render;
        }
        else if (config.MetricsEndpoint != null)
        {
            try
            {
                MetricsServer = new MetricsServer(config.MetricsEndpoint, Metrics, log, new StatusPage(Metrics, "lcgw " + config.Node, ChannelRoles()).Render);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new System.IO.IOException("metrics: cannot listen on " + config.MetricsEndpoint + ": " + e.Message, e);
            }
            log.Info("metrics endpoint listening", ("url", "http://" + MetricsServer.Endpoint + "/metrics"), ("status_page", "http://" + MetricsServer.Endpoint + "/"));
            if (MetricsServer.BeyondLoopback(MetricsServer.Endpoint))
                log.Warn("metrics and status page are reachable from other hosts, without authentication: bind to 127.0.0.1 unless that is meant (a firewall or a reverse proxy in front)",
                    ("listen", MetricsServer.Endpoint.ToString()));
        }

        if (previous != null) TakeOverRestricted(previous); // Gateway.Restricted.cs
        context = new Context(SocketsPlatform.Instance) { Wire = config.Wire }; // randomness from /dev/urandom: no OpenSSL in a static image
        if (config.Sensors.Count > 0)
        {
            SimulatedI2cBus? simulated = null;
            foreach (LocalSensorConfig s in config.Sensors)
            {
                II2cDeviceSource source = s.Simulated ? (simulated ??= SimulatedI2cBus.CreateDemo(StableSeed(config.Node)))
                                                      : sensorBus ?? LinuxI2c.Instance;
                pollers.Add(new SensorPoller(s.Spec, source));
            }
            encoder = new TelemetryEncoder(config.Site, config.Node);
            localBaseName = NodeNames.BaseName(config.Site, config.Node);
        }
        StartNetwork();
        StartShare();
        StartTimeBeacon(); // Gateway.Time.cs
        if (pollers.Count > 0)
        {
            sensorThread = new Thread(SensorLoop) { IsBackground = true, Name = "lcgw-sensors" };
            sensorThread.Start();
        }
        log.Info("lcgw started", ("config", config.Source), ("summary", config.Describe()));
    }

    private List<(string, string)> ChannelRoles()
    {
        var list = new List<(string, string)>();
        foreach (string c in config.Channels) list.Add((c, "subscribed"));
        foreach (string c in config.BridgeUp) list.Add((c, "bridged IPv4 to IPv6"));
        foreach (string c in config.BridgeDown) list.Add((c, "bridged IPv6 to IPv4"));
        foreach (MigratedChannel m in config.MigrateUp) list.Add((m.Name, "migrated from wire " + m.Old.Name + " to " + m.New.Name));
        foreach (MigratedChannel m in config.MigrateDown) list.Add((m.Name, "commands migrated from wire " + m.New.Name + " to " + m.Old.Name));
        foreach (LocalSensorConfig s in config.Sensors)
            if (!list.Contains((s.Channel, "local sensors"))) list.Add((s.Channel, "local sensors"));
        if (config.Share != null) list.Add((config.Share.Channel, "shared files from " + config.Share.Directory));
        return list;
    }

    private static int StableSeed(string text)
    {
        int h = 17;
        foreach (char c in text) h = unchecked(h * 31 + c);
        return h;
    }
}
