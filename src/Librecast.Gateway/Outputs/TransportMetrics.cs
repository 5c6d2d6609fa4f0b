using System.Collections.Generic;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// The core's transport counters as Prometheus metrics (<c>lc_transport_*</c>). Kept apart from
/// the gateway's own metrics: the counter table is the core's, and this is its one export here.
/// </summary>
internal static class TransportMetrics
{
    /// <summary>Every transport counter of <paramref name="c"/>, one sample each.</summary>
    public static IEnumerable<MetricsStore.Metric> Of(Counters c)
    {
        // One table names and explains the transport counters (Librecast.Counters); the totals
        // are 64-bit and never go backwards.
        for (int i = 0; i < Counters.Count; i++)
            yield return new(MetricNames.Transport((Counter)i), "counter", Counters.HelpOf((Counter)i), "", c.Get((Counter)i));
    }
}
