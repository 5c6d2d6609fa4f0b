using System;
using System.Text;
using Librecast.Gateway.Senml;
using Xunit;

namespace Librecast.Tests;

/// <summary>lcgw's SenML reader (RFC 8428 JSON): base fields, value kinds, rejections, fuzz.</summary>
public class GatewaySenmlTests
{
    private const double Now = 1_800_000_000;
    private const string JsonChars = "[]{}\",:0123456789-.e\\ntfu_";

    private static SenmlDecoder Decoder() => new(maxRecords: 16, now: () => Now);

    private static bool Decode(SenmlDecoder d, string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        return d.TryDecode(bytes, 0, bytes.Length);
    }

    [Fact]
    public void A_First_Record_Of_Base_Fields_Only_Applies_To_The_Records_After_It_As_In_Rfc8428()
    {
        // The shape of RFC 8428's multiple-measurement example with its base fields in a record of their own.
        var d = Decoder();
        Assert.True(Decode(d, "[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"bt\":1.276020076001e+09,\"bu\":\"A\",\"bver\":5}," +
                              "{\"n\":\"voltage\",\"u\":\"V\",\"v\":120.1},{\"n\":\"current\",\"t\":-5,\"v\":1.2},{\"n\":\"current\",\"t\":-4,\"v\":1.3}]"), d.LastErrorDetail);
        Assert.Equal(3, d.Count);
        Assert.Equal("urn:dev:ow:10e2073a01080063:voltage", d.Records[0].Name);
        Assert.Equal("V", d.Records[0].Unit);
        Assert.Equal(1.276020076001e+09, d.Records[0].Time);
        Assert.Equal("urn:dev:ow:10e2073a01080063:current", d.Records[1].Name);
        Assert.Equal("A", d.Records[1].Unit);
        Assert.Equal(1.2, d.Records[1].Number);
        Assert.Equal(1.276020076001e+09 - 5, d.Records[1].Time);

        // KPN-style: the device in a base record, readings after it.
        Assert.True(Decode(d, "[{\"bn\":\"urn:dev:IMEI:352656100123456:\",\"bt\":1700000000},{\"n\":\"temperature\",\"u\":\"Cel\",\"v\":20.5},{\"n\":\"battery\",\"u\":\"%EL\",\"v\":93}]"), d.LastErrorDetail);
        Assert.Equal(2, d.Count);
        Assert.Equal("urn:dev:IMEI:352656100123456:battery", d.Records[1].Name);
        Assert.Equal(1700000000, d.Records[1].Time);

        // A record that names something but has no value is still wrong.
        Assert.False(Decode(d, "[{\"bn\":\"a:\"},{\"n\":\"x\"}]"));
        Assert.Equal(SenmlError.Value, d.LastError);
    }

    [Fact]
    public void The_Base_Only_Pack_Our_Own_SenmlWriter_Emits_When_Nothing_Fits_Is_Accepted_With_No_Records()
    {
        byte[] buffer = new byte[64];
        var w = new Librecast.Senml.SenmlWriter(buffer, 0, buffer.Length);
        w.Begin("urn:dev:lc:site1:node1:", 1795589518968);
        Assert.False(w.Add("temperature", "Cel", 21.53, 2)); // does not fit
        int length = w.End();
        var d = Decoder();
        Assert.True(d.TryDecode(buffer, 0, length), Encoding.UTF8.GetString(buffer, 0, length) + ": " + d.LastErrorDetail);
        Assert.Equal(0, d.Count);
        Assert.Equal(SenmlError.None, d.LastError);
    }

    [Fact]
    public void Decodes_The_Node_Telemetry_Shape()
    {
        var d = Decoder();
        Assert.True(Decode(d, "[{\"bn\":\"urn:dev:lc:site1:node1:\",\"bt\":1795589518.968,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53}," +
                              "{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":41.2},{\"n\":\"pressure\",\"u\":\"Pa\",\"v\":101325}]"), d.LastErrorDetail);
        Assert.Equal(3, d.Count);
        SenmlRecord t = d.Records[0], h = d.Records[1], p = d.Records[2];
        Assert.Equal("urn:dev:lc:site1:node1:temperature", t.Name);
        Assert.Equal("temperature", t.ShortName);
        Assert.Equal("Cel", t.Unit);
        Assert.Equal(SenmlValueKind.Number, t.Kind);
        Assert.Equal(21.53, t.Number);
        Assert.Equal(1795589518.968, t.Time);
        Assert.Equal("urn:dev:lc:site1:node1:humidity", h.Name);
        Assert.Equal(1795589518.968, h.Time); // base time carries over
        Assert.Equal(41.2, h.Number);
        Assert.Equal(101325, p.Number);
        Assert.Equal(1, d.Accepted);
    }

