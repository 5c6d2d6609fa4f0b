using System;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Librecast.Gateway.Config;
using Librecast.Gateway.Senml;
using MQTTnet;
using MQTTnet.Protocol;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// Republishes readings to an MQTT broker (MQTTnet) so existing MQTT tooling sees them:
/// the SenML pack as received on <c>PREFIX + CHANNEL</c> and each record's value as plain text
/// on <c>PREFIX + CHANNEL + "/" + NAME</c> (e.g. <c>librecast/site1/node1/telemetry/temperature</c>
/// → <c>21.53</c>). Messages wait in a bounded queue while the broker is unreachable;
/// <see cref="Write"/> never blocks, and what does not fit is dropped and counted. Reconnects
/// every few seconds.
/// </summary>
public sealed class MqttBridge : IOutput
{
    private const int QueueCapacity = 4096;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly MqttConfig config;
    private readonly Log log;
    private readonly Channel<(string Topic, byte[] Payload)> queue;
    private readonly IMqttClient client;
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;
    private int published, dropped, errors, connects, enqueued;

    /// <summary>Starts the bridge; it connects in the background.</summary>
    public MqttBridge(MqttConfig config, Log log)
    {
        this.config = config;
        this.log = log;
        queue = System.Threading.Channels.Channel.CreateBounded<(string, byte[])>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref dropped));
        // Plain TCP only: MQTTnet's default transports bring TLS and WebSocket code (1.2 MB) lcgw cannot use.
        // (Not MqttClientFactory: its constructors make the default factory, which keeps them.)
        client = new MqttClient(new PlainMqttAdapterFactory(), new MQTTnet.Diagnostics.Logger.MqttNetNullLogger());
        pump = Task.Run(PumpAsync);
    }

    /// <summary>Messages the broker accepted.</summary>
    public int Published => Volatile.Read(ref published);

    /// <summary>Messages dropped because the queue was full (broker down or slow).</summary>
    public int Dropped => Volatile.Read(ref dropped);

    /// <summary>Failed connects and publishes.</summary>
    public int Errors => Volatile.Read(ref errors);

    /// <summary>True while connected to the broker.</summary>
    public bool Connected => client.IsConnected;

    /// <summary>Successful connections (1 + reconnects).</summary>
    public int Connects => Volatile.Read(ref connects);

    /// <inheritdoc/>
    public void Write(Observation o)
    {
        string baseTopic = config.TopicPrefix + o.Channel;
        Enqueue(baseTopic, o.Payload.AsSpan(o.PayloadOffset, o.PayloadLength).ToArray());
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
            // SenML names cannot hold MQTT wildcards (+ #), so they are safe as topic levels.
            string suffix = r.ShortName.Length > 0 ? r.ShortName : r.Name;
            Enqueue(baseTopic + "/" + suffix, Encoding.UTF8.GetBytes(text));
        }
    }

    private void Enqueue(string topic, byte[] payload)
    {
        if (queue.Writer.TryWrite((topic, payload))) Interlocked.Increment(ref enqueued);
    }

    private MqttClientOptions Options()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(config.Host, config.Port)
            .WithClientId(config.ClientId)
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (config.Username != null) builder = builder.WithCredentials(config.Username, config.Password ?? "");
        return builder.Build();
    }

    private async Task PumpAsync()
    {
        CancellationToken token = stop.Token;
        bool warned = false;
        (string Topic, byte[] Payload)? pending = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await client.ConnectAsync(Options(), token).ConfigureAwait(false);
                    Interlocked.Increment(ref connects);
                    log.Info("mqtt connected", ("broker", config.Host + ":" + config.Port.ToString(CultureInfo.InvariantCulture)), ("client_id", config.ClientId));
                    warned = false;
                }
                pending ??= await queue.Reader.ReadAsync(token).ConfigureAwait(false);
                MqttApplicationMessage message = new MqttApplicationMessageBuilder()
                    .WithTopic(pending.Value.Topic)
                    .WithPayload(pending.Value.Payload)
                    .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)config.Qos)
                    .WithRetainFlag(config.Retain)
                    .Build();
                await client.PublishAsync(message, token).ConfigureAwait(false);
                pending = null;
                Interlocked.Increment(ref published);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // MQTTnet reports connection trouble with several exception types; all mean "retry later".
                Interlocked.Increment(ref errors);
                if (!warned)
                {
                    log.Warn("mqtt broker unreachable; queueing (bounded) and retrying every 2 s",
                        ("broker", config.Host + ":" + config.Port.ToString(CultureInfo.InvariantCulture)), ("error", e.Message));
                    warned = true;
                }
                try { await Task.Delay(RetryDelay, token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>Sends what is queued (up to <paramref name="timeout"/>), then disconnects.</summary>
    public void Drain(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        // With DropWrite a full queue still "accepts" the write and reports the drop: those never come out.
        while (client.IsConnected && Published + Dropped < Volatile.Read(ref enqueued) && DateTime.UtcNow < deadline) Thread.Sleep(10);
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
                client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException) { /* closing anyway */ }
        client.Dispose();
        stop.Dispose();
    }
}
