using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Librecast.Gateway.Config;
using Librecast.Files;
using Librecast.Sockets;

namespace Librecast.Gateway;

// The network supervisor: opens the sockets and joins the channels in one attempt, whole or not
// at all; while the network refuses (interface missing at boot, join failed) it retries in the
// background until shutdown.
public sealed partial class Gateway
{
    /// <summary>How long between network attempts while the network is not up (tests shorten it).</summary>
    internal TimeSpan NetworkRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The open sockets and the sensors' channels: built whole by one attempt, never half-built,
    /// never changed after. Each sending socket has one writer, so each has a single-writer
    /// publisher (<see cref="PublisherOptions.SingleWriter"/>) and no sender thread: Publisher
    /// (the local sensors' channels) is written by the sensor thread only, which sends what it
    /// queued right away; Bridge (the IPv4 bridge's and wire migration's republished channels)
    /// by the listener's dispatch thread only, which sends what a receive batch queued after the
    /// batch (<see cref="ListenOptions.AfterBatch"/>, which also writes the batch's JSON lines): one sendmmsg/GSO send per batch instead of
    /// a sendto per datagram. Two threads writing one socket would need the many-writers spin
    /// lock and a way to know who sends; two sockets need neither.
    /// </summary>
    private sealed record NetworkState(Librecast.Socket? Subscriber, Librecast.Socket? Publisher, Librecast.Socket? Bridge, Dictionary<string, Channel> SensorChannels);

    // Written once, null -> state, under networkGate and only while not shutting down; read
    // without a lock (volatile) by the sensor thread and the metrics. Once Dispose has cancelled
    // `shutdown` under the gate it never changes again.
    private volatile NetworkState? network;
    private readonly object networkGate = new();
    private string lastNetworkError = "";
    private Thread? networkThread;

    private void StartNetwork()
    {
        if (config.Channels.Count > 0 || Bridges) ReportReceiveBuffer();
        if (TryStartNetwork()) return;
        // The interface may not be up yet (a router at boot) or the network may refuse: keep
        // the rest running and try again, rather than exit and be restarted in a loop.
        log.Error("network not ready; outputs and sensors run, retrying every " + NetworkRetry.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s",
            ("interface", config.Interface ?? "(default route)"), ("error", lastNetworkError));
        networkThread = new Thread(RetryNetwork) { IsBackground = true, Name = "lcgw-network" };
        networkThread.Start();
    }

