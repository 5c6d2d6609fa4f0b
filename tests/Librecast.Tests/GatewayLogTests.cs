using System.IO;
using System.Text.Json;
using Librecast.Gateway;
using Librecast.Gateway.Config;
using Xunit;

namespace Librecast.Tests;

/// <summary>lcgw's structured logs: logfmt quoting and one JSON object per line.</summary>
public class GatewayLogTests
{
    [Fact]
    public void Text_Format_Is_Logfmt_With_Quoting()
    {
        var w = new StringWriter();
        new Log(w, LogFormat.Text, LogLevel.Info).Warn("sensor unavailable", ("sensor", "a b"), ("n", 3), ("q", "say \"hi\"\n"), ("none", null));
        string line = w.ToString().TrimEnd('\n');
        Assert.Matches("^ts=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=warn msg=\"sensor unavailable\" sensor=\"a b\" n=3 q=\"say \\\\\"hi\\\\\"\\\\n\" none=\"\"$", line);
    }

    [Fact]
    public void Json_Format_Is_One_Object_Per_Line_With_Typed_Fields()
    {
        var w = new StringWriter();
        var log = new Log(w, LogFormat.Json, LogLevel.Info);
        log.Info("lcgw started", ("channels", 2), ("ratio", 0.5), ("up", true), ("text", "x\ny"));
        log.Debug("not written");
        string[] lines = w.ToString().TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        using JsonDocument doc = JsonDocument.Parse(lines[0]);
        JsonElement e = doc.RootElement;
        Assert.Equal("info", e.GetProperty("level").GetString());
        Assert.Equal("lcgw started", e.GetProperty("msg").GetString());
        Assert.Equal(2, e.GetProperty("channels").GetInt32());
        Assert.Equal(0.5, e.GetProperty("ratio").GetDouble());
        Assert.True(e.GetProperty("up").GetBoolean());
        Assert.Equal("x\ny", e.GetProperty("text").GetString());
    }
}
