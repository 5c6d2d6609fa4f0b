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
/// reads and publishes local sensors. Built from a <see cref="GatewayConfig"/>; <see cref="Start"/>
/// then <see cref="Dispose"/> (which is the clean shutdown).
/// </summary>
public sealed class Gateway : IDisposable
{
    private readonly GatewayConfig config;
    private readonly Log log;
    private readonly II2cDeviceSource? sensorBus;
    private readonly List<IOutput> outputs = new();
    private readonly List<SensorPoller> pollers = new();
    private readonly SenmlDecoder networkDecoder;
    private readonly SenmlDecoder localDecoder;
    private readonly Observation networkObservation = new();
    private readonly Observation localObservation = new();
    private readonly ManualResetEventSlim stopping = new(false);
    private Context? context;
    private Librecast.Socket? subscriber;
    private Librecast.Socket? publisher;
    private Thread? sensorThread;
    private TelemetryEncoder? encoder;
    private int rejectedDatagrams, receiveErrors, localPublished, localSendErrors;

    /// <summary>Prepares a gateway; nothing is opened until <see cref="Start"/>.</summary>
    /// <param name="config">Validated configuration.</param>
    /// <param name="log">Where logs go.</param>
    /// <param name="sensorBus">I2C source for sensors with a numeric bus (null: the Linux kernel's /dev/i2c-N).</param>
    public Gateway(GatewayConfig config, Log log, II2cDeviceSource? sensorBus = null)
    {
        this.config = config ?? throw new ArgumentNullException(nameof(config));
        this.log = log ?? throw new ArgumentNullException(nameof(log));
        this.sensorBus = sensorBus;
        networkDecoder = new SenmlDecoder();
        localDecoder = new SenmlDecoder();
    }

    /// <summary>The metrics store (also served over HTTP when configured).</summary>
    public MetricsStore Metrics { get; } = new();

    /// <summary>The HTTP /metrics server, if configured.</summary>
    public MetricsServer? MetricsServer { get; private set; }

    /// <summary>The MQTT bridge, if configured.</summary>
    public MqttBridge? Mqtt { get; private set; }

    /// <summary>The transport counters (null before Start).</summary>
    public Counters? Counters => context?.Counters;

    /// <summary>Opens outputs, joins channels, starts sensor polling.</summary>
    /// <exception cref="LibrecastException">The network refused (unknown interface, join failed).</exception>
    /// <exception cref="System.IO.IOException">The JSON lines file cannot be opened.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The metrics address is in use.</exception>
    public void Start()
    {
        outputs.Add(Metrics);
        if (config.JsonLinesPath != null) outputs.Add(new JsonLinesOutput(config.JsonLinesPath, log));
        if (config.Mqtt != null)
        {
            Mqtt = new MqttBridge(config.Mqtt, log);
            outputs.Add(Mqtt);
        }
        Metrics.AddSource(GatewayMetrics);
        if (config.MetricsEndpoint != null)
        {
            MetricsServer = new MetricsServer(config.MetricsEndpoint, Metrics, log);
            log.Info("metrics endpoint listening", ("url", "http://" + MetricsServer.Endpoint + "/metrics"));
        }

        context = new Context(SocketsPlatform.Instance);
        int ifindex = Interfaces.Resolve(config.Interface);
        if (config.Channels.Count > 0)
        {
            subscriber = context.CreateSocket();
            subscriber.Bind(ifindex);
            foreach (string name in config.Channels)
            {
                Channel channel = context.CreateChannel(name);
                subscriber.Bind(channel);
                channel.Join();
                log.Info("subscribed", ("channel", name), ("group", channel.Address));
            }
            subscriber.Listen(OnMessage, OnRejected, OnReceiveError, config.MaxDatagram);
        }

        if (config.Sensors.Count > 0)
        {
            publisher = context.CreateSocket();
            publisher.Bind(ifindex);
            SimulatedI2cBus? simulated = null;
            foreach (LocalSensorConfig s in config.Sensors)
            {
                II2cDeviceSource source = s.Simulated ? (simulated ??= SimulatedI2cBus.CreateDemo(config.Node.GetHashCode()))
                                                      : sensorBus ?? LinuxI2c.Instance;
                pollers.Add(new SensorPoller(s.Spec, source));
            }
            encoder = new TelemetryEncoder(config.Site, config.Node);
            sensorThread = new Thread(SensorLoop) { IsBackground = true, Name = "lcgw-sensors" };
            sensorThread.Start();
        }
        log.Info("lcgw started", ("config", config.Source), ("summary", config.Describe()));
    }

