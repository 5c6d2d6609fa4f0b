using System;
using System.Collections.Generic;
using Librecast.Gateway.Outputs;

namespace Librecast.Gateway;

// NACK gap repair (librecast 0.6+): subscribed channels with "option nack '1'" NACK their gaps;
// sensor channels with "option nack 'SECONDS'" log what they send and answer NACKs, rate-limited.
public sealed partial class Gateway
{
    private readonly List<IDisposable> nackParts = new();

    // A sensor channel just bound to the sending socket: start its log and NACK responder if configured.
    private void StartNackLog(Channel channel)
    {
        if (channel.Name == null || !config.NackLogs.TryGetValue(channel.Name, out Config.NackLogConfig? n)) return;
        NackResponder r = channel.HandleNacks(new NackOptions
        {
            Seconds = n.Seconds,
            LogBytes = n.Bytes,
            SlotSize = Math.Min(config.MaxDatagram, n.Bytes),
            ResendsPerSecond = n.Rate,
        });
        lock (nackParts) nackParts.Add(r);
        log.Info("answering NACKs", ("channel", channel.Name), ("seconds", n.Seconds), ("log_slots", r.Log.Slots), ("rate", n.Rate));
    }

    // A channel just joined on the receiving socket: repair its gaps if configured (IPv6 channels only).
    private void StartGapRepair(Channel channel)
    {
        if (channel.Name == null || !config.GapRepair.ContainsKey(channel.Name) || Ipv4Group.IsMapped(GroupOf(channel), 0)) return;
        GapRepair g = channel.DetectGaps();
        lock (nackParts) nackParts.Add(g);
        log.Info("repairing gaps", ("channel", channel.Name), ("nack_group", g.NackChannel.Address));
    }

    // A failed network attempt: stop what it started (its sockets close with it).
    private void StopNack()
    {
        lock (nackParts)
        {
            foreach (IDisposable d in nackParts)
            {
                try { d.Dispose(); }
                catch (LibrecastException) { /* closing what failed */ }
            }
            nackParts.Clear();
        }
    }

    private IEnumerable<MetricsStore.Metric> NackMetrics()
    {
        if (config.GapRepair.Count == 0 && config.NackLogs.Count == 0) yield break;
        NackCounters? c = context?.NackCounters;
        if (c == null) yield break;
        for (int i = 0; i < NackCounters.Count; i++)
            yield return new(MetricNames.Nack((NackCounter)i), "counter", NackHelps[i], "", c.Get((NackCounter)i));
    }

    // One sentence per NackCounter, in its order (kept here, not in the core: nanoFramework's string table is full).
    private static readonly string[] NackHelps =
    {
        "NACKs sent for missing sequence numbers (subscribed channels with option nack).",
        "Missing messages that arrived after a NACK and were delivered once.",
        "Second and later copies of a message already received within the gap window, not delivered.",
        "Missing sequence numbers that left the gap window unreceived.",
        "Well-formed 8-byte NACKs received (sensor channels with option nack).",
        "Logged datagrams sent again, byte for byte, in answer to a NACK.",
        "NACKs refused by the resend rate limit, or for a message resent within the 100 ms hold-off.",
        "NACKs for a sequence number the log does not hold: never sent, overwritten or expired.",
        "Datagrams on a NACK group that are not 8 bytes.",
        "Sent messages larger than a log slot, so not answerable.",
    };
}
