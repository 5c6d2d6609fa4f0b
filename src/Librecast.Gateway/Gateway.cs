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
    private Thread? sensorThread;
    private TelemetryEncoder? encoder;
    private int receiveErrors, localPublished, localSendErrors;

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

    /// <summary>
    /// Opens outputs, joins channels, starts sensor polling. If the network refuses (interface
    /// missing, join failed) the rest still starts and the network is retried in the background.
    /// </summary>
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
        }
        if (!TryStartNetwork())
        {
            // The interface may not be up yet (a router at boot) or the network may refuse: keep
            // the rest running and try again, rather than exit and be restarted in a loop.
            log.Error("network not ready; outputs and sensors run, retrying every " + NetworkRetrySeconds + " s",
                ("interface", config.Interface ?? "(default route)"), ("error", lastNetworkError));
            networkThread = new Thread(RetryNetwork) { IsBackground = true, Name = "lcgw-network" };
            networkThread.Start();
        }
        if (pollers.Count > 0)
        {
            sensorThread = new Thread(SensorLoop) { IsBackground = true, Name = "lcgw-sensors" };
            sensorThread.Start();
        }
        log.Info("lcgw started", ("config", config.Source), ("summary", config.Describe()));
    }

    private const int NetworkRetrySeconds = 5;

    /// <summary>The sockets and channels, once the network accepted them; replaced whole, never half-built.</summary>
    private sealed record NetworkState(Librecast.Socket? Subscriber, Librecast.Socket? Publisher, Dictionary<Channel, Route> Routes,
                                       Dictionary<string, Channel> SensorChannels);

    private volatile NetworkState? network;
    private string lastNetworkError = "";
    private Thread? networkThread;

    private void RetryNetwork()
    {
        while (!stopping.Wait(TimeSpan.FromSeconds(NetworkRetrySeconds)))
        {
            if (!TryStartNetwork()) continue;
            log.Info("network up");
            return;
        }
    }

    private static int StableSeed(string text)
    {
        int h = 17;
        foreach (char c in text) h = unchecked(h * 31 + c);
        return h;
    }

    // Opens every socket, binds and joins every channel; on failure closes what it opened and
    // says which step failed.
    private bool TryStartNetwork()
    {
        Librecast.Socket? subscriber = null, publisher = null;
        string step = "resolving interface '" + (config.Interface ?? "(default route)") + "'";
        try
        {
            int ifindex = Interfaces.Resolve(config.Interface);
            var routes = new Dictionary<Channel, Route>();
            var sensorChannels = new Dictionary<string, Channel>();
            if (config.Sensors.Count > 0 || config.BridgeUp.Count > 0 || config.BridgeDown.Count > 0)
            {
                step = "opening the sending socket";
                publisher = context!.CreateSocket();
                publisher.Bind(ifindex);
                foreach (LocalSensorConfig sensor in config.Sensors)
                {
                    // Sensors configured on one channel share it, so its sequence numbers stay one series.
                    if (sensorChannels.ContainsKey(sensor.Channel)) continue;
                    step = "binding sensor channel '" + sensor.Channel + "'";
                    Channel channel = context.CreateChannel(sensor.Channel);
                    publisher.Bind(channel);
                    sensorChannels[sensor.Channel] = channel;
                }
            }
            if (config.Channels.Count > 0 || config.BridgeUp.Count > 0 || config.BridgeDown.Count > 0)
            {
                step = "opening the receiving socket";
                subscriber = context!.CreateSocket();
                subscriber.Bind(ifindex);
                // One receive socket for everything: subscribed channels (delivered to the outputs),
                // IPv4 telemetry channels (delivered, and republished on IPv6) and IPv6 command
                // channels (republished on IPv4). Message.Channel tells them apart.
                foreach (string name in config.Channels)
                {
                    step = "subscribing to '" + name + "'";
                    Receive(subscriber, routes, context.CreateChannel(name), new Route(true, null, ""), "subscribed");
                }
                foreach (string name in config.BridgeUp)
                {
                    step = "bridging '" + name + "' from IPv4 to IPv6";
                    Channel to = context.CreateChannel(name);
                    publisher!.Bind(to);
                    Receive(subscriber, routes, context.CreateIpv4Channel(name), new Route(true, to, "ipv4_to_ipv6"), "bridging IPv4 to IPv6");
                }
                foreach (string name in config.BridgeDown)
                {
                    step = "bridging '" + name + "' from IPv6 to IPv4";
                    Channel to = context.CreateIpv4Channel(name);
                    publisher!.Bind(to);
                    Channel? from = null;
                    foreach (Channel c in routes.Keys)
                        if (c.Name == name && !Ipv4Group.IsMapped(GroupOf(c), 0)) from = c;
                    if (from != null) routes[from] = routes[from] with { ForwardTo = to, Direction = "ipv6_to_ipv4" };
                    else Receive(subscriber, routes, context.CreateChannel(name), new Route(false, to, "ipv6_to_ipv4"), "bridging IPv6 to IPv4");
                }
                step = "starting the listener";
                // The routes are complete before the first message can arrive; never changed after.
                network = new NetworkState(subscriber, publisher, routes, sensorChannels);
                subscriber.Listen(OnMessage, null, OnReceiveError, config.MaxDatagram); // rejects: counted by the transport
            }
            else network = new NetworkState(null, publisher, routes, sensorChannels);
            return true;
        }
        catch (Exception e) when (e is LibrecastException or System.Net.Sockets.SocketException)
        {
            // The transport reports most failures as LibrecastException; some socket options
            // still surface as SocketException (e.g. ENOPROTOOPT under qemu-user).
            network = null;
            lastNetworkError = step + ": " + e.Message;
            try { subscriber?.Dispose(); } catch (LibrecastException) { /* closing what failed */ }
            try { publisher?.Dispose(); } catch (LibrecastException) { /* closing what failed */ }
            return false;
        }
    }

    private void Receive(Librecast.Socket subscriber, Dictionary<Channel, Route> routes, Channel channel, Route route, string what)
    {
        subscriber.Bind(channel);
        channel.Join();
        routes[channel] = route;
        log.Info(what, ("channel", channel.Name), ("group", channel.Address));
    }

    private static byte[] GroupOf(Channel c)
    {
        byte[] g = new byte[GroupAddress.Size];
        c.CopyGroupTo(g, 0);
        return g;
    }

    /// <summary>What to do with a received channel: deliver its SenML to the outputs, and/or republish it on the other family.</summary>
    private sealed record Route(bool Deliver, Channel? ForwardTo, string Direction);

    private int forwardedUp, forwardedDown, forwardErrors;

    private void OnMessage(Message message)
    {
        Observation o = networkObservation;
        Channel? channel = message.Channel;
        Route? route = null;
        if (channel != null) network?.Routes.TryGetValue(channel, out route);
        if (route?.ForwardTo != null) Forward(message, route);
        if (route != null && !route.Deliver) return;
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

    // Republishes the payload, opcode kept, on the same name in the other address family. It gets
    // this gateway's own header (sequence, nonce, time): the bridge is a librecast sender.
    private void Forward(Message message, Route route)
    {
        try
        {
            route.ForwardTo!.SendMessage(message.Header.Op, message.Buffer, message.PayloadOffset, message.PayloadLength);
            if (route.Direction == "ipv4_to_ipv6") Interlocked.Increment(ref forwardedUp);
            else Interlocked.Increment(ref forwardedDown);
        }
        catch (LibrecastException e)
        {
            Interlocked.Increment(ref forwardErrors);
            log.Warn("bridge send failed", ("channel", route.ForwardTo!.Name), ("direction", route.Direction), ("error", e.Message));
        }
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

    private void OnReceiveError(LibrecastException e)
    {
        Interlocked.Increment(ref receiveErrors);
        log.Warn("receive failed; still listening", ("error", e.Message));
    }

    private void SensorLoop()
    {
        var next = new DateTime[pollers.Count];
        var lastError = new string?[pollers.Count];
        while (!stopping.IsSet)
        {
            DateTime now = DateTime.UtcNow;
            DateTime soonest = DateTime.MaxValue;
            for (int i = 0; i < pollers.Count; i++)
            {
                if (now >= next[i])
                {
                    PollOne(i, ref lastError[i]);
                    next[i] = now.AddSeconds(config.Sensors[i].IntervalSeconds);
                }
                if (next[i] < soonest) soonest = next[i];
            }
            TimeSpan wait = soonest - DateTime.UtcNow;
            if (wait > TimeSpan.Zero) stopping.Wait(wait);
        }
    }

    private void PollOne(int i, ref string? lastError)
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
        ulong sequence = 0;
        Channel? channel = null;
        if (network?.SensorChannels.TryGetValue(sensor.Channel, out channel) == true)
        {
            try
            {
                channel!.SendMessage(payload, 0, length);
                sequence = channel.Sequence;
                Interlocked.Increment(ref localPublished);
            }
            catch (LibrecastException e)
            {
                Interlocked.Increment(ref localSendErrors);
                log.Warn("sensor publish failed", ("sensor", sensor.Name), ("channel", sensor.Channel), ("error", e.Message));
            }
        }
        else Interlocked.Increment(ref localSendErrors); // network not up yet: the reading still reaches the outputs
        if (localDecoder.TryDecode(payload, 0, length))
        {
            Observation o = localObservation;
            o.Channel = sensor.Channel;
            o.Source = "local";
            o.Sequence = sequence;
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
        yield return new("lcgw_network_up", "gauge", "1 once the sockets are open and the channels joined.", "", network != null ? 1 : 0);
        yield return new("lcgw_senml_accepted_total", "counter", "SenML packs decoded.", "", networkDecoder.Accepted + localDecoder.Accepted);
        foreach (SenmlError reason in Enum.GetValues<SenmlError>())
        {
            if (reason == SenmlError.None) continue;
            yield return new("lcgw_senml_rejected_total", "counter", "Payloads rejected as SenML, by reason.",
                "reason=\"" + reason.ToString().ToLowerInvariant() + "\"", networkDecoder.Rejected(reason) + localDecoder.Rejected(reason));
        }
        yield return new("lcgw_receive_errors_total", "counter", "Receive failures (listening goes on).", "", Volatile.Read(ref receiveErrors));
        yield return new("lcgw_sensor_published_total", "counter", "Local sensor packs sent on their channel.", "", Volatile.Read(ref localPublished));
        yield return new("lcgw_sensor_send_errors_total", "counter", "Local sensor packs that could not be sent (network down or refused); they still reach the outputs.", "", Volatile.Read(ref localSendErrors));
        for (int i = 0; i < pollers.Count; i++)
            yield return new("lcgw_sensor_reads_total", "counter", "Successful local sensor reads.", SensorLabel(i), pollers[i].Reads);
        for (int i = 0; i < pollers.Count; i++)
            yield return new("lcgw_sensor_errors_total", "counter", "Failed local sensor opens and reads.", SensorLabel(i), pollers[i].Errors);
        for (int i = 0; i < pollers.Count; i++)
            yield return new("lcgw_sensor_up", "gauge", "1 while the local sensor answers.", SensorLabel(i), pollers[i].Online ? 1 : 0);
        if (config.BridgeUp.Count > 0 || config.BridgeDown.Count > 0)
        {
            yield return new("lcgw_bridge_forwarded_total", "counter", "Messages republished on the other address family.", "direction=\"ipv4_to_ipv6\"", Volatile.Read(ref forwardedUp));
            yield return new("lcgw_bridge_forwarded_total", "counter", "Messages republished on the other address family.", "direction=\"ipv6_to_ipv4\"", Volatile.Read(ref forwardedDown));
            yield return new("lcgw_bridge_errors_total", "counter", "Republishes that failed.", "", Volatile.Read(ref forwardErrors));
        }
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
        networkThread?.Join(5000);
        network?.Subscriber?.ListenCancel();
        sensorThread?.Join(5000);
        Mqtt?.Drain(TimeSpan.FromSeconds(2));
        context?.Dispose();
        MetricsServer?.Dispose();
        foreach (IOutput output in outputs) output.Dispose();
        foreach (SensorPoller p in pollers) p.Dispose();
        Counters? c = context?.Counters;
        log.Info("lcgw stopped", ("received", c?.Received ?? 0), ("malformed", c?.Malformed ?? 0),
            ("senml_accepted", networkDecoder.Accepted), ("sensor_published", Volatile.Read(ref localPublished)),
            ("mqtt_published", Mqtt?.Published ?? 0), ("mqtt_dropped", Mqtt?.Dropped ?? 0),
            ("bridged_up", Volatile.Read(ref forwardedUp)), ("bridged_down", Volatile.Read(ref forwardedDown)));
    }
}