    [Fact]
    public void Applies_Base_Fields_As_Rfc8428_Section_4_6_Resolves_Them()
    {
        // RFC 8428 section 5.1.4-like pack: base value, base unit, base sum, relative times.
        var d = Decoder();
        Assert.True(Decode(d, "[{\"bn\":\"urn:dev:ow:10e2073a01080063:\",\"bt\":1.320078429e+09,\"bu\":\"A\",\"bver\":5,\"bv\":10,\"bs\":100," +
                              "\"n\":\"current\",\"v\":1.2,\"s\":3}," +
                              "{\"n\":\"current\",\"t\":-1,\"v\":0.5,\"u\":\"mA\"}," +
                              "{\"bn\":\"other:\",\"bt\":0,\"n\":\"x\",\"t\":-5,\"vs\":\"hello\"}]"), d.LastErrorDetail);
        Assert.Equal(3, d.Count);
        Assert.Equal(11.2, d.Records[0].Number, 10);
        Assert.Equal("A", d.Records[0].Unit);
        Assert.True(d.Records[0].HasSum);
        Assert.Equal(103, d.Records[0].Sum);
        Assert.Equal(1320078429, d.Records[0].Time);
        Assert.Equal(10.5, d.Records[1].Number, 10);
        Assert.Equal("mA", d.Records[1].Unit);
        Assert.Equal(1320078428, d.Records[1].Time);
        Assert.Equal("other:x", d.Records[2].Name);
        Assert.Equal(SenmlValueKind.String, d.Records[2].Kind);
        Assert.Equal("hello", d.Records[2].Text);
        Assert.Equal("A", d.Records[2].Unit); // bu still applies
        Assert.Equal(Now - 5, d.Records[2].Time); // time < 2^28 is relative to now
    }

    [Fact]
    public void Reads_Bool_Data_And_Sum_Only_Records()
    {
        var d = Decoder();
        Assert.True(Decode(d, "[{\"n\":\"door\",\"vb\":true},{\"n\":\"blob\",\"vd\":\"aGVsbG8\"},{\"n\":\"energy\",\"u\":\"J\",\"s\":42.5},{\"n\":\"x\",\"vb\":false}]"), d.LastErrorDetail);
        Assert.Equal(4, d.Count);
        Assert.Equal(SenmlValueKind.Boolean, d.Records[0].Kind);
        Assert.True(d.Records[0].Boolean);
        Assert.Equal(SenmlValueKind.Data, d.Records[1].Kind);
        Assert.Equal("aGVsbG8", d.Records[1].Text);
        Assert.Equal(SenmlValueKind.None, d.Records[2].Kind);
        Assert.Equal(42.5, d.Records[2].Sum);
        Assert.False(d.Records[3].Boolean);
        Assert.Equal(Now, d.Records[0].Time); // no time at all: now
    }

    [Fact]
    public void Ignores_Unknown_Fields_And_Accepts_Escaped_Labels()
    {
        var d = Decoder();
        Assert.True(Decode(d, "[{\"n\":\"a\",\"v\":1,\"extra\":{\"nested\":[1,2]},\"ut\":5,\"\\u0075\":\"Cel\"}]"), d.LastErrorDetail);
        Assert.Equal("Cel", d.Records[0].Unit);
    }

    [Theory]
    [InlineData("", SenmlError.NotJson)]
    [InlineData("[{\"n\":\"a\",\"v\":1}", SenmlError.NotJson)]
    [InlineData("[{\"n\":\"a\",\"v\":1}] x", SenmlError.NotJson)]
    [InlineData("[{\"n\":\"a\",\"v\":1},]", SenmlError.NotJson)]
    [InlineData("{\"n\":\"a\",\"v\":1}", SenmlError.NotPack)]
    [InlineData("[1]", SenmlError.NotPack)]
    [InlineData("[{\"n\":\"a\",\"v\":\"1\"}]", SenmlError.FieldType)]
    [InlineData("[{\"n\":5,\"v\":1}]", SenmlError.FieldType)]
    [InlineData("[{\"n\":\"a\",\"vb\":1}]", SenmlError.FieldType)]
    [InlineData("[{\"n\":\"a\",\"vd\":\"not base64!\"}]", SenmlError.FieldType)]
    [InlineData("[{\"n\":\"a\",\"v\":1,\"new_\":1}]", SenmlError.MustUnderstand)]
    [InlineData("[{\"bver\":11,\"n\":\"a\",\"v\":1}]", SenmlError.Version)]
    [InlineData("[{\"n\":\"-a\",\"v\":1}]", SenmlError.Name)]
    [InlineData("[{\"n\":\"a b\",\"v\":1}]", SenmlError.Name)]
    [InlineData("[{\"v\":1}]", SenmlError.Name)]
    [InlineData("[{\"n\":\"a+\",\"v\":1}]", SenmlError.Name)]
    [InlineData("[{\"n\":\"a\"}]", SenmlError.Value)]
    [InlineData("[{\"n\":\"a\",\"v\":1,\"vs\":\"x\"}]", SenmlError.Value)]
    [InlineData("[{\"n\":\"a\",\"v\":1e999}]", SenmlError.Number)]
    [InlineData("[{\"bv\":1.7e308,\"n\":\"a\",\"v\":1.7e308}]", SenmlError.Number)]
    public void Rejects_Bad_Packs_With_A_Counted_Reason(string json, SenmlError reason)
    {
        var d = Decoder();
        Assert.False(Decode(d, json));
        Assert.Equal(reason, d.LastError);
        Assert.Equal(1, d.Rejected(reason));
        Assert.Equal(0, d.Count);
        Assert.Equal(0, d.Accepted);
    }

