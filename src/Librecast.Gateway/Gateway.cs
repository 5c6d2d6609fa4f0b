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
    /// <exception cref="System.IO.IOException">The JSON lines file cannot be opened, the metrics address is in use or not local, or /dev/urandom cannot be read.</exception>
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
            try
            {
                MetricsServer = new MetricsServer(config.MetricsEndpoint, Metrics, log);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new System.IO.IOException("metrics: cannot listen on " + config.MetricsEndpoint + ": " + e.Message, e);
            }
            log.Info("metrics endpoint listening", ("url", "http://" + MetricsServer.Endpoint + "/metrics"));
        }

        context = new Context(SocketsPlatform.Instance); // randomness from /dev/urandom: no OpenSSL in a static image
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
            log.Error("network not ready; outputs and sensors run, retrying every " + NetworkRetry.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s",
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

    /// <summary>How long between network attempts while the network is not up (tests shorten it).</summary>
    internal TimeSpan NetworkRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages the bridge remembers to recognise copies that come back.</summary>
    private const int BridgeMemory = 4096;

    /// <summary>The open sockets and the sensors' channels: built whole by one attempt, never half-built, never changed after.</summary>
    private sealed record NetworkState(Librecast.Socket? Subscriber, Librecast.Socket? Publisher, Dictionary<string, Channel> SensorChannels);

    // Written once, null -> state, under networkGate and only while not stopping; read without a
    // lock (volatile) by the sensor thread and the metrics. Once Dispose has set `stopping` under
    // the gate it never changes again.
    private volatile NetworkState? network;
    private readonly object networkGate = new();
    private string lastNetworkError = "";
    private Thread? networkThread;
    private int disposed;

    private void RetryNetwork()
    {
        while (!stopping.Wait(NetworkRetry))
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

    // Opens every socket, binds and joins every channel, starts the listener, then publishes the
    // result as `network`. On failure, or if Dispose began meanwhile, closes what it opened; the
    // failure says which step failed. Never blocks: it is the retry thread's whole work.
    private bool TryStartNetwork()
    {
        Librecast.Socket? subscriber = null, publisher = null;
        byte[]? key = null; // the channel key, read once per attempt and wiped at its end
        string step = "resolving interface '" + (config.Interface ?? "(default route)") + "'";
        try
        {
            int ifindex = Interfaces.Resolve(config.Interface);
            if (config.KeyFile != null)
            {
                step = "reading key_file";
                key = KeyFile.Read(config.KeyFile);
            }
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
                    if (key != null && !IsBridged(sensor.Channel)) channel.SetKey(key);
                    publisher.Bind(channel);
                    sensorChannels[sensor.Channel] = channel;
                }
            }
            if (config.Channels.Count > 0 || config.BridgeUp.Count > 0 || config.BridgeDown.Count > 0)
            {
                step = "opening the receiving socket";
                subscriber = context!.CreateSocket();
                subscriber.Bind(ifindex);
                if (config.Replay)
                {
                    ulong bound = (ulong)(config.MaxAgeSeconds * 1e9);
                    subscriber.ReplayWindow = new Librecast.Security.ReplayWindow(1024, Librecast.Security.ReplayWindow.DefaultWindowSize, bound, bound);
                    if (config.KeyFile != null) subscriber.NonceFilter = new Librecast.Security.NonceFilter(4096);
                }
                // One receive socket for everything: subscribed channels (delivered to the outputs),
                // IPv4 telemetry channels (delivered, and republished on IPv6) and IPv6 command
                // channels (republished on IPv4). Message.Channel tells them apart. Every channel
                // of a bridged name is guarded: a message seen once is not forwarded or delivered again.
                foreach (string name in config.Channels)
                {
                    step = "subscribing to '" + name + "'";
                    Channel channel = context.CreateChannel(name);
                    if (key != null && !IsBridged(name)) channel.SetKey(key); // a bridged channel is relayed as it is
                    Receive(subscriber, routes, channel, new Route(true, null, "", IsBridged(name)), "subscribed");
                }
                foreach (string name in config.BridgeUp)
                {
                    step = "bridging '" + name + "' from IPv4 to IPv6";
                    Channel to = context.CreateChannel(name);
                    publisher!.Bind(to);
                    Receive(subscriber, routes, context.CreateIpv4Channel(name), new Route(true, to, "ipv4_to_ipv6", true), "bridging IPv4 to IPv6");
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
                    else Receive(subscriber, routes, context.CreateChannel(name), new Route(false, to, "ipv6_to_ipv4", true), "bridging IPv6 to IPv4");
                }
                step = "starting the listener";
                // The routes are complete before the first message can arrive, and never change.
                subscriber.Listen(m => OnMessage(m, routes), null, OnReceiveError, config.MaxDatagram); // rejects: counted by the transport
            }
            lock (networkGate)
            {
                if (!stopping.IsSet)
                {
                    network = new NetworkState(subscriber, publisher, sensorChannels);
                    return true;
                }
            }
            lastNetworkError = "stopping";
        }
        catch (Exception e) when (e is LibrecastException or System.Net.Sockets.SocketException or ObjectDisposedException or System.IO.IOException)
        {
            // The transport reports most failures as LibrecastException; some socket options
            // still surface as SocketException. IOException: .NET's interface list reads
            // /etc/resolv.conf, which a router may not have yet at boot (a dangling symlink).
            // ObjectDisposedException: Dispose closed the context under this attempt.
            lastNetworkError = step + ": " + e.Message;
        }
        finally
        {
            if (key != null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
        Close(subscriber);
        Close(publisher);
        return false;
    }

    private static void Close(Librecast.Socket? socket)
    {
        try { socket?.Dispose(); }
        catch (LibrecastException) { /* closing what failed */ }
    }

    private bool IsBridged(string name) => config.BridgeUp.Contains(name) || config.BridgeDown.Contains(name);

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

    /// <summary>
    /// What to do with a received channel: deliver its SenML to the outputs, and/or republish it
    /// on the other address family; Guarded: the name is bridged, so copies are recognised.
    /// </summary>
    private sealed record Route(bool Deliver, Channel? ForwardTo, string Direction, bool Guarded);

    private readonly RecentMessages bridgeSeen = new(BridgeMemory);
    private int forwardedUp, forwardedDown, forwardErrors, bridgeDuplicates;

    // Runs on the listener's dispatch thread only.
    private void OnMessage(Message message, Dictionary<Channel, Route> routes)
    {
        Observation o = networkObservation;
        Channel? channel = message.Channel;
        Route? route = null;
        if (channel != null) routes.TryGetValue(channel, out route);
        if (route != null && route.Guarded && !bridgeSeen.Add(message.Header))
        {
            // The same message again (same time, sequence and nonce): a copy another bridge sent
            // back, or one a loop in the network returned. Forwarding it would start a loop.
            Interlocked.Increment(ref bridgeDuplicates);
            if (log.Enabled(LogLevel.Debug))
                log.Debug("bridge: message seen before; not forwarded or delivered again", ("channel", channel!.Name), ("group", channel.Address),
                    ("seq", message.Header.Sequence), ("source", GroupAddress.Format(message.Info.Source, 0)));
            return;
        }
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

    // Republishes the datagram as received, header and all, on the same name in the other address
    // family: subscribers see the node's own sequence numbers and time, and a copy that comes
    // back is recognised by its header (RecentMessages).
    private void Forward(Message message, Route route)
    {
        try
        {
            route.ForwardTo!.Send(message.Buffer, message.Offset, message.Length);
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

    // Schedules on the monotonic clock: a Pi without a real-time clock steps its wall clock at
    // boot (NTP), which must not stall or bunch the readings. Each reading's own time is wall clock.
    private void SensorLoop()
    {
        var next = new long[pollers.Count]; // Environment.TickCount64 when each sensor is due
        var lastError = new string?[pollers.Count];
        while (!stopping.IsSet)
        {
            long soonest = long.MaxValue;
            for (int i = 0; i < pollers.Count && !stopping.IsSet; i++)
            {
                long now = Environment.TickCount64;
                if (now >= next[i])
                {
                    PollOne(i, ref lastError[i]);
                    next[i] = now + (long)(config.Sensors[i].IntervalSeconds * 1000);
                }
                if (next[i] < soonest) soonest = next[i];
            }
            long wait = soonest - Environment.TickCount64;
            if (wait > 0) stopping.Wait(TimeSpan.FromMilliseconds(wait));
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
        NetworkState? net = network; // one read: null until the network is up, then never changes
        if (net != null && net.SensorChannels.TryGetValue(sensor.Channel, out channel))
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
            // One table names and explains the transport counters (Librecast.Counters); the
            // totals are 64-bit and never go backwards.
            for (int i = 0; i < Counters.Count; i++)
                yield return new("lc_transport_" + Counters.NameOf((Counter)i) + "_total", "counter", Counters.HelpOf((Counter)i), "", c.Get((Counter)i));
        }
        yield return new("lcgw_network_up", "gauge", "1 once the sockets are open and the channels joined.", "", network != null ? 1 : 0);
        if (network?.Subscriber?.ReplayWindow is { } window)
        {
            // Read from another thread than the receive loop: exact on 64-bit, may tear on 32-bit.
            yield return new("lcgw_replay_lost_total", "counter", "Messages missing from senders' sequences (option replay).", "", window.Lost);
            yield return new("lcgw_replay_reordered_total", "counter", "Messages that arrived late but inside the window.", "", window.Reordered);
            yield return new("lcgw_replay_restarts_total", "counter", "Sender restarts recognised (seq back to 1 with a newer clock).", "", window.Restarts);
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
            yield return new("lcgw_bridge_duplicates_total", "counter", "Bridged-channel messages seen before (sent back by another bridge or a loop): not forwarded or delivered again.", "", Volatile.Read(ref bridgeDuplicates));
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

    /// <summary>
    /// Stops receiving and polling, flushes MQTT (up to 2 s), closes everything. Safe to call
    /// twice, and while the network is still being retried: an attempt under way either finished
    /// before (its sockets are closed here) or sees the stop and closes its own.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        lock (networkGate) stopping.Set(); // from here on `network` never changes
        if (networkThread != null && !networkThread.Join(5000))
            log.Warn("network retry still running at stop; leaving it to close its own sockets");
        NetworkState? net = network;
        net?.Subscriber?.ListenCancel(); // waits for the dispatch thread: no message is handled after this
        bool sensorsStopped = sensorThread == null || sensorThread.Join(5000);
        if (!sensorsStopped) log.Warn("sensor read still running at stop (a stuck I2C bus?); not closing the sensors under it");
        Mqtt?.Drain(TimeSpan.FromSeconds(2));
        context?.Dispose();
        MetricsServer?.Dispose();
        foreach (IOutput output in outputs) output.Dispose();
        if (sensorsStopped)
            foreach (SensorPoller p in pollers) p.Dispose();
        Counters? c = context?.Counters;
        log.Info("lcgw stopped", ("received", c?.Received ?? 0), ("malformed", c?.Malformed ?? 0),
            ("senml_accepted", networkDecoder.Accepted), ("sensor_published", Volatile.Read(ref localPublished)),
            ("mqtt_published", Mqtt?.Published ?? 0), ("mqtt_dropped", Mqtt?.Dropped ?? 0),
            ("bridged_up", Volatile.Read(ref forwardedUp)), ("bridged_down", Volatile.Read(ref forwardedDown)),
            ("bridge_duplicates", Volatile.Read(ref bridgeDuplicates)));
    }
}
