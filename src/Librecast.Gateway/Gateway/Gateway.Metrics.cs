using System;
using System.Collections.Generic;
using System.Threading;
using Librecast.Gateway.Outputs;
using Librecast.Gateway.Senml;

namespace Librecast.Gateway;

// The metric table: the gateway's own counters and gauges for /metrics, next to the transport's
// (exported in one place, Outputs/TransportMetrics.cs).
public sealed partial class Gateway
{
    private IEnumerable<MetricsStore.Metric> GatewayMetrics()
    {
        Counters? c = context?.Counters;
        if (c != null)
            foreach (MetricsStore.Metric m in TransportMetrics.Of(c)) yield return m;
        foreach (MetricsStore.Metric m in NackMetrics()) yield return m; // Gateway.Nack.cs
        foreach (MetricsStore.Metric m in TokenMetrics()) yield return m; // Gateway.Restricted.cs
        foreach (MetricsStore.Metric m in ConfigReloads.Metrics()) yield return m; // SIGHUP (Program.Reload)
        yield return new(MetricNames.NetworkUp, "gauge", "1 once the sockets are open and the channels joined.", "", network != null ? 1 : 0);
        if (network?.Subscriber?.ReplayWindow is { } window)
        {
            // Read from another thread than the receive loop: exact on 64-bit, may tear on 32-bit.
            yield return new(MetricNames.ReplayLost, "counter", "Messages missing from senders' sequences (option replay).", "", window.Lost);
            yield return new(MetricNames.ReplayReordered, "counter", "Messages that arrived late but inside the window.", "", window.Reordered);
            yield return new(MetricNames.ReplayRestarts, "counter", "Sender restarts recognised (seq back to 1 with a newer clock).", "", window.Restarts);
        }
        yield return new(MetricNames.SenmlAccepted, "counter", "SenML packs received and decoded (local sensors are not decoded: they reach the outputs directly).", "", networkDecoder.Accepted);
        foreach (SenmlError reason in Enum.GetValues<SenmlError>())
        {
            if (reason == SenmlError.None) continue;
            yield return new(MetricNames.SenmlRejected, "counter", "Payloads rejected as SenML, by reason.",
                "reason=\"" + reason.ToString().ToLowerInvariant() + "\"", networkDecoder.Rejected(reason));
        }
        // Receive failures: lc_transport_receive_errors_total (the core counts them, handler or not).
        yield return new(MetricNames.LocalSensorPublished, "counter", "Local sensor packs sent on their channel.", "", Volatile.Read(ref localPublished));
        yield return new(MetricNames.LocalSensorSendErrors, "counter", "Local sensor packs that could not be sent (network down or refused); they still reach the outputs.", "", Volatile.Read(ref localSendErrors));
        for (int i = 0; i < pollers.Count; i++)
            yield return new(MetricNames.LocalSensorReads, "counter", "Successful local sensor reads.", SensorLabel(i), pollers[i].Reads);
        for (int i = 0; i < pollers.Count; i++)
            yield return new(MetricNames.LocalSensorErrors, "counter", "Failed local sensor opens and reads.", SensorLabel(i), pollers[i].Errors);
        for (int i = 0; i < pollers.Count; i++)
            yield return new(MetricNames.LocalSensorUp, "gauge", "1 while the local sensor answers.", SensorLabel(i), pollers[i].Online ? 1 : 0);
        bool bridge = config.BridgeUp.Count > 0 || config.BridgeDown.Count > 0, migrate = config.MigrateUp.Count > 0 || config.MigrateDown.Count > 0;
        if (bridge || migrate)
        {
            const string Bridged = "Messages republished on the other address family (IPv4 bridge) or the other librecast wire (config migrate).";
            if (bridge)
            {
                yield return new(MetricNames.BridgeForwarded, "counter", Bridged, "direction=\"ipv4_to_ipv6\"", Volatile.Read(ref bridgedUp));
                yield return new(MetricNames.BridgeForwarded, "counter", Bridged, "direction=\"ipv6_to_ipv4\"", Volatile.Read(ref bridgedDown));
            }
            if (migrate)
            {
                yield return new(MetricNames.BridgeForwarded, "counter", Bridged, "direction=\"old_wire_to_new\"", Volatile.Read(ref migratedUp));
                yield return new(MetricNames.BridgeForwarded, "counter", Bridged, "direction=\"new_wire_to_old\"", Volatile.Read(ref migratedDown));
            }
            yield return new(MetricNames.BridgeErrors, "counter", "Republishes that failed.", "", Volatile.Read(ref bridgeErrors));
            yield return new(MetricNames.BridgeDuplicates, "counter", "Bridged-channel messages seen before (sent back by another bridge or a loop): not forwarded or delivered again.", "", Volatile.Read(ref bridgeDuplicates));
        }
        if (share != null)
            foreach (MetricsStore.Metric m in share.Metrics()) yield return m;
        if (Jsonl != null)
        {
            yield return new(MetricNames.JsonlDropped, "counter", "JSON lines (one per SenML record) not written because a write failed (disk full, closed pipe).", "", Jsonl.Dropped);
            yield return new(MetricNames.JsonlWriteErrors, "counter", "Failed JSON lines writes.", "", Jsonl.Errors);
        }
        if (Mqtt != null)
        {
            yield return new(MetricNames.MqttConnected, "gauge", "1 while connected to the MQTT broker and logged in.", "", Mqtt.Connected ? 1 : 0);
            yield return new(MetricNames.MqttQueued, "gauge", "MQTT messages waiting for the broker.", "", Mqtt.Queued);
            yield return new(MetricNames.MqttPublished, "counter", "MQTT messages the broker accepted.", "", Mqtt.Published);
            foreach (MqttBridge.DropReason reason in Enum.GetValues<MqttBridge.DropReason>())
                yield return new(MetricNames.MqttDropped, "counter", "MQTT messages dropped, by reason (queue full while the broker was away, topic too long, refused by client or broker, no TLS in this build).",
                    "reason=\"" + MqttBridge.Label(reason) + "\"", Mqtt.DroppedFor(reason));
            yield return new(MetricNames.MqttLoginFailures, "counter", "Logins the MQTT broker refused (bad user name or password, not authorised).", "", Mqtt.LoginFailures);
            yield return new(MetricNames.MqttErrors, "counter", "Failed MQTT connects (broker unreachable or login refused).", "", Mqtt.Errors);
        }
    }

    private string SensorLabel(int i) =>
        "sensor=\"" + MetricsStore.Escape(config.Sensors[i].Name) + "\",device=\"" + MetricsStore.Escape(pollers[i].Spec.ToString()) + "\"";
}
