using System;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using Librecast.Gateway;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;
using Librecast.Gateway.Senml;
using Xunit;

namespace Librecast.Tests;

/// <summary>The Prometheus side of lcgw: exposition format, label escaping, the HTTP endpoint (TCP on 127.0.0.1 only).</summary>
public class GatewayMetricsTests
{
    // One sample line of the text exposition format 0.0.4: name{labels} value.
    private static readonly Regex SampleLine = new(
        "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? (NaN|[+-]Inf|-?[0-9.eE+-]+)$");

    internal static void AssertValidExposition(string text)
    {
        Assert.EndsWith("\n", text);
        string? declared = null;
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                declared = line.Split(' ')[2];
                Assert.Matches("^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)$", line);
                continue;
            }
            Assert.True(SampleLine.IsMatch(line), "not a valid sample line: " + line);
            string name = line.Split('{', ' ')[0];
            Assert.True(name == declared, $"sample {name} is not under its own # TYPE (last declared: {declared})");
        }
    }

    private static Observation Pack(SenmlDecoder decoder, string channel, string json)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(json);
        Assert.True(decoder.TryDecode(bytes, 0, bytes.Length), decoder.LastErrorDetail);
        return new Observation { Channel = channel, Source = "fe80::1", Records = decoder.Records, Count = decoder.Count, Payload = bytes, PayloadLength = bytes.Length };
    }

    [Fact]
    public void Keeps_The_Last_Value_Per_Series_And_Renders_Valid_Exposition_Text()
    {
        var store = new MetricsStore();
        var d = new SenmlDecoder();
        store.Write(Pack(d, "s/n/telemetry", "[{\"bn\":\"urn:dev:lc:s:n:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":20.5},{\"n\":\"door\",\"vb\":true},{\"n\":\"label\",\"vs\":\"x\"}]"));
        store.Write(Pack(d, "s/n/telemetry", "[{\"bn\":\"urn:dev:lc:s:n:\",\"bt\":1700000000,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.25}]"));
        store.Write(Pack(d, "we\"ird\\chan\nnel", "[{\"n\":\"x\",\"v\":-3e-7}]"));
        store.AddSource(() => [new MetricsStore.Metric("lc_test_total", "counter", "A test counter.", "", 7)]);

        Assert.True(store.TryGet("s/n/telemetry", "urn:dev:lc:s:n:temperature", "Cel", out double t));
        Assert.Equal(21.25, t);
        string text = store.Render();
        AssertValidExposition(text);
        Assert.Contains("lc_sensor_value{channel=\"s/n/telemetry\",name=\"urn:dev:lc:s:n:temperature\",unit=\"Cel\"} 21.25\n", text);
        Assert.Contains("lc_sensor_value{channel=\"s/n/telemetry\",name=\"urn:dev:lc:s:n:door\",unit=\"\"} 1\n", text);
        Assert.DoesNotContain("urn:dev:lc:s:n:label", text); // strings have no numeric value
        Assert.Contains("lc_sensor_time_seconds{channel=\"s/n/telemetry\",name=\"urn:dev:lc:s:n:temperature\",unit=\"Cel\"} 1700000000\n", text);
        Assert.Contains("lc_sensor_updates_total{channel=\"s/n/telemetry\",name=\"urn:dev:lc:s:n:temperature\",unit=\"Cel\"} 2\n", text);
        Assert.Contains("channel=\"we\\\"ird\\\\chan\\nnel\"", text);
        Assert.Contains("-3E-07", text);
        Assert.Contains("# TYPE lc_test_total counter\nlc_test_total 7\n", text);
    }

    [Fact]
    public void Rendered_Metrics_Pass_Promtool()
    {
        Assert.True(System.IO.File.Exists("/usr/bin/promtool"), "promtool not found: apt-get install -y prometheus (tools/setup does it)");
        var store = new MetricsStore();
        store.Write(Pack(new SenmlDecoder(), "s/n/telemetry", "[{\"bn\":\"urn:dev:lc:s:n:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":20.5}]"));
        store.AddSource(() => [new MetricsStore.Metric("lcgw_mqtt_dropped_total", "counter", "Dropped, by reason.", "reason=\"queue_full\"", 3),
                               new MetricsStore.Metric("lcgw_mqtt_dropped_total", "counter", "Dropped, by reason.", "reason=\"topic_too_long\"", 0)]);
        string text = store.Render();
        var (code, output, err) = Librecast.Tests.Support.CPeer.Run("/usr/bin/promtool", "check metrics", text, 30_000);
        Assert.True(code == 0, output + err);
    }

    [Fact]
    public void Every_Metric_Name_Is_Defined_Once_And_Passes_Promtool()
    {
        Assert.True(System.IO.File.Exists("/usr/bin/promtool"), "promtool not found: apt-get install -y prometheus (tools/setup does it)");
        var names = new System.Collections.Generic.HashSet<string>();
        var metrics = new System.Collections.Generic.List<MetricsStore.Metric>();
        string own = new MetricsStore().Render(); // the readings' and the store's own series
        foreach (string name in MetricNames.All())
        {
            Assert.True(names.Add(name), "metric name defined twice: " + name);
            Assert.Matches("^lc(gw)?_[a-z0-9_]+$", name);
            if (own.Contains("# TYPE " + name + " ", StringComparison.Ordinal)) continue;
            // promtool's lint wants counters, and only counters, to end in _total.
            metrics.Add(new MetricsStore.Metric(name, name.EndsWith("_total", StringComparison.Ordinal) ? "counter" : "gauge", "Help for " + name + ".", "", 1));
        }
        Assert.Contains("lc_transport_receive_errors_total", names);
        Assert.DoesNotContain("lcgw_receive_errors_total", names); // counted once, by the core
        var store = new MetricsStore();
        store.AddSource(() => metrics);
        string text = store.Render();
        AssertValidExposition(text);
        var (code, output, err) = Librecast.Tests.Support.CPeer.Run("/usr/bin/promtool", "check metrics", text, 30_000);
        Assert.True(code == 0, output + err);
    }

    [Fact]
    public void No_Metric_Name_Is_Spelled_Outside_MetricNames()
    {
        // A metric name written as a literal anywhere else in lcgw is how names drifted before.
        string root = Librecast.Tests.Support.Repo.Root;
        var literal = new Regex("\"[^\"\n]*\\blc(gw)?_(transport|nack|sensor|network|replay|senml|bridge|jsonl|mqtt|share|metrics|receive)[a-z_]*");
        var found = new System.Collections.Generic.List<string>();
        foreach (string file in System.IO.Directory.GetFiles(System.IO.Path.Combine(root, "src", "Librecast.Gateway"), "*.cs", System.IO.SearchOption.AllDirectories))
        {
            if (file.EndsWith("MetricNames.cs", StringComparison.Ordinal) || file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal)) continue;
            string[] lines = System.IO.File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;
                if (literal.IsMatch(code)) found.Add(System.IO.Path.GetRelativePath(root, file) + ":" + (i + 1) + ": " + code);
            }
        }
        Assert.True(found.Count == 0, "metric names outside MetricNames:\n" + string.Join("\n", found));
    }

    [Fact]
    public void Series_Are_Bounded()
    {
        var store = new MetricsStore { MaxSeries = 2 };
        var d = new SenmlDecoder();
        store.Write(Pack(d, "c", "[{\"n\":\"a\",\"v\":1},{\"n\":\"b\",\"v\":2},{\"n\":\"c\",\"v\":3}]"));
        Assert.Equal(1, store.Overflow);
        Assert.False(store.TryGet("c", "c", "", out _));
    }

    [Fact]
    public async System.Threading.Tasks.Task Http_Endpoint_Serves_Metrics_And_Refuses_The_Rest()
    {
        var store = new MetricsStore();
        store.Write(Pack(new SenmlDecoder(), "c", "[{\"n\":\"a\",\"u\":\"Cel\",\"v\":1.5}]"));
        var log = new Log(System.IO.TextWriter.Null, LogFormat.Text, LogLevel.Error);
        using var server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), store, log);
        using var http = new HttpClient { BaseAddress = new Uri("http://" + server.Endpoint + "/"), Timeout = TimeSpan.FromSeconds(10) };

        HttpResponseMessage ok = await http.GetAsync("metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", ok.Content.Headers.ContentType!.ToString());
        string body = await ok.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        AssertValidExposition(body);
        Assert.Contains("lc_sensor_value{channel=\"c\",name=\"a\",unit=\"Cel\"} 1.5\n", body);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("metrics?x=1", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync("metrics", new StringContent("x"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(2, server.Scrapes);

        // Garbage and a silent client do not stop the server.
        using (var raw = new System.Net.Sockets.TcpClient())
        {
            raw.Connect(server.Endpoint);
            raw.GetStream().Write("NONSENSE\r\n\r\n"u8);
            var reply = new byte[64];
            int n = raw.GetStream().Read(reply);
            Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(reply, 0, n));
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("metrics", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_Slow_Client_Never_Blocks_Another_And_Is_Cut_Off_At_Its_Deadline()
    {
        var store = new MetricsStore();
        var log = new Log(System.IO.TextWriter.Null, LogFormat.Text, LogLevel.Error);
        using var server = new MetricsServer(new IPEndPoint(IPAddress.Loopback, 0), store, log) { RequestDeadline = TimeSpan.FromSeconds(3) };
        // Three clients that send a byte every 1.5 s: each per-read timeout would be met.
        var slow = new System.Collections.Generic.List<System.Net.Sockets.TcpClient>();
        using var stopSlow = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var dribblers = new System.Collections.Generic.List<System.Threading.Tasks.Task>();
        for (int i = 0; i < 3; i++)
        {
            var c = new System.Net.Sockets.TcpClient();
            c.Connect(server.Endpoint);
            slow.Add(c);
            dribblers.Add(System.Threading.Tasks.Task.Run(async () =>
            {
                try
                {
                    foreach (byte b in "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray())
                    {
                        await c.GetStream().WriteAsync(new[] { b }, stopSlow.Token);
                        await System.Threading.Tasks.Task.Delay(1500, stopSlow.Token);
                    }
                }
                catch (Exception e) when (e is System.IO.IOException or OperationCanceledException or ObjectDisposedException) { }
            }, TestContext.Current.CancellationToken));
        }
        await System.Threading.Tasks.Task.Delay(200, TestContext.Current.CancellationToken);
        // Meanwhile scrapes, several at once, all answered.
        using var http = new HttpClient { BaseAddress = new Uri("http://" + server.Endpoint + "/"), Timeout = TimeSpan.FromSeconds(2) };
        var scrapes = new System.Threading.Tasks.Task<HttpResponseMessage>[8];
        for (int i = 0; i < scrapes.Length; i++) scrapes[i] = http.GetAsync("metrics", TestContext.Current.CancellationToken);
        foreach (var t in scrapes) Assert.Equal(HttpStatusCode.OK, (await t).StatusCode);
        Assert.Equal(8, server.Scrapes);
        // The slow ones are cut off at their deadline, not served for ever.
        for (int i = 0; i < 60 && server.Timeouts < 3; i++) await System.Threading.Tasks.Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(3, server.Timeouts);
        stopSlow.Cancel();
        foreach (var c in slow) c.Dispose();
        await System.Threading.Tasks.Task.WhenAll(dribblers);
    }

    [Fact]
    public void Series_Not_Updated_Within_The_Ttl_Expire()
    {
        long now = 0;
        var store = new MetricsStore { SeriesTtl = TimeSpan.FromSeconds(60), Clock = () => now };
        var d = new SenmlDecoder();
        store.Write(Pack(d, "c", "[{\"n\":\"old\",\"v\":1}]"));
        now = 50_000;
        store.Write(Pack(d, "c", "[{\"n\":\"fresh\",\"v\":2}]"));
        now = 70_000;
        string text = store.Render();
        Assert.DoesNotContain("name=\"old\"", text);
        Assert.Contains("lc_sensor_value{channel=\"c\",name=\"fresh\",unit=\"\"} 2\n", text);
        Assert.Contains("lcgw_metrics_series_expired_total 1\n", text);
        AssertValidExposition(text);
    }
}
