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
        yield return new("lc_transport_published_total", "counter", "Messages accepted by a publisher ring.", "", c.Published);
        yield return new("lc_transport_dropped_total", "counter", "Messages a publisher dropped under its overflow policy.", "", c.Dropped);
        yield return new("lc_transport_sent_total", "counter", "Datagrams handed to the network.", "", c.Sent);
        yield return new("lc_transport_send_errors_total", "counter", "Sends that failed.", "", c.SendErrors);
        yield return new("lc_transport_received_total", "counter", "Datagrams received and accepted as librecast frames.", "", c.Received);
        yield return new("lc_transport_malformed_total", "counter", "Datagrams that were not well-formed librecast frames.", "", c.Malformed);
        yield return new("lc_transport_truncated_total", "counter", "Datagrams larger than max_datagram.", "", c.Truncated);
        yield return new("lc_transport_filtered_total", "counter", "Datagrams for groups not subscribed.", "", c.Filtered);
        yield return new("lc_transport_kernel_drops_total", "counter", "Datagrams the kernel dropped (receive buffer full).", "", c.KernelDrops);
        yield return new("lc_transport_unauthenticated_total", "counter", "Datagrams on encrypted channels that did not open with the key (forged, tampered, other key, in clear).", "", c.Unauthenticated);
        yield return new("lc_transport_replayed_total", "counter", "Messages the replay window or nonce filter rejected (duplicates, replays, stale).", "", c.Replayed);
    }
}
