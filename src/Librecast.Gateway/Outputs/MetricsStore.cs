using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Librecast.Gateway.Senml;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// Keeps the last value of every sensor reading seen (by channel, name and unit) and renders
/// them, with the transport and gateway counters, in the Prometheus text exposition format
/// (version 0.0.4).
/// </summary>
public sealed class MetricsStore : IOutput
{
    private readonly object gate = new();
    private readonly Dictionary<(string Channel, string Name, string Unit), Entry> entries = new();
    private readonly List<Func<IEnumerable<Metric>>> sources = new();
    // In front of `entries`: the receiver hands out the same string objects for the same
    // channel, name and unit, so a slot found by their identities answers without hashing their
    // characters. Cleared whenever series are removed (under gate).
    private const int RecentSlots = 512, RecentWays = 4; // buckets of 4: series that hash alike do not push each other out
    private readonly Recent[] recent = new Recent[RecentSlots];
    private readonly byte[] recentOldest = new byte[RecentSlots / RecentWays];

    private struct Recent
    {
        public string? Channel, Name, Unit;
        public Entry? Entry;
    }

    /// <summary>Most distinct series kept; new ones beyond it are not added (counted in <see cref="Overflow"/>).</summary>
    public int MaxSeries { get; init; } = 10000;

    /// <summary>Readings not stored because <see cref="MaxSeries"/> was reached.</summary>
    public int Overflow { get; private set; }

    /// <summary>A series not updated for this long is removed (a node gone for good); zero: kept for ever.</summary>
    public TimeSpan SeriesTtl { get; init; } = TimeSpan.Zero;

    /// <summary>Series removed because they were not updated within <see cref="SeriesTtl"/>.</summary>
    public int Expired { get; private set; }

    /// <summary>Recent values kept per series for the status page's chart.</summary>
    public const int HistoryLength = 60;

    /// <summary>The monotonic clock, milliseconds (tests move it).</summary>
    internal Func<long> Clock { get; init; } = () => Environment.TickCount64;

    private sealed class Entry
    {
        public double Value;
        public double Time;
        public long Updates;
        public long LastSeen; // Clock(), for expiry
        public readonly double[] History = new double[HistoryLength];
        public int HistoryNext, HistoryCount;
    }

    /// <summary>One series as the status page shows it.</summary>
    public sealed record Series(string Channel, string Name, string Unit, double Value, double Time, long Updates, double[] Recent);

    /// <summary>A counter or gauge from elsewhere (transport, bridge, sensors), rendered as given.</summary>
    public readonly record struct Metric(string Name, string Type, string Help, string Labels, double Value);

    /// <summary>Adds a source of metrics, called on every scrape.</summary>
    public void AddSource(Func<IEnumerable<Metric>> source)
    {
        lock (gate) sources.Add(source);
    }

    /// <summary>Forgets every source (a reload: the new gateway adds its own).</summary>
    public void ClearSources()
    {
        lock (gate) sources.Clear();
    }

    /// <inheritdoc/>
    public void Write(Observation o)
    {
        lock (gate)
        {
            long now = Clock();
            for (int i = 0; i < o.Count; i++)
            {
                SenmlRecord r = o.Records[i];
                double value;
                if (r.Kind == SenmlValueKind.Number) value = r.Number;
                else if (r.Kind == SenmlValueKind.Boolean) value = r.Boolean ? 1 : 0;
                else if (r.HasSum) value = r.Sum;
                else continue; // strings and data have no numeric last value
                string unit = r.Unit ?? "";
                int bucket = HashCode.Combine(RuntimeHelpers.GetHashCode(o.Channel), RuntimeHelpers.GetHashCode(r.Name), RuntimeHelpers.GetHashCode(unit)) & (RecentSlots / RecentWays - 1);
                Entry? e = null;
                for (int slot = bucket * RecentWays; slot < (bucket + 1) * RecentWays; slot++)
                {
                    ref Recent seen = ref recent[slot];
                    if (ReferenceEquals(seen.Channel, o.Channel) && ReferenceEquals(seen.Name, r.Name) && ReferenceEquals(seen.Unit, unit))
                    {
                        e = seen.Entry;
                        break;
                    }
                }
                if (e == null)
                {
                    var key = (o.Channel, r.Name, unit);
                    if (!entries.TryGetValue(key, out e))
                    {
                        if (entries.Count >= MaxSeries)
                        {
                            Overflow++;
                            continue;
                        }
                        e = new Entry();
                        entries[key] = e;
                    }
                    ref Recent victim = ref recent[bucket * RecentWays + recentOldest[bucket]];
                    recentOldest[bucket] = (byte)((recentOldest[bucket] + 1) % RecentWays);
                    victim.Channel = o.Channel;
                    victim.Name = r.Name;
                    victim.Unit = unit;
                    victim.Entry = e;
                }
                e.Value = value;
                e.Time = r.Time;
                e.Updates++;
                e.LastSeen = now;
                e.History[e.HistoryNext] = value;
                e.HistoryNext = (e.HistoryNext + 1) % HistoryLength;
                if (e.HistoryCount < HistoryLength) e.HistoryCount++;
            }
        }
    }

