using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Librecast.Senml;
using Xunit;
using Librecast.Tests.Support;

namespace Librecast.Tests;

/// <summary>
/// The portable SenML writer: its output is valid JSON and valid SenML (checked with
/// System.Text.Json, not our own reader), values round-trip to the decimals asked for, a record
/// that does not fit leaves the pack unchanged, and a pack allocates nothing.
/// </summary>
public class SenmlWriterTests
{
    private static string Write(Action<SenmlWriter> body, int capacity = 512)
    {
        var buffer = new byte[capacity + 8];
        var w = new SenmlWriter(buffer, 8, capacity);
        body(w);
        int n = w.End();
        Assert.Equal(n, w.Length);
        return Encoding.UTF8.GetString(buffer, 8, n);
    }

    [Fact]
    public void Writes_The_Demo_Shape_Exactly()
    {
        string json = Write(w =>
        {
            w.Begin("urn:dev:lc:site1:node1:", 1795589518968);
            Assert.True(w.Add("temperature", "Cel", 21.53, 2));
            Assert.True(w.Add("humidity", "%RH", 41.2, 1));
            Assert.True(w.Add("pressure", "Pa", 101325, 0));
        });
        Assert.Equal(
            "[{\"bn\":\"urn:dev:lc:site1:node1:\",\"bt\":1795589518.968,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53}," +
            "{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":41.2},{\"n\":\"pressure\",\"u\":\"Pa\",\"v\":101325}]", json);
    }