    private void OnMessage(Message message)
    {
        Observation o = networkObservation;
        Channel? channel = message.Channel;
        o.Channel = channel?.Name ?? (message.Info.HasDestination ? GroupAddress.Format(message.Info.Destination, 0) : "unknown");
        if (!networkDecoder.TryDecode(message.Buffer, message.PayloadOffset, message.PayloadLength))
        {
            if (log.Enabled(LogLevel.Debug))
                log.Debug("not SenML; counted and skipped", ("channel", o.Channel), ("reason", networkDecoder.LastError), ("detail", networkDecoder.LastErrorDetail));
            return;
        }
        o.Source = GroupAddress.Format(message.Info.Source, 0);
        o.Sequence = message.Header.Sequence;
        o.Records = networkDecoder.Records;
        o.Count = networkDecoder.Count;
        o.Payload = message.Buffer;
        o.PayloadOffset = message.PayloadOffset;
        o.PayloadLength = message.PayloadLength;
        Deliver(o);
    }

    private void Deliver(Observation o)
    {
        foreach (IOutput output in outputs)
        {
            try
            {
                output.Write(o);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // An output bug must not stop the others or the receive thread.
                log.Error("output failed", ("output", output.GetType().Name), ("error", e.Message));
            }
        }
    }

    private void OnRejected(Message message)
    {
        Interlocked.Increment(ref rejectedDatagrams);
    }

    private void OnReceiveError(LibrecastException e)
    {
        Interlocked.Increment(ref receiveErrors);
        log.Warn("receive failed; still listening", ("error", e.Message));
    }

