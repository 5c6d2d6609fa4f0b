using System.Collections.Generic;
using System.Reflection;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// Every metric name lcgw exports on /metrics (and names in its log lines), defined once.
/// </summary>
/// <remarks>
/// The prefix says whose count it is. <c>lc_</c>: what any librecast program counts the same way,
/// the core's transport and NACK tables (<see cref="Counters"/>, <see cref="NackCounters"/>) and
/// the SenML values received (<c>lc_sensor_*</c>, labelled by channel and name). <c>lcgw_</c>: the
/// gateway's own work: its outputs, its local sensors (<c>lcgw_sensor_*</c>, labelled by
/// <c>sensor</c> and <c>device</c>), the IPv4 bridge, the share. One thing is counted under one
/// name: receive failures are <c>lc_transport_receive_errors_total</c> only (the same count was
/// also exported as <c>lcgw_receive_errors_total</c>, now removed). Names are user-visible: a
/// rename goes in docs/deploy.md.
/// </remarks>
internal static class MetricNames
{
    // lc_: the core's tables and the readings.
    public const string TransportPrefix = "lc_transport_";
    public const string NackPrefix = "lc_nack_";
    public const string SensorValue = "lc_sensor_value";
    public const string SensorTime = "lc_sensor_time_seconds";
    public const string SensorUpdates = "lc_sensor_updates_total";

    // lcgw_: the gateway's own.
    public const string NetworkUp = "lcgw_network_up";
    public const string ConfigReloads = "lcgw_config_reloads_total";
    public const string TokenAccepted = "lcgw_token_accepted_total";
    public const string TokenRejected = "lcgw_token_rejected_total";
    public const string ReplayLost = "lcgw_replay_lost_total";
    public const string ReplayReordered = "lcgw_replay_reordered_total";
    public const string ReplayRestarts = "lcgw_replay_restarts_total";
    public const string SenmlAccepted = "lcgw_senml_accepted_total";
    public const string SenmlRejected = "lcgw_senml_rejected_total";
    public const string LocalSensorPublished = "lcgw_sensor_published_total";
    public const string LocalSensorSendErrors = "lcgw_sensor_send_errors_total";
    public const string LocalSensorReads = "lcgw_sensor_reads_total";
    public const string LocalSensorErrors = "lcgw_sensor_errors_total";
    public const string LocalSensorUp = "lcgw_sensor_up";
    public const string BridgeForwarded = "lcgw_bridge_forwarded_total";
    public const string BridgeErrors = "lcgw_bridge_errors_total";
    public const string BridgeDuplicates = "lcgw_bridge_duplicates_total";
    public const string JsonlDropped = "lcgw_jsonl_dropped_total";
    public const string JsonlWriteErrors = "lcgw_jsonl_write_errors_total";
    public const string MqttConnected = "lcgw_mqtt_connected";
    public const string MqttQueued = "lcgw_mqtt_queued";
    public const string MqttPublished = "lcgw_mqtt_published_total";
    public const string MqttDropped = "lcgw_mqtt_dropped_total";
    public const string MqttLoginFailures = "lcgw_mqtt_login_failures_total";
    public const string MqttErrors = "lcgw_mqtt_errors_total";
    public const string ShareFiles = "lcgw_share_files";
    public const string ShareFileBytes = "lcgw_share_file_bytes";
    public const string ShareMemoryBytes = "lcgw_share_memory_bytes";
    public const string ShareRounds = "lcgw_share_rounds_total";
    public const string ShareAnnouncements = "lcgw_share_announcements_total";
    public const string ShareSymbols = "lcgw_share_symbols_total";
    public const string ShareSentBytes = "lcgw_share_sent_bytes_total";
    public const string ShareSendErrors = "lcgw_share_send_errors_total";
    public const string ShareScans = "lcgw_share_scans_total";
    public const string ShareScanErrors = "lcgw_share_scan_errors_total";
    public const string ShareFailures = "lcgw_share_failures_total";
    public const string ShareSkipped = "lcgw_share_skipped_total";
    public const string SeriesOverflow = "lcgw_metrics_series_overflow_total";
    public const string SeriesExpired = "lcgw_metrics_series_expired_total";

    /// <summary>A transport counter's metric: <c>lc_transport_NAME_total</c>.</summary>
    public static string Transport(Counter c) => TransportPrefix + Counters.NameOf(c) + "_total";

    /// <summary>A NACK counter's metric: <c>lc_nack_NAME_total</c>.</summary>
    public static string Nack(NackCounter c) => NackPrefix + NackCounters.NameOf(c) + "_total";

    /// <summary>Every name above and every transport and NACK counter's, once each.</summary>
    public static IEnumerable<string> All()
    {
        foreach (FieldInfo f in typeof(MetricNames).GetFields(BindingFlags.Public | BindingFlags.Static))
            if (f.IsLiteral && !f.Name.EndsWith("Prefix", System.StringComparison.Ordinal)) yield return (string)f.GetRawConstantValue()!;
        for (int i = 0; i < Counters.Count; i++) yield return Transport((Counter)i);
        for (int i = 0; i < NackCounters.Count; i++) yield return Nack((NackCounter)i);
    }
}