    [Theory]
    [InlineData(0.0, 2, "0")]
    [InlineData(-0.001, 2, "0")]
    [InlineData(-0.005, 2, "-0.01")]
    [InlineData(0.05, 2, "0.05")]
    [InlineData(21.50, 2, "21.5")]
    [InlineData(-40.25, 2, "-40.25")]
    [InlineData(1.999, 2, "2")]
    [InlineData(123456.789, 0, "123457")]
    [InlineData(0.000000001, 9, "0.000000001")]
    [InlineData(1e16, 2, "100000000000000e2")]
    [InlineData(-2.5e20, 0, "-250000000000000e6")]
    public void Numbers_Are_Formatted_By_Our_Own_Code(double value, int decimals, string expected)
    {
        string json = Write(w =>
        {
            w.Begin(null!);
            Assert.True(w.Add("x", null!, value, decimals));
        });
        Assert.Equal("[{\"n\":\"x\",\"v\":" + expected + "}]", json);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1000L, "1")]
    [InlineData(1500L, "1.5")]
    [InlineData(1795589518001L, "1795589518.001")]
    [InlineData(-1500L, "-1.5")]
    public void Base_Time_Is_Seconds_With_Millisecond_Decimals(long millis, string expected)
    {
        string json = Write(w => w.Begin("b", millis));
        Assert.Equal("[{\"bn\":\"b\",\"bt\":" + expected + "}]", json);
    }

    [Fact]
    public void Names_And_Units_Are_Json_Escaped_And_Utf8()
    {
        string name = "q\"uo\\te\n\t\u0001é€\U0001F600";
        string json = Write(w =>
        {
            w.Begin("urn:\"odd\":");
            Assert.True(w.Add(name, "°C", 1, 0));
            Assert.True(w.Add("lone\uD800", null!, 2, 0));
        });
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal("urn:\"odd\":", doc.RootElement[0].GetProperty("bn").GetString());
        Assert.Equal(name, doc.RootElement[0].GetProperty("n").GetString());
        Assert.Equal("°C", doc.RootElement[0].GetProperty("u").GetString());
        Assert.Equal("lone\uFFFD", doc.RootElement[1].GetProperty("n").GetString());
    }

    [Fact]
    public void Random_Packs_Are_Valid_SenML_And_Values_Round_Trip_To_Their_Decimals()
    {
        var random = new Random(5);
        var buffer = new byte[4096];
        var w = new SenmlWriter(buffer, 0, buffer.Length);
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            long bt = random.NextInt64(0, 4_000_000_000_000);
            int records = random.Next(0, 8);
            var values = new double[records];
            var decimals = new int[records];
            w.Begin("urn:dev:lc:s:n" + iteration + ":", bt);
            for (int i = 0; i < records; i++)
            {
                decimals[i] = random.Next(0, SenmlWriter.MaxDecimals + 1);
                double magnitude = Math.Pow(10, random.Next(-3, 8));
                values[i] = (random.NextDouble() * 2 - 1) * magnitude;
                Assert.True(w.Add("m" + i, i % 2 == 0 ? "Cel" : null!, values[i], decimals[i]));
            }
            int n = w.End();

            using JsonDocument doc = JsonDocument.Parse(buffer.AsMemory(0, n));
            JsonElement pack = doc.RootElement;
            Assert.Equal(JsonValueKind.Array, pack.ValueKind);
            Assert.Equal(Math.Max(records, 1), pack.GetArrayLength());
            Assert.Equal("urn:dev:lc:s:n" + iteration + ":", pack[0].GetProperty("bn").GetString());
            Assert.Equal(bt / 1000.0, pack[0].GetProperty("bt").GetDouble(), 1e-6);
            for (int i = 0; i < records; i++)
            {
                JsonElement r = pack[i];
                Assert.Equal("m" + i, r.GetProperty("n").GetString());
                Assert.Equal(i % 2 == 0, r.TryGetProperty("u", out _));
                double v = r.GetProperty("v").GetDouble();
                // Rounded to the decimals asked for: within half a unit of the last place (plus
                // what a double can hold of the value at all).
                double tolerance = 0.5 * Math.Pow(10, -decimals[i]) + Math.Abs(values[i]) * 1e-15;
                Assert.True(Math.Abs(v - values[i]) <= tolerance,
                    string.Create(CultureInfo.InvariantCulture, $"{values[i]:R} to {decimals[i]} decimals came back as {v:R}"));
                int fraction = r.GetProperty("v").GetRawText().IndexOf('.');
                Assert.True(fraction < 0 || r.GetProperty("v").GetRawText().Length - fraction - 1 <= decimals[i]);
            }
        }
    }

    [Fact]
    public void A_Record_That_Does_Not_Fit_Returns_False_And_Leaves_The_Pack_Unchanged()
    {
        // Room for the base record and exactly one measurement.
        string one = "[{\"bn\":\"b\",\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53}]";
        var buffer = new byte[one.Length];
        var w = new SenmlWriter(buffer, 0, buffer.Length);
        w.Begin("b");
        Assert.True(w.Add("temperature", "Cel", 21.53, 2));
        int before = w.Length;
        Assert.False(w.Add("humidity", "%RH", 41.2, 1));
        Assert.False(w.Add("h", null!, 1, 0));
        Assert.Equal(before, w.Length);
        Assert.Equal(1, w.RecordCount);
        Assert.Equal(one.Length, w.End());
        Assert.Equal(one, Encoding.UTF8.GetString(buffer));

        // One byte less and even the first measurement does not fit; the empty pack still closes.
        var small = new SenmlWriter(new byte[one.Length - 1], 0, one.Length - 1);
        small.Begin("b");
        Assert.False(small.Add("temperature", "Cel", 21.53, 2));
        Assert.Equal("[{\"bn\":\"b\"}]", Encoding.UTF8.GetString(small.Buffer, 0, small.End()));
    }

    [Fact]
    public void A_Buffer_Too_Small_For_The_Base_Record_Is_An_Error_That_Says_So()
    {
        var w = new SenmlWriter(new byte[10], 0, 10);
        var e = Assert.Throws<ArgumentException>(() => w.Begin("urn:dev:lc:site1:node1:", 0));
        Assert.Contains("10 bytes", e.Message);
    }

    [Fact]
    public void Misuse_Throws_Specific_Exceptions()
    {
        var w = new SenmlWriter(new byte[64], 0, 64);
        Assert.Throws<InvalidOperationException>(() => w.Add("x", null!, 1, 0));
        w.Begin("b");
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Add("x", null!, 1, 10));
        Assert.Contains("'x'", Assert.Throws<ArgumentException>(() => w.Add("x", null!, double.NaN, 0)).Message);
        Assert.Throws<ArgumentException>(() => w.Add("x", null!, double.PositiveInfinity, 0));
        w.End();
        Assert.Throws<InvalidOperationException>(() => w.End());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SenmlWriter(new byte[4], 2, 3));
    }

    [Fact]
    public void A_Pack_Allocates_Nothing_After_Warm_Up()
    {
        var buffer = new byte[256];
        var w = new SenmlWriter(buffer, 0, buffer.Length);
        const string bn = "urn:dev:lc:site1:node1:";
        void Pack(int i)
        {
            w.Begin(bn, 1795589518968 + i);
            w.Add("temperature", "Cel", 21.53 + i * 0.01, 2);
            w.Add("humidity", "%RH", 41.2, 1);
            w.Add("pressure", "Pa", 101325 + i, 0);
            w.End();
        }
        for (int i = 0; i < 100; i++) Pack(i);
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 10_000; i++) Pack(i);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
