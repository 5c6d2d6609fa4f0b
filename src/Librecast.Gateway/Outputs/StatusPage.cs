using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// The page lcgw serves at <c>/</c>: one self-contained HTML document (inline style and SVG, no
/// script, no external asset) with every sensor's latest value, unit, age and a small chart of its
/// recent values, the channels with their counters, and every gateway and transport counter. It
/// reloads itself every few seconds.
/// </summary>
public sealed class StatusPage(MetricsStore store, string title, IReadOnlyList<(string Channel, string Role)> channels)
{
    /// <summary>Seconds between reloads.</summary>
    public const int RefreshSeconds = 5;

    private static string H(string text) => WebUtility.HtmlEncode(text);

    private static string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>How old a reading of SenML time <paramref name="time"/> is, in words ("3 s", "2 min").</summary>
    public static string Age(double time, double now)
    {
        double s = Math.Max(0, now - time);
        return s < 120 ? Num(Math.Round(s)) + " s" : s < 7200 ? Num(Math.Round(s / 60)) + " min" : Num(Math.Round(s / 3600)) + " h";
    }

    /// <summary>An inline SVG line of <paramref name="values"/>, scaled to its own range.</summary>
    public static string Chart(double[] values)
    {
        const int W = 160, Hh = 32;
        var sb = new StringBuilder("<svg class=\"chart\" width=\"" + W + "\" height=\"" + Hh + "\" viewBox=\"0 0 " + W + " " + Hh + "\" role=\"img\"><polyline fill=\"none\" stroke=\"#2a7ab0\" stroke-width=\"1.5\" points=\"");
        double min = double.MaxValue, max = double.MinValue;
        foreach (double v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        double span = max - min;
        for (int i = 0; i < values.Length; i++)
        {
            double x = values.Length == 1 ? W / 2.0 : i * (W - 2.0) / (values.Length - 1) + 1;
            double y = span == 0 ? Hh / 2.0 : Hh - 2 - (values[i] - min) / span * (Hh - 4);
            sb.Append(Num(x)).Append(',').Append(Num(y)).Append(' ');
        }
        return sb.Append("\"/></svg>").ToString();
    }

    /// <summary>The page as it is now.</summary>
    public string Render()
    {
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        List<MetricsStore.Series> series = store.Snapshot();
        List<MetricsStore.Metric> metrics = store.SourceMetrics();
        var sb = new StringBuilder(8192);
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"")
          .Append(RefreshSeconds).Append("\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
          .Append(H(title)).Append("</title><style>")
          .Append("body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}")
          .Append("table{border-collapse:collapse}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}")
          .Append("td.v{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}.muted{color:#777}")
          .Append("</style></head><body><h1>").Append(H(title)).Append("</h1>")
          .Append("<p class=\"muted\">Updated ").Append(H(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)))
          .Append("; reloads every ").Append(RefreshSeconds).Append(" s. Prometheus: <a href=\"/metrics\">/metrics</a>.</p>");

        sb.Append("<h2>Sensors</h2>");
        if (series.Count == 0) sb.Append("<p class=\"muted\">No readings yet.</p>");
        else
        {
            sb.Append("<table id=\"sensors\"><tr><th>channel</th><th>name</th><th>value</th><th>unit</th><th>age</th><th>recent</th></tr>");
            foreach (MetricsStore.Series s in series)
                sb.Append("<tr><td>").Append(H(s.Channel)).Append("</td><td>").Append(H(s.Name)).Append("</td><td class=\"v\">")
                  .Append(H(s.Value.ToString("R", CultureInfo.InvariantCulture))).Append("</td><td>").Append(H(s.Unit))
                  .Append("</td><td>").Append(Age(s.Time, now)).Append("</td><td>").Append(Chart(s.Recent)).Append("</td></tr>");
            sb.Append("</table>");
        }

        sb.Append("<h2>Channels</h2><table id=\"channels\"><tr><th>channel</th><th>role</th><th>series</th><th>values received</th></tr>");
        foreach (var (channel, role) in channels)
        {
            int count = 0;
            long updates = 0;
            foreach (MetricsStore.Series s in series)
                if (s.Channel == channel) { count++; updates += s.Updates; }
            sb.Append("<tr><td>").Append(H(channel)).Append("</td><td>").Append(H(role)).Append("</td><td class=\"v\">").Append(count)
              .Append("</td><td class=\"v\">").Append(updates).Append("</td></tr>");
        }
        sb.Append("</table>");

        sb.Append("<h2>Counters</h2><table id=\"counters\"><tr><th>metric</th><th>value</th></tr>");
        foreach (MetricsStore.Metric m in metrics)
            sb.Append("<tr><td>").Append(H(m.Name)).Append(m.Labels.Length > 0 ? "<span class=\"muted\">{" + H(m.Labels) + "}</span>" : "")
              .Append("</td><td class=\"v\">").Append(H(m.Value.ToString("R", CultureInfo.InvariantCulture))).Append("</td></tr>");
        sb.Append("</table></body></html>\n");
        return sb.ToString();
    }
}
