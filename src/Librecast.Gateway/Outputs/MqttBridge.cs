using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Librecast.Gateway.Config;
using Librecast.Gateway.Senml;
using MQTTnet;
using MQTTnet.Protocol;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// Republishes readings to an MQTT broker (MQTTnet) so existing MQTT tooling sees them (topics:
/// <see cref="MqttTopics"/>): the SenML pack as received on <c>PREFIX + CHANNEL</c>; each record's
/// bare value on <c>PREFIX + CHANNEL + "/" + NAME</c> with NAME the resolved SenML name
/// (<c>librecast/site1/node1/telemetry/urn:dev:lc:site1:node1:temperature</c> → <c>21.53</c>),
/// and its JSON state (value, unit, time) on that topic + <c>/state</c>; with Home Assistant
/// discovery, one retained config per series (<see cref="HomeAssistant"/>). lcgw's availability
/// (<c>online</c>/<c>offline</c>, retained) is its last will.
/// </summary>
/// <remarks>
/// Messages wait in a bounded queue while the broker is unreachable; <see cref="Write"/> never
/// blocks, and what does not fit is dropped and counted. A message the client or the broker
/// refuses (a topic too long, a publish refused) is dropped, counted by cause and logged once per
/// cause: it is never retried. A refused login (bad user name or password, not authorised) is its
/// own error, logged once, and retried slowly.
/// </remarks>
public sealed class MqttBridge : IOutput
{
    private const int QueueCapacity = 4096;
    private const int MaxDiscovery = 10000;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LoginRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Why a message was not sent; each is a label of <c>lcgw_mqtt_dropped_total</c>.</summary>
    public enum DropReason
    {
        /// <summary>The queue was full (broker away or slow).</summary>
        QueueFull,

        /// <summary>The topic is longer than MQTT's 65,535 bytes.</summary>
        TopicTooLong,

        /// <summary>The MQTT client refused the message (invalid for the protocol).</summary>
        ClientRefused,

        /// <summary>The broker refused the publish (a negative PUBACK, MQTT 5).</summary>
        BrokerRefused,

        /// <summary>TLS cannot work in this build (no OpenSSL): the bridge is off.</summary>
        NoTls,
    }

    private readonly record struct Outgoing(string Topic, byte[] Payload, bool Retain);

    private readonly MqttConfig config;
    private readonly Log log;
    private readonly Channel<Outgoing> queue;
    private readonly IMqttClient client;
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;
    private readonly int[] drops = new int[Enum.GetValues<DropReason>().Length];
    private readonly bool[] dropLogged = new bool[Enum.GetValues<DropReason>().Length];
    private readonly Dictionary<string, byte[]> discovery = new(); // config topic -> payload, under its own lock
    private readonly ConcurrentQueue<string> discoveryPending = new();
    private readonly string gatewayId;
    private int published, errors, connects, enqueued, done, loginFailures;
    private volatile bool connected;

