using System.Collections.Generic;

namespace Librecast.Gateway.Config;

/// <summary>
/// lcgw's NACK log for a publishing channel (a sensor section's <c>option nack 'SECONDS'</c>):
/// how long sent messages stay answerable, the log's bytes and the resend rate.
/// </summary>
/// <param name="Seconds">How long a sent message stays answerable.</param>
/// <param name="Bytes">The log's size (<c>option nack_bytes</c>, default 262144).</param>
/// <param name="Rate">Most resends a second (<c>option nack_rate</c>, default 200).</param>
public sealed record NackLogConfig(int Seconds, int Bytes, int Rate);

// NACK gap repair options (librecast 0.6+): "option nack '1'" in a subscribe section repairs
// gaps on its channels; "option nack 'SECONDS'" (with nack_bytes, nack_rate) in a sensor section
// logs what the sensor's channel sends and answers NACKs. Refused, with file:line, where the
// channel's wire (0.5) has no NACK.
public sealed partial class GatewayConfig
{
    private readonly Dictionary<string, string> gapRepair = new();
    private readonly Dictionary<string, NackLogConfig> nackLogs = new();
    private readonly List<(int Sensor, NackLogConfig Log, string Where)> pendingSensorNack = new();
    private readonly List<(string Channel, string Where)> nackChecks = new();

    /// <summary>Subscribed channels whose gaps are repaired (subscribe section "option nack '1'"), with where it was set.</summary>
    public IReadOnlyDictionary<string, string> GapRepair => gapRepair;

    /// <summary>Publishing channels that log what they send and answer NACKs (sensor section "option nack 'SECONDS'").</summary>
    public IReadOnlyDictionary<string, NackLogConfig> NackLogs => nackLogs;

    // A subscribe section's "option nack": true if set to 1.
    private static bool ReadNackReceive(Options options) => options.Flag("nack", false);

    private void AddGapRepair(string channel, string where)
    {
        gapRepair[channel] = where;
        nackChecks.Add((channel, where));
    }

    // A sensor section's "option nack 'SECONDS'" and its limits; the channel is known only at the end.
    private void ReadNackLog(Options options, int sensor)
    {
        int seconds = options.Int("nack", 0, 0, 86400);
        int bytes = options.Int("nack_bytes", 262144, 4096, 1 << 30);
        int rate = options.Int("nack_rate", 200, 1, 1000000);
        if (seconds == 0)
        {
            string? sized = options.String("nack_bytes") != null ? "nack_bytes" : options.String("nack_rate") != null ? "nack_rate" : null;
            if (sized != null)
                throw new ConfigException(options.WhereOf(sized) + ": nack_bytes and nack_rate size the NACK log: add \"option nack 'SECONDS'\"");
            return;
        }
        pendingSensorNack.Add((sensor, new NackLogConfig(seconds, bytes, rate), options.WhereOf("nack")));
    }

    // Once every channel and wire is known: the sensors' logs by channel, and every NACK channel's wire checked.
    private void ResolveNack()
    {
        foreach (var (sensor, log, where) in pendingSensorNack)
        {
            string channel = Sensors[sensor].Channel;
            if (nackLogs.TryGetValue(channel, out NackLogConfig? had) && had != log)
                throw new ConfigException(where + ": channel '" + channel + "' already has a NACK log with other settings (sensors on one channel share one)");
            nackLogs[channel] = log;
            nackChecks.Add((channel, where));
        }
        foreach (var (channel, where) in nackChecks)
        {
            WireProfile wire = WireOf(channel);
            if (!wire.HasNack)
                throw new ConfigException(where + ": option nack: channel '" + channel + "' speaks the librecast " + wire.Release +
                                          " wire, which has no NACK gap repair (librecast 0.6.0 added it): set \"option wire '0.11'\" (or '0.9') or remove nack");
        }
    }
}