    /// <summary>The last value of (channel, name, unit), for tests.</summary>
    public bool TryGet(string channel, string name, string unit, out double value)
    {
        lock (gate)
        {
            bool found = entries.TryGetValue((channel, name, unit), out Entry? e);
            value = found ? e!.Value : double.NaN;
            return found;
        }
    }

    // Under gate.
    private void ExpireOld()
    {
        if (SeriesTtl <= TimeSpan.Zero) return;
        long cutoff = Clock() - (long)SeriesTtl.TotalMilliseconds;
        List<(string, string, string)>? old = null;
        foreach (var (k, e) in entries)
            if (e.LastSeen < cutoff) (old ??= new()).Add(k);
        if (old == null) return;
        foreach (var k in old) entries.Remove(k);
        Array.Clear(recent);
        Array.Clear(recentOldest);
        Expired += old.Count;
    }

    /// <summary>Every series, sorted by channel, name and unit, with its recent values oldest first.</summary>
    public List<Series> Snapshot()
    {
        var list = new List<Series>();
        lock (gate)
        {
            ExpireOld();
            var keys = new List<(string Channel, string Name, string Unit)>(entries.Keys);
            keys.Sort();
            foreach (var k in keys)
            {
                Entry e = entries[k];
                var recent = new double[e.HistoryCount];
                for (int i = 0; i < e.HistoryCount; i++)
                    recent[i] = e.History[(e.HistoryNext - e.HistoryCount + i + HistoryLength) % HistoryLength];
                list.Add(new Series(k.Channel, k.Name, k.Unit, e.Value, e.Time, e.Updates, recent));
            }
        }
        return list;
    }

    /// <summary>The metrics of every source (counters and gauges), as the next scrape would show them.</summary>
    public List<Metric> SourceMetrics()
    {
        var list = new List<Metric>();
        lock (gate)
            foreach (Func<IEnumerable<Metric>> source in sources) list.AddRange(source());
        return list;
    }

    /// <summary>Renders everything in the Prometheus text format.</summary>
    public string Render()
    {
        var sb = new StringBuilder(4096);
        lock (gate)
        {
            ExpireOld();
            var keys = new List<(string Channel, string Name, string Unit)>(entries.Keys);
            keys.Sort();
            Header(sb, MetricNames.SensorValue, "gauge", "Last value of each SenML record (v, or vb as 0/1, or s) by channel, name and unit.");
            foreach (var k in keys) Sample(sb, MetricNames.SensorValue, SeriesLabels(k), entries[k].Value);
            Header(sb, MetricNames.SensorTime, "gauge", "SenML time of that last value, seconds since the Unix epoch.");
            foreach (var k in keys) Sample(sb, MetricNames.SensorTime, SeriesLabels(k), entries[k].Time);
            Header(sb, MetricNames.SensorUpdates, "counter", "Values received for the series since lcgw started.");
            foreach (var k in keys) Sample(sb, MetricNames.SensorUpdates, SeriesLabels(k), entries[k].Updates);
            Header(sb, MetricNames.SeriesOverflow, "counter", "Readings not stored because the series limit was reached.");
            Sample(sb, MetricNames.SeriesOverflow, "", Overflow);
            Header(sb, MetricNames.SeriesExpired, "counter", "Series removed because they were not updated within series_ttl.");
            Sample(sb, MetricNames.SeriesExpired, "", Expired);

            string? last = null;
            foreach (Func<IEnumerable<Metric>> source in sources)
            {
                foreach (Metric m in source())
                {
                    if (m.Name != last) Header(sb, m.Name, m.Type, m.Help);
                    last = m.Name;
                    Sample(sb, m.Name, m.Labels, m.Value);
                }
            }
        }
        return sb.ToString();
    }

    private static string SeriesLabels((string Channel, string Name, string Unit) k) =>
        "channel=\"" + Escape(k.Channel) + "\",name=\"" + Escape(k.Name) + "\",unit=\"" + Escape(k.Unit) + "\"";

    private static void Header(StringBuilder sb, string name, string type, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder sb, string name, string labels, double value)
    {
        sb.Append(name);
        if (labels.Length > 0) sb.Append('{').Append(labels).Append('}');
        sb.Append(' ').Append(Format(value)).Append('\n');
    }

    /// <summary>A label value escaped as the exposition format wants: backslash, double quote, newline.</summary>
    public static string Escape(string value)
    {
        if (value.IndexOfAny(['\\', '"', '\n']) < 0) return value;
        return value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
    }

    private static string Format(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public void Dispose() { }
}