    /// <summary>Starts the bridge; it connects in the background.</summary>
    public MqttBridge(MqttConfig config, Log log)
    {
        this.config = config;
        this.log = log;
        gatewayId = MqttTopics.Id(config.ClientId);
        AvailabilityTopic = MqttTopics.Pack(config.TopicPrefix, "lcgw/" + config.ClientId + "/status");
        queue = System.Threading.Channels.Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Drop(DropReason.QueueFull, "", "the queue is full (broker away or slow)"));
#if LCGW_PLAIN_MQTT
        // Static images (tools/image/static-image.targets): plain TCP only. MQTTnet's default
        // transports bring TLS and WebSocket code (1.2 MB of a 4 MB image) that a static image
        // cannot use anyway (TLS is OpenSSL, which it cannot load). Not MqttClientFactory: its
        // constructors make the default adapter factory, which keeps them.
        client = new MqttClient(new PlainMqttAdapterFactory(), new MQTTnet.Diagnostics.Logger.MqttNetNullLogger());
#else
        client = new MqttClientFactory().CreateMqttClient();
#endif
        client.DisconnectedAsync += _ => { connected = false; return Task.CompletedTask; };
        pump = Task.Run(PumpAsync);
    }

    /// <summary>Where lcgw says <c>online</c> (retained, on connect) and its last will says <c>offline</c>.</summary>
    public string AvailabilityTopic { get; }

    /// <summary>Messages the broker accepted.</summary>
    public int Published => Volatile.Read(ref published);

    /// <summary>Messages dropped, for any reason.</summary>
    public int Dropped
    {
        get
        {
            int sum = 0;
            for (int i = 0; i < drops.Length; i++) sum += Volatile.Read(ref drops[i]);
            return sum;
        }
    }

    /// <summary>Messages dropped for <paramref name="reason"/>.</summary>
    public int DroppedFor(DropReason reason) => Volatile.Read(ref drops[(int)reason]);

    /// <summary>Messages waiting in the queue (for the broker to come back).</summary>
    public int Queued => Math.Max(0, Volatile.Read(ref enqueued) - Volatile.Read(ref done) - DroppedFor(DropReason.QueueFull) - DroppedFor(DropReason.NoTls));

    /// <summary>Failed connects (unreachable broker, refused login).</summary>
    public int Errors => Volatile.Read(ref errors);

    /// <summary>Logins the broker refused (bad user name or password, not authorised).</summary>
    public int LoginFailures => Volatile.Read(ref loginFailures);

    /// <summary>True only while connected to the broker and logged in.</summary>
    public bool Connected => connected && client.IsConnected;

    /// <summary>Successful connections (1 + reconnects).</summary>
    public int Connects => Volatile.Read(ref connects);

    /// <summary>The label of a drop reason in metrics and logs (<c>queue_full</c>...).</summary>
    public static string Label(DropReason reason) => reason switch
    {
        DropReason.QueueFull => "queue_full",
        DropReason.TopicTooLong => "topic_too_long",
        DropReason.ClientRefused => "client_refused",
        DropReason.BrokerRefused => "broker_refused",
        _ => "no_tls",
    };

    /// <inheritdoc/>
    public void Write(Observation o)
    {
        string packTopic = MqttTopics.Pack(config.TopicPrefix, o.Channel);
        Enqueue(packTopic, o.Payload.AsSpan(o.PayloadOffset, o.PayloadLength).ToArray(), config.Retain);
        for (int i = 0; i < o.Count; i++)
        {
            SenmlRecord r = o.Records[i];
            string? text = r.Kind switch
            {
                SenmlValueKind.Number => r.Number.ToString("R", CultureInfo.InvariantCulture),
                SenmlValueKind.Boolean => r.Boolean ? "true" : "false",
                SenmlValueKind.String or SenmlValueKind.Data => r.Text,
                _ => r.HasSum ? r.Sum.ToString("R", CultureInfo.InvariantCulture) : null,
            };
            if (text == null) continue;
            string valueTopic = MqttTopics.Value(packTopic, r.Name);
            string stateTopic = MqttTopics.State(valueTopic);
            if (config.HomeAssistant) Discover(stateTopic, o.Channel, r);
            Enqueue(valueTopic, Encoding.UTF8.GetBytes(text), config.Retain);
            Enqueue(stateTopic, State(o, r), config.Retain);
        }
    }

    // {"value":21.53,"unit":"Cel","time":1795589518.968,"name":"urn:...","channel":"...","source":"...","seq":7}
    private static byte[] State(Observation o, SenmlRecord r)
    {
        using var buffer = new MemoryStream(160);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (r.Kind)
            {
                case SenmlValueKind.Number: json.WriteNumber("value", r.Number); break;
                case SenmlValueKind.Boolean: json.WriteBoolean("value", r.Boolean); break;
                case SenmlValueKind.String: json.WriteString("value", r.Text); break;
                case SenmlValueKind.Data: json.WriteString("data", r.Text); break;
                default: json.WriteNumber("value", r.Sum); break;
            }
            if (r.HasSum) json.WriteNumber("sum", r.Sum);
            if (r.Unit != null) json.WriteString("unit", r.Unit);
            json.WriteNumber("time", Math.Round(r.Time, 6));
            json.WriteString("name", r.Name);
            json.WriteString("channel", o.Channel);
            json.WriteString("source", o.Source);
            json.WriteNumber("seq", o.Sequence);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private void Discover(string stateTopic, string channel, SenmlRecord r)
    {
        var config = HomeAssistant.Config(this.config.DiscoveryPrefix, gatewayId, AvailabilityTopic, stateTopic, channel, r);
        if (config == null) return;
        lock (discovery)
        {
            if (discovery.ContainsKey(config.Value.Topic) || discovery.Count >= MaxDiscovery) return;
            discovery[config.Value.Topic] = config.Value.Payload;
        }
        discoveryPending.Enqueue(config.Value.Topic);
    }

    private void Enqueue(string topic, byte[] payload, bool retain)
    {
        if (!MqttTopics.FitsLength(topic))
        {
            Drop(DropReason.TopicTooLong, topic, "the topic is longer than MQTT's 65,535 bytes (a very long channel or SenML name)");
            return;
        }
        if (queue.Writer.TryWrite(new Outgoing(topic, payload, retain))) Interlocked.Increment(ref enqueued);
    }

    // Counted every time, logged the first time for each cause.
    private void Drop(DropReason reason, string topic, string why)
    {
        Interlocked.Increment(ref drops[(int)reason]);
        lock (dropLogged)
        {
            if (dropLogged[(int)reason]) return;
            dropLogged[(int)reason] = true;
        }
        log.Warn("mqtt message dropped: " + why + "; counted in " + MetricNames.MqttDropped + ", logged once",
            ("reason", Label(reason)), ("topic", topic.Length > 200 ? topic.Substring(0, 200) + "..." : topic));
    }

    private string Broker => config.Host + ":" + config.Port.ToString(CultureInfo.InvariantCulture);

    private MqttClientOptions Options()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Host, config.Port)
            .WithClientId(config.ClientId)
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(AvailabilityTopic)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (config.Username != null) builder = builder.WithCredentials(config.Username, config.Password ?? "");
        if (config.Tls)
        {
            builder = builder.WithTlsOptions(t =>
            {
                t.UseTls();
                if (config.CaFile != null)
                {
                    var trust = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                    trust.ImportFromPemFile(config.CaFile);
                    t.WithTrustChain(trust);
                }
            });
        }
        return builder.Build();
    }

    /// <summary>
    /// True if this process can do TLS: .NET's TLS on Linux is OpenSSL, which a static image
    /// cannot load (touching it there crashes the process, so a static image is recognised by its
    /// own ELF header, which has no program interpreter, before anything reaches OpenSSL).
    /// </summary>
    internal static bool TlsAvailable(out string why)
    {
#if LCGW_PLAIN_MQTT
        why = "built without TLS (static image)";
        return false;
#else
        why = "";
        if (IsStaticExecutable())
        {
            why = "static executable";
            return false;
        }
        try
        {
            // .NET's TLS and hashing on Linux both go through its OpenSSL shim: a hash touches it without a connection.
            _ = System.Security.Cryptography.SHA256.HashData(new byte[1]);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            why = e.GetType().Name;
            return false;
        }
#endif
    }

    // ELF64 little-endian: program headers at e_phoff (0x20), e_phentsize (0x36), e_phnum (0x38);
    // a dynamically linked program has a PT_INTERP (3) entry naming its loader.
    private static bool IsStaticExecutable()
    {
        try
        {
            using var exe = File.OpenRead("/proc/self/exe");
            var header = new byte[64];
            if (exe.Read(header, 0, 64) != 64 || header[0] != 0x7f || header[1] != (byte)'E' || header[4] != 2 || header[5] != 1) return false;
            long phoff = BitConverter.ToInt64(header, 0x20);
            int phentsize = BitConverter.ToUInt16(header, 0x36), phnum = BitConverter.ToUInt16(header, 0x38);
            var entry = new byte[4];
            for (int i = 0; i < phnum; i++)
            {
                exe.Position = phoff + (long)i * phentsize;
                if (exe.Read(entry, 0, 4) != 4) return false;
                if (BitConverter.ToUInt32(entry, 0) == 3) return false; // PT_INTERP
            }
            return phnum > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task PumpAsync()
    {
        CancellationToken token = stop.Token;
        bool warned = false;
        Outgoing? pending = null;
        if (config.Tls && !TlsAvailable(out string why))
        {
            log.Error("mqtt: TLS needs OpenSSL (libssl), which this build cannot load (a static image has none); the MQTT bridge is off. " +
                      "Use the dynamically linked build, or a local broker that bridges to the remote one over TLS",
                ("broker", Broker), ("error", why));
            while (!token.IsCancellationRequested)
            {
                try { Drop(DropReason.NoTls, (await queue.Reader.ReadAsync(token).ConfigureAwait(false)).Topic, "TLS is not available in this build"); }
                catch (OperationCanceledException) { break; }
            }
            return;
        }
        while (!token.IsCancellationRequested)
        {
            TimeSpan delay = RetryDelay;
            try
            {
                if (!Connected)
                {
                    connected = false;
                    if (client.IsConnected) await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), token).ConfigureAwait(false);
                    // MQTTnet 5 returns a refused login as a result code, not an exception.
                    MqttClientConnectResult result = await client.ConnectAsync(Options(), token).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        delay = LoginRetryDelay;
                        RefusedLogin(result.ResultCode, ref warned);
                        await Task.Delay(delay, token).ConfigureAwait(false);
                        continue;
                    }
                    connected = true;
                    Interlocked.Increment(ref connects);
                    log.Info("mqtt connected", ("broker", Broker), ("client_id", config.ClientId), ("availability", AvailabilityTopic));
                    warned = false;
                    await PublishAsync(new Outgoing(AvailabilityTopic, "online"u8.ToArray(), true), token).ConfigureAwait(false);
                    if (config.HomeAssistant) RequeueDiscovery();
                }
                while (discoveryPending.TryPeek(out string? topic))
                {
                    byte[] payload;
                    lock (discovery) payload = discovery[topic];
                    if (!await PublishAsync(new Outgoing(topic, payload, true), token).ConfigureAwait(false)) break;
                    discoveryPending.TryDequeue(out _);
                }
                pending ??= await queue.Reader.ReadAsync(token).ConfigureAwait(false);
                if (await PublishAsync(pending.Value, token).ConfigureAwait(false))
                {
                    pending = null;
                    Interlocked.Increment(ref done);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Connection trouble (MQTTnet reports it with several exception types): retry later.
                connected = false;
                Interlocked.Increment(ref errors);
                if (!warned)
                {
                    log.Warn("mqtt broker unreachable; queueing (bounded) and retrying every 2 s", ("broker", Broker), ("error", Librecast.Sockets.SystemErrors.Describe(e)));
                    warned = true;
                }
                try { await Task.Delay(delay, token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    private void RefusedLogin(MqttClientConnectResultCode code, ref bool warned)
    {
        connected = false;
        Interlocked.Increment(ref errors);
        bool login = code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadAuthenticationMethod;
        if (login) Interlocked.Increment(ref loginFailures);
        if (warned) return;
        warned = true;
        if (login)
            log.Error("mqtt broker refused the login (" + (code == MqttClientConnectResultCode.NotAuthorized ? "not authorised" : "bad user name or password") +
                      "): check username and password in 'config mqtt'; nothing is published until it accepts, retrying every 30 s",
                ("broker", Broker), ("username", config.Username ?? "(none)"), ("code", code.ToString()));
        else
            log.Error("mqtt broker refused the connection; retrying every 30 s", ("broker", Broker), ("code", code.ToString()));
    }

    private void RequeueDiscovery()
    {
        // After a reconnect the broker may have lost its retained messages (no persistence): send every config again.
        while (discoveryPending.TryDequeue(out _)) { }
        lock (discovery)
            foreach (string topic in discovery.Keys) discoveryPending.Enqueue(topic);
    }

    // True when the message is done with (sent, or refused and dropped); false never: connection
    // trouble throws, and the caller keeps the message for the next connection.
    private async Task<bool> PublishAsync(Outgoing m, CancellationToken token)
    {
        MqttApplicationMessage message;
        try
        {
            message = new MqttApplicationMessageBuilder()
                .WithTopic(m.Topic)
                .WithPayload(m.Payload)
                .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)config.Qos)
                .WithRetainFlag(m.Retain)
                .Build();
        }
        catch (Exception e) when (e is ArgumentException or MQTTnet.Exceptions.MqttProtocolViolationException)
        {
            Drop(DropReason.ClientRefused, m.Topic, "the MQTT client refused it (" + e.Message + ")");
            return true;
        }
        MqttClientPublishResult result;
        try
        {
            result = await client.PublishAsync(message, token).ConfigureAwait(false);
        }
        catch (Exception e) when ((e is ArgumentException or MQTTnet.Exceptions.MqttProtocolViolationException) && client.IsConnected)
        {
            Drop(DropReason.ClientRefused, m.Topic, "the MQTT client refused it (" + e.Message + ")");
            return true;
        }
        if (!result.IsSuccess)
        {
            Drop(DropReason.BrokerRefused, m.Topic, "the broker refused it (" + result.ReasonCode + ")");
            return true;
        }
        Interlocked.Increment(ref published);
        return true;
    }

    /// <summary>Sends what is queued (up to <paramref name="timeout"/>), then disconnects.</summary>
    public void Drain(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        // With DropWrite a full queue still "accepts" the write and reports the drop: those never come out.
        while (Connected && Volatile.Read(ref done) + DroppedFor(DropReason.QueueFull) < Volatile.Read(ref enqueued) && DateTime.UtcNow < deadline) Thread.Sleep(10);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        stop.Cancel();
        try { pump.Wait(TimeSpan.FromSeconds(3)); }
        catch (AggregateException) { /* the pump ends by cancellation */ }
        try
        {
            if (client.IsConnected)
            {
                // A clean disconnect does not fire the last will: say offline ourselves.
                var offline = new MqttApplicationMessageBuilder().WithTopic(AvailabilityTopic).WithPayload("offline"u8.ToArray())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(true).Build();
                client.PublishAsync(offline, CancellationToken.None).Wait(TimeSpan.FromSeconds(2));
                client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).Wait(TimeSpan.FromSeconds(2));
            }
        }
        catch (AggregateException) { /* closing anyway */ }
        client.Dispose();
        stop.Dispose();
    }
}