    // The transport asks for an 8 MiB receive buffer; without CAP_NET_ADMIN the kernel silently
    // caps it at net.core.rmem_max (Linux default 208 KiB): say so once, and how to raise it.
    private void ReportReceiveBuffer()
    {
        const long Wanted = 8 << 20;
        try
        {
            long max = long.Parse(System.IO.File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), CultureInfo.InvariantCulture);
            if (max >= Wanted || HasNetAdmin()) return;
            log.Info("receive buffer capped by net.core.rmem_max; bursts may be dropped by the kernel (" + Outputs.MetricNames.Transport(Counter.KernelDrops) + "): " +
                     "sysctl -w net.core.rmem_max=8388608 (or /etc/sysctl.d/60-lcgw.conf)",
                ("rmem_max", max), ("wanted", Wanted));
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or FormatException) { /* not Linux, or /proc hidden */ }
    }

    private static bool HasNetAdmin()
    {
        foreach (string line in System.IO.File.ReadAllLines("/proc/self/status"))
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                return (ulong.Parse(line.Substring(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 12)) != 0;
        return false;
    }

    private void RetryNetwork()
    {
        while (!shutdown.Token.WaitHandle.WaitOne(NetworkRetry))
        {
            if (!TryStartNetwork()) continue;
            log.Info("network up");
            return;
        }
    }

    // Opens every socket, binds and joins every channel, starts the listener, then publishes the
    // result as `network`. On failure, or if Dispose began meanwhile, closes what it opened; the
    // failure says which step failed. Never blocks: it is the retry thread's whole work.
    private bool TryStartNetwork()
    {
        Librecast.Socket? subscriber = null, publisher = null, bridge = null;
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
            if (config.Sensors.Count > 0)
            {
                step = "opening the sending socket";
                publisher = context!.CreateSocket();
                publisher.Bind(ifindex);
                publisher.SendErrorHandler = e => sensorSendError = e; // Gateway.Sensors.cs: read after each send
                publisher.StartPublisher(SendRingOptions(Librecast.Sensors.TelemetryEncoder.Capacity + Frame.HeaderSize + Librecast.Crypto.SecretBox.Overhead +
                    (config.SealOwnSends ? Librecast.Security.TokenFilter.Overhead : 0), 4));
                foreach (LocalSensorConfig sensor in config.Sensors)
                {
                    // Sensors configured on one channel share it, so its sequence numbers stay one series.
                    if (sensorChannels.ContainsKey(sensor.Channel)) continue;
                    step = "binding sensor channel '" + sensor.Channel + "'";
                    Channel channel = context.CreateChannel(sensor.Channel, config.WireOf(sensor.Channel));
                    if (key != null && !IsBridged(sensor.Channel)) channel.SetKey(key);
                    if (!IsBridged(sensor.Channel)) SealOwn(channel); // Gateway.Restricted.cs
                    publisher.Bind(channel);
                    StartNackLog(channel); // Gateway.Nack.cs
                    sensorChannels[sensor.Channel] = channel;
                }
            }
            if (Bridges)
            {
                step = "opening the bridge's sending socket";
                bridge = context!.CreateSocket();
                bridge.Bind(ifindex);
                bridge.SendErrorHandler = OnBridgeSendError; // Gateway.Routing.cs
                bridge.StartPublisher(SendRingOptions(config.MaxDatagram, 0));
            }
            if (config.Channels.Count > 0 || Bridges)
            {
                step = "opening the receiving socket";
                subscriber = context!.CreateSocket();
                subscriber.Bind(ifindex);
                if (config.Replay) // the same set-up as lc listen --replay
                    Librecast.Security.ReplayDefaults.Apply(subscriber, (ulong)(config.MaxAgeSeconds * 1e9), config.KeyFile != null);
                BuildRoutes(subscriber, bridge, routes, key, ref step);
                step = "starting the listener";
                // The routes are complete before the first message can arrive, and never change.
                // After each receive batch, what it queued on the bridge's send ring goes out.
                // Then the batch's JSON lines go out in one write.
                Publisher? bridgeSends = bridge?.Publisher;
                subscriber.Listen(m => OnMessage(m, routes), null, OnReceiveError, new ListenOptions
                {
                    MessageCapacity = config.MaxDatagram,
                    AfterBatch = _ =>
                    {
                        if (bridgeSends != null) SendBridged(bridgeSends);
                        EndBatch(); // Gateway.Delivery.cs
                    },
                }); // rejects: counted by the transport
            }
            lock (networkGate)
            {
                if (!shutdown.IsCancellationRequested)
                {
                    network = new NetworkState(subscriber, publisher, bridge, sensorChannels);
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
        StopNack();
        Close(subscriber);
        Close(bridge);
        Close(publisher);
        return false;
    }

    // A sending socket's ring: datagrams up to `largest` bytes as sent (sealed, where the channel
    // is keyed: bridged datagrams never are), `capacity` of them queued at most (0: as many as fit
    // 256 KiB, at least 2, at most 256). Block: a full ring makes the writer send a batch itself
    // (there is no sender thread).
    private static PublisherOptions SendRingOptions(int largest, int capacity)
    {
        int buffer = 64;
        while (buffer < largest && buffer < 65536) buffer <<= 1;
        if (capacity == 0) capacity = Math.Clamp((256 << 10) / buffer, 2, 256);
        int c = 2;
        while (c < capacity) c <<= 1;
        return new PublisherOptions { Capacity = c, BufferSize = buffer, Policy = OverflowPolicy.Block, StartThread = false, SingleWriter = true };
    }

    // The IPv4 bridge or a wire migration: something is heard and republished.
    private bool Bridges => config.BridgeUp.Count > 0 || config.BridgeDown.Count > 0 || config.MigrateUp.Count > 0 || config.MigrateDown.Count > 0;

    private static void Close(Librecast.Socket? socket)
    {
        try { socket?.Dispose(); }
        catch (LibrecastException) { /* closing what failed */ }
    }
}
