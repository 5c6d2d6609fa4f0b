using System;
using System.Threading;
using Librecast.Gateway.Outputs;

namespace Librecast.Gateway;

// Shutdown: one cancellation stops the network retry and the sensor loop; then the listener
// stops, MQTT drains, everything closes, and one summary line says what happened.
public sealed partial class Gateway
{
    private int disposed, inputsStopped;
    private bool sensorsStopped = true;

    /// <summary>Set when a reload replaces this gateway: its stop summary says so.</summary>
    internal bool ReplacedByReload { get; set; }

    /// <summary>
    /// Stops receiving and polling and closes the sockets, leaving the outputs open (for a
    /// reload, whose new gateway may take them over). Part of <see cref="Dispose"/>.
    /// </summary>
    public void StopInputs()
    {
        if (Interlocked.Exchange(ref inputsStopped, 1) != 0) return;
        lock (networkGate) shutdown.Cancel(); // from here on `network` never changes
        if (networkThread != null && !networkThread.Join(5000))
            log.Warn("network retry still running at stop; leaving it to close its own sockets");
        NetworkState? net = network;
        net?.Subscriber?.ListenCancel(); // waits for the dispatch thread: no message is handled after this
        StopShare();
        timeThread?.Join(5000);
        sensorsStopped = sensorThread == null || sensorThread.Join(5000);
        if (!sensorsStopped) log.Warn("sensor read still running at stop (a stuck I2C bus?); not closing the sensors under it");
        context?.Dispose();
        if (sensorsStopped)
        {
            // Closed now: a reload's new gateway opens the same I2C devices.
            foreach (Librecast.Sensors.SensorPoller p in pollers) p.Dispose();
        }
    }

    /// <summary>
    /// Stops receiving and polling, flushes MQTT (up to 2 s), closes everything. Safe to call
    /// twice, and while the network is still being retried: an attempt under way either finished
    /// before (its sockets are closed here) or sees the stop and closes its own.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        StopInputs();
        Mqtt?.Drain(TimeSpan.FromSeconds(2));
        MetricsServer?.Dispose();
        foreach (IOutput output in outputs) output.Dispose();
        Counters? c = context?.Counters;
        log.Info(ReplacedByReload ? "previous configuration stopped (reload)" : "lcgw stopped", ("received", c?.Received ?? 0), ("malformed", c?.Malformed ?? 0),
            ("senml_accepted", networkDecoder.Accepted), ("sensor_published", Volatile.Read(ref localPublished)),
            ("jsonl_dropped", Jsonl?.Dropped ?? 0), ("mqtt_published", Mqtt?.Published ?? 0), ("mqtt_dropped", Mqtt?.Dropped ?? 0),
            ("bridged_up", Volatile.Read(ref bridgedUp)), ("bridged_down", Volatile.Read(ref bridgedDown)),
            ("bridge_duplicates", Volatile.Read(ref bridgeDuplicates)),
            ("migrated_up", Volatile.Read(ref migratedUp)), ("migrated_down", Volatile.Read(ref migratedDown)));
    }
}