    [Fact]
    public void Rejects_Invalid_Utf8_And_Oversized_Packs()
    {
        var d = Decoder();
        byte[] bad = Encoding.UTF8.GetBytes("[{\"n\":\"a\",\"v\":1,\"vs\":\"xx\"}]");
        bad[Array.IndexOf(bad, (byte)'x')] = 0xFF;
        Assert.False(d.TryDecode(bad, 0, bad.Length));
        Assert.Equal(SenmlError.NotJson, d.LastError);

        var many = new StringBuilder("[");
        for (int i = 0; i < 17; i++) many.Append(i == 0 ? "" : ",").Append("{\"n\":\"a\",\"v\":1}");
        Assert.False(Decode(d, many.Append(']').ToString()));
        Assert.Equal(SenmlError.TooLarge, d.LastError);
    }

    [Fact]
    public void Fuzz_Mutated_And_Random_Input_Never_Throws_And_Every_Pack_Is_Counted()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("LIBRECAST_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 50_000;
        var random = new Random(6);
        var d = Decoder();
        string[] seeds =
        [
            "[{\"bn\":\"urn:dev:lc:site1:node1:\",\"bt\":1795589518.968,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":41.2}]",
            "[{\"bn\":\"a:\",\"bu\":\"A\",\"bv\":1,\"bs\":2,\"n\":\"b\",\"t\":-1,\"s\":3,\"vb\":true},{\"n\":\"c\",\"vd\":\"aGk\",\"x\":[{\"y\":null}]}]",
            "[{\"n\":\"s\",\"vs\":\"\\u00e9\\\"\\n\",\"ut\":1}]",
        ];
        byte[] buffer = new byte[512];
        int accepted = 0, rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            int length;
            if (i % 10 == 9)
            {
                length = random.Next(buffer.Length);
                random.NextBytes(buffer.AsSpan(0, length));
            }
            else
            {
                byte[] seed = Encoding.UTF8.GetBytes(seeds[random.Next(seeds.Length)]);
                length = Math.Min(seed.Length, buffer.Length);
                seed.AsSpan(0, length).CopyTo(buffer);
                int mutations = 1 + random.Next(4);
                for (int m = 0; m < mutations; m++)
                {
                    int at = random.Next(Math.Max(1, length));
                    switch (random.Next(5))
                    {
                        case 0: buffer[at] ^= (byte)(1 << random.Next(8)); break;
                        case 1: buffer[at] = (byte)random.Next(256); break;
                        case 2: buffer[at] = (byte)JsonChars[random.Next(JsonChars.Length)]; break;
                        case 3: length = at; break; // truncate
                        case 4: if (length < buffer.Length) buffer[length++] = (byte)random.Next(256); break;
                    }
                }
            }
            bool ok = d.TryDecode(buffer, 0, length); // must not throw
            if (ok) accepted++;
            else
            {
                rejected++;
                Assert.NotEqual(SenmlError.None, d.LastError);
            }
        }
        int counted = 0;
        foreach (SenmlError reason in Enum.GetValues<SenmlError>()) if (reason != SenmlError.None) counted += d.Rejected(reason);
        Assert.Equal(iterations, accepted + rejected);
        Assert.Equal(accepted, d.Accepted);
        Assert.Equal(rejected, counted);
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}: the fuzzer should hit both");
        TestContext.Current.SendDiagnosticMessage($"SenML fuzz: {iterations} inputs, {accepted} accepted, {rejected} rejected and counted, 0 exceptions");
    }
}
