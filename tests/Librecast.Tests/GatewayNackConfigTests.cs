using Librecast.Gateway.Config;
using Xunit;

namespace Librecast.Tests;

/// <summary>lcgw's NACK options: "option nack '1'" on subscribed channels, "option nack 'SECONDS'" on sensors, refused where the wire has none.</summary>
public class GatewayNackConfigTests
{
    [Fact]
    public void Subscribe_And_Sensor_Sections_Take_Nack()
    {
        GatewayConfig c = GatewayConfig.Parse("""
            config subscribe
            	list channel 'site/a'
            	list channel 'site/b'
            	option nack '1'
            config subscribe
            	list channel 'site/c'
            config sensor 'air'
            	option type bme280
            	option bus sim
            	option channel 'site/gw/telemetry'
            	option nack '30'
            	option nack_bytes '65536'
            	option nack_rate '20'
            config sensor 'light'
            	option type bh1750
            	option bus sim
            config jsonl
            """, "t.conf");
        Assert.Equal(new[] { "site/a", "site/b" }, c.GapRepair.Keys);
        Assert.Equal("t.conf:4", c.GapRepair["site/a"]);
        Assert.Equal(new NackLogConfig(30, 65536, 20), Assert.Single(c.NackLogs).Value);
        Assert.Equal("site/gw/telemetry", Assert.Single(c.NackLogs).Key);
    }

    [Fact]
    public void A_Sensor_On_The_Default_Channel_Logs_It_With_The_Defaults()
    {
        GatewayConfig c = GatewayConfig.Parse("config gateway\n option site s\n option node n\nconfig sensor\n option type sht3x\n option bus sim\n option nack 10\nconfig jsonl", "t.conf");
        Assert.Equal(new NackLogConfig(10, 262144, 200), c.NackLogs["s/n/telemetry"]);
    }

    [Theory]
    [InlineData("config gateway\n option wire 0.5\nconfig subscribe\n list channel a\n option nack 1\nconfig jsonl",
        "t.conf:5: option nack: channel 'a' speaks the librecast 0.5.1 wire, which has no NACK gap repair")]
    [InlineData("config subscribe\n list channel a\n option wire 0.5\n option nack 1\nconfig jsonl",
        "t.conf:4: option nack: channel 'a' speaks the librecast 0.5.1 wire")]
    [InlineData("config sensor\n option type bme280\n option bus sim\n option wire 0.5\n option nack 5\nconfig jsonl",
        "t.conf:5: option nack: channel 'site1/")]
    [InlineData("config subscribe\n list channel a\n option nack 2\nconfig jsonl", "t.conf:3: nack '2' is not a boolean")]
    [InlineData("config sensor\n option type bme280\n option bus sim\n option nack_rate 5\nconfig jsonl", "t.conf:4: nack_bytes and nack_rate size the NACK log: add \"option nack 'SECONDS'\"")]
    [InlineData("config sensor\n option type bme280\n option bus sim\n option nack 5\n option nack_bytes 100\nconfig jsonl", "t.conf:5: nack_bytes '100' is not a number from 4096")]
    [InlineData("config sensor\n option type bme280\n option bus sim\n option nack 90000\nconfig jsonl", "t.conf:4: nack '90000' is not a number from 0 to 86400")]
    [InlineData("config jsonl\nconfig metrics\n option nack 1", "t.conf:3: unknown option 'nack' in 'config metrics'")]
    public void Nack_Errors_Name_File_And_Line(string text, string expected)
    {
        ConfigException e = Assert.Throws<ConfigException>(() => GatewayConfig.Parse(text, "t.conf"));
        Assert.StartsWith(expected, e.Message);
    }
}