    private void SensorLoop()
    {
        var next = new DateTime[pollers.Count];
        var lastError = new string?[pollers.Count];
        var channels = new Channel[pollers.Count];
        var byName = new Dictionary<string, Channel>();
        for (int i = 0; i < pollers.Count; i++)
        {
            // Sensors configured on one channel share it, so its sequence numbers stay one series.
            string name = config.Sensors[i].Channel;
            if (!byName.TryGetValue(name, out Channel? channel))
            {
                channel = context!.CreateChannel(name);
                publisher!.Bind(channel);
                byName[name] = channel;
            }
            channels[i] = channel;
        }
        while (!stopping.IsSet)
        {
            DateTime now = DateTime.UtcNow;
            DateTime soonest = DateTime.MaxValue;
            for (int i = 0; i < pollers.Count; i++)
            {
                if (now >= next[i])
                {
                    PollOne(i, channels[i], ref lastError[i]);
                    next[i] = now.AddSeconds(config.Sensors[i].IntervalSeconds);
                }
                if (next[i] < soonest) soonest = next[i];
            }
            TimeSpan wait = soonest - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) stopping.Wait(wait);
        }
    }

    private void PollOne(int i, Channel channel, ref string? lastError)
    {
        SensorPoller poller = pollers[i];
        LocalSensorConfig sensor = config.Sensors[i];
        IReadOnlyList<Reading>? readings = poller.Poll();
        if (readings == null)
        {
            // Log when the problem starts or changes, not every interval.
            if (poller.LastError != lastError)
                log.Warn("sensor unavailable; will retry", ("sensor", sensor.Name), ("error", poller.LastError),
                    ("retry_seconds", sensor.IntervalSeconds));
            lastError = poller.LastError;
            return;
        }
        if (lastError != null || poller.Reads == 1) log.Info("sensor reading", ("sensor", sensor.Name), ("device", poller.Spec.ToString()));
        lastError = null;
        int length = encoder!.Encode(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), readings);
        byte[] payload = encoder.Buffer;
        try
        {
            channel.SendMessage(payload, 0, length);
            Interlocked.Increment(ref localPublished);
        }
        catch (LibrecastException e)
        {
            Interlocked.Increment(ref localSendErrors);
            log.Warn("sensor publish failed", ("sensor", sensor.Name), ("channel", channel.Name), ("error", e.Message));
        }
        if (localDecoder.TryDecode(payload, 0, length))
        {
            Observation o = localObservation;
            o.Channel = channel.Name ?? "";
            o.Source = "local";
            o.Sequence = channel.Sequence;
            o.Records = localDecoder.Records;
            o.Count = localDecoder.Count;
            o.Payload = payload;
            o.PayloadOffset = 0;
            o.PayloadLength = length;
            Deliver(o);
        }
    }

    private IEnumerable<MetricsStore.Metric> GatewayMetrics()
    {
        Counters? c = context?.Counters;
        if (c != null)
        {
            yield return new("lc_transport_published_total", "counter", "Messages accepted by a publisher ring.", "", c.Published);
            yield return new("lc_transport_dropped_total", "counter", "Messages a publisher dropped under its overflow policy.", "", c.Dropped);
            yield return new("lc_transport_sent_total", "counter", "Datagrams handed to the network.", "", c.Sent);
            yield return new("lc_transport_send_errors_total", "counter", "Sends that failed.", "", c.SendErrors);
            yield return new("lc_transport_received_total", "counter", "Datagrams received and accepted as librecast frames.", "", c.Received);
            yield return new("lc_transport_malformed_total", "counter", "Datagrams that were not well-formed librecast frames.", "", c.Malformed);
            yield return new("lc_transport_truncated_total", "counter", "Datagrams larger than max_datagram.", "", c.Truncated);
            yield return new("lc_transport_filtered_total", "counter", "Datagrams for groups not subscribed.", "", c.Filtered);
            yield return new("lc_transport_kernel_drops_total", "counter", "Datagrams the kernel dropped (receive buffer full).", "", c.KernelDrops);
        }
        yield return new("lcgw_senml_accepted_total", "counter", "SenML packs decoded.", "", networkDecoder.Accepted + localDecoder.Accepted);
        foreach (SenmlError reason in Enum.GetValues<SenmlError>())
        {
            if (reason == SenmlError.None) continue;
            yield return new("lcgw_senml_rejected_total", "counter", "Payloads rejected as SenML, by reason.",
                "reason=\"" + reason.ToString().ToLowerInvariant() + "\"", networkDecoder.Rejected(reason) + localDecoder.Rejected(reason));
        }
        yield return new("lcgw_receive_errors_total", "counter", "Receive failures (listening goes on).", "", Volatile.Read(ref receiveErrors));
        yield return new("lcgw_sensor_published_total", "counter", "Local sensor packs sent on their channel.", "", Volatile.Read(ref localPublished));
        yield return new("lcgw_sensor_send_errors_total", "counter", "Local sensor packs that could not be sent.", "", Volatile.Read(ref localSendErrors));
        for (int i = 0; i < pollers.Count; i++)
            yield return new("lcgw_sensor_reads_total", "counter", "Successful local sensor reads.", SensorLabel(i), pollers[i].Reads);
        for (int i = 0; i < pollers.Count; i++)
            yield return new("lcgw_sensor_errors_total", "counter", "Failed local sensor opens and reads.", SensorLabel(i), pollers[i].Errors);
        for (int i = 0; i < pollers.Count; i++)
            yield return new("lcgw_sensor_up", "gauge", "1 while the local sensor answers.", SensorLabel(i), pollers[i].Online ? 1 : 0);
        if (Mqtt != null)
        {
            yield return new("lcgw_mqtt_connected", "gauge", "1 while connected to the MQTT broker.", "", Mqtt.Connected ? 1 : 0);
            yield return new("lcgw_mqtt_published_total", "counter", "MQTT messages the broker accepted.", "", Mqtt.Published);
            yield return new("lcgw_mqtt_dropped_total", "counter", "MQTT messages dropped (queue full while the broker was away).", "", Mqtt.Dropped);
            yield return new("lcgw_mqtt_errors_total", "counter", "Failed MQTT connects and publishes.", "", Mqtt.Errors);
        }
    }

    private string SensorLabel(int i) =>
        "sensor=\"" + MetricsStore.Escape(config.Sensors[i].Name) + "\",device=\"" + MetricsStore.Escape(pollers[i].Spec.ToString()) + "\"";

    /// <summary>Stops receiving and polling, flushes MQTT (up to 2 s), closes everything. Safe to call twice.</summary>
    public void Dispose()
    {
        if (stopping.IsSet) return;
        stopping.Set();
        subscriber?.ListenCancel();
        sensorThread?.Join(5000);
        Mqtt?.Drain(TimeSpan.FromSeconds(2));
        context?.Dispose();
        MetricsServer?.Dispose();
        foreach (IOutput output in outputs) output.Dispose();
        foreach (SensorPoller p in pollers) p.Dispose();
        Counters? c = context?.Counters;
        log.Info("lcgw stopped", ("received", c?.Received ?? 0), ("malformed", c?.Malformed ?? 0),
            ("senml_accepted", networkDecoder.Accepted), ("sensor_published", Volatile.Read(ref localPublished)),
            ("mqtt_published", Mqtt?.Published ?? 0), ("mqtt_dropped", Mqtt?.Dropped ?? 0));
    }
}
