using System;
using System.IO;
using System.Text;
using System.Text.Json;
using Librecast.Gateway;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;
using Librecast.Gateway.Senml;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's per-pack work on the receive thread (SenML decode, JSON lines, the metrics store):
/// nothing allocated per pack once the names have been seen, and the JSON lines byte for byte
/// what Utf8JsonWriter writes for them. Speed is measured by tools/bench/run (the lcgw part), not here.
/// </summary>
public class GatewayHotPathTests
{
    // The pack tools/bench/senmlgen.c sends (an ESP32 node's telemetry), node and values varied.
    private static int Pack(byte[] into, int node, long i)
    {
        string json = "[{\"bn\":\"urn:dev:lc:site1:node" + node + ":\",\"bt\":" + (1795589518 + i / 1000) + "." + (i % 1000).ToString("D3") +
                      ",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":" + (20 + (i % 500) / 100.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
                      "},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":" + (40 + (i % 100) / 10.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture) +
                      "},{\"n\":\"pressure\",\"u\":\"Pa\",\"v\":" + (101000 + i % 600) + "}]";
        return Encoding.UTF8.GetBytes(json, 0, json.Length, into, 0);
    }

    [Fact]
    public void Decoding_A_Pack_And_Writing_Its_Json_Lines_And_Metrics_Allocates_Nothing_Once_Its_Names_Are_Known()
    {
        const int Nodes = 20, Packs = 20_000;
        string dir = Directory.CreateTempSubdirectory("lcgw-hotpath-").FullName;
        try
        {
            var decoder = new SenmlDecoder();
            var log = new Log(TextWriter.Null, LogFormat.Text, LogLevel.Info);
            using var jsonl = new JsonLinesOutput(Path.Combine(dir, "readings.jsonl"), log);
            using var metrics = new MetricsStore();
            var channels = new string[Nodes];
            for (int n = 0; n < Nodes; n++) channels[n] = "site1/node" + (n + 1) + "/telemetry";
            // Every packet's bytes made beforehand: the loop below runs lcgw's work only.
            var packets = new byte[Packs][];
            var lengths = new int[Packs];
            var buffer = new byte[512];
            for (int i = 0; i < Packs; i++)
            {
                lengths[i] = Pack(buffer, i % Nodes + 1, i);
                packets[i] = buffer[..lengths[i]];
            }
            var o = new Observation { Source = "fe80::1" };
            void Run(int from, int to)
            {
                for (int i = from; i < to; i++)
                {
                    Assert.True(decoder.TryDecode(packets[i], 0, lengths[i]));
                    o.Channel = channels[i % Nodes];
                    o.Sequence = (ulong)i;
                    o.Records = decoder.Records;
                    o.Count = decoder.Count;
                    o.Payload = packets[i];
                    o.PayloadLength = lengths[i];
                    jsonl.WriteInBatch(o);
                    metrics.Write(o);
                    if (i % 64 == 63) jsonl.EndBatch(); // a receive batch
                }
                jsonl.EndBatch();
            }
            Run(0, 2 * Nodes); // the names seen once, the tables and buffers grown
            long before = ThreadAllocations.Baseline();
            Run(2 * Nodes, Packs);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{allocated} bytes allocated for {Packs - 2 * Nodes} packs ({(double)allocated / (Packs - 2 * Nodes):F1} B a pack)");
            Assert.Equal(0, jsonl.Dropped);
            Assert.Equal(Packs * 3, File.ReadAllLines(Path.Combine(dir, "readings.jsonl")).Length);
            Assert.True(metrics.TryGet("site1/node7/telemetry", "urn:dev:lc:site1:node7:pressure", "Pa", out double pa));
            Assert.InRange(pa, 101000, 101599);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Strings_Whose_Identities_Share_A_Bucket_Are_Escaped_Once()
    {
        // JsonLinesOutput keeps escaped strings in a table of 128 buckets of 4 by object identity;
        // nine channel strings of one bucket, written in turn, push each other out of it. What
        // was escaped once must still not be escaped (allocated) again.
        var same = SameBucket.Find(9, 128, System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode, k => "site1/node" + k + "/telemetry");
        string dir = Directory.CreateTempSubdirectory("lcgw-hotpath-").FullName;
        try
        {
            var decoder = new SenmlDecoder();
            using var jsonl = new JsonLinesOutput(Path.Combine(dir, "readings.jsonl"), new Log(TextWriter.Null, LogFormat.Text, LogLevel.Info));
            var packet = new byte[512];
            int length = Pack(packet, 1, 0);
            Assert.True(decoder.TryDecode(packet, 0, length));
            var o = new Observation { Source = "fe80::1", Records = decoder.Records, Count = decoder.Count, Payload = packet, PayloadLength = length };
            void Run(int turns)
            {
                for (int i = 0; i < turns; i++)
                {
                    o.Channel = same[i % same.Count];
                    o.Sequence = (ulong)i;
                    jsonl.WriteInBatch(o);
                    if (i % 64 == 63) jsonl.EndBatch();
                }
                jsonl.EndBatch();
            }
            Run(2 * 64); // every channel seen, the batch buffer grown to a whole batch
            long before = ThreadAllocations.Baseline();
            Run(100 * same.Count);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{allocated} bytes allocated writing packs on {same.Count} channels whose identities share a bucket");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // The line as JsonLinesOutput wrote it before it escaped strings and formatted times once:
    // the format the docs and the tests pin, written with Utf8JsonWriter's own string and number calls.
    private static string Reference(Observation o)
    {
        var sb = new StringBuilder();
        foreach (SenmlRecord r in o.Records[..o.Count])
        {
            using var ms = new MemoryStream();
            using (var json = new Utf8JsonWriter(ms, new JsonWriterOptions { SkipValidation = true }))
            {
                json.WriteStartObject();
                json.WriteNumber("time", Math.Round(r.Time, 6));
                json.WriteString("channel", o.Channel);
                json.WriteString("source", o.Source);
                json.WriteNumber("seq", o.Sequence);
                json.WriteString("name", r.Name);
                if (r.Unit != null) json.WriteString("unit", r.Unit);
                switch (r.Kind)
                {
                    case SenmlValueKind.Number: json.WriteNumber("value", r.Number); break;
                    case SenmlValueKind.String: json.WriteString("string", r.Text); break;
                    case SenmlValueKind.Boolean: json.WriteBoolean("bool", r.Boolean); break;
                    case SenmlValueKind.Data: json.WriteString("data", r.Text); break;
                }
                if (r.HasSum) json.WriteNumber("sum", r.Sum);
                json.WriteEndObject();
            }
            sb.Append(Encoding.UTF8.GetString(ms.ToArray())).Append('\n');
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData("s/n/telemetry", "fe80::1", "[{\"bn\":\"urn:dev:lc:s:n:\",\"bt\":1795589518.968,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":40.1}]")]
    [InlineData("we\"ird <chan>+'nel' \u00e9\u4e2d", "ff3e::1234", "[{\"bn\":\"a:\",\"bt\":1.5e9,\"n\":\"x\",\"vs\":\"a \\\"q\\\" \\u00e9 <b>&+\"},{\"n\":\"y\",\"t\":0.0000004,\"vb\":false},{\"n\":\"z\",\"vd\":\"aGk\",\"s\":1e300},{\"n\":\"w\",\"s\":-0.1}]")]
    [InlineData("c", "local", "[{\"n\":\"t\",\"bt\":1795589518.1234567,\"v\":-3e-7,\"u\":\"\\u0043el\"},{\"n\":\"t\",\"bt\":1795589518.1234567,\"v\":1e21}]")]
    public void Json_Lines_Written_In_A_Batch_Are_Byte_For_Byte_What_Utf8JsonWriter_Writes(string channel, string source, string pack)
    {
        string dir = Directory.CreateTempSubdirectory("lcgw-jsonl-").FullName;
        try
        {
            string path = Path.Combine(dir, "readings.jsonl");
            var decoder = new SenmlDecoder();
            byte[] bytes = Encoding.UTF8.GetBytes(pack);
            Assert.True(decoder.TryDecode(bytes, 0, bytes.Length), decoder.LastErrorDetail);
            var o = new Observation { Channel = channel, Source = source, Sequence = 18446744073709551615, Records = decoder.Records, Count = decoder.Count };
            string expected = Reference(o);
            using (var jsonl = new JsonLinesOutput(path, new Log(TextWriter.Null, LogFormat.Text, LogLevel.Info)))
            {
                jsonl.WriteInBatch(o); // twice in one batch (the second from the tables), then once alone
                jsonl.WriteInBatch(o);
                Assert.Equal("", File.ReadAllText(path)); // waits for the end of the batch
                jsonl.EndBatch();
                jsonl.Write(o);
            }
            Assert.Equal(expected + expected + expected, File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Names_Seen_Before_Come_Back_As_The_Same_Strings_And_An_Invalid_Name_Is_Rejected_Every_Time()
    {
        var decoder = new SenmlDecoder();
        byte[] a = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:lc:s:n:\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":1}]");
        Assert.True(decoder.TryDecode(a, 0, a.Length));
        string name = decoder.Records[0].Name, unit = decoder.Records[0].Unit!;
        Assert.True(decoder.TryDecode(a, 0, a.Length));
        Assert.Same(name, decoder.Records[0].Name);
        Assert.Same(unit, decoder.Records[0].Unit);
        Assert.Equal("urn:dev:lc:s:n:temperature", name);
        // The same name written with escapes is the same name.
        byte[] escaped = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:lc:s:n:\",\"n\":\"\\u0074emperature\",\"u\":\"Cel\",\"v\":1}]");
        Assert.True(decoder.TryDecode(escaped, 0, escaped.Length));
        Assert.Equal(name, decoder.Records[0].Name);
        // A base name and name that make an invalid name: rejected, and again the second time.
        byte[] bad = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:lc:s:n:\",\"n\":\"bad name\",\"v\":1}]");
        for (int i = 0; i < 2; i++)
        {
            Assert.False(decoder.TryDecode(bad, 0, bad.Length));
            Assert.Equal(SenmlError.Name, decoder.LastError);
        }
        // Invalid UTF-8 in a name after valid names were kept: still not JSON.
        byte[] invalid = Encoding.UTF8.GetBytes("[{\"bn\":\"urn:dev:lc:s:n:\",\"n\":\"tempXrature\",\"v\":1}]");
        invalid[Array.IndexOf(invalid, (byte)'X')] = 0xff;
        Assert.False(decoder.TryDecode(invalid, 0, invalid.Length));
        Assert.Equal(SenmlError.NotJson, decoder.LastError);
    }
}
