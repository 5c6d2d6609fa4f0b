using System;
using System.IO;
using System.Linq;
using Librecast.Gateway.Config;
using Librecast.Files;
using Librecast.Sensors;
using Xunit;

namespace Librecast.Tests;

/// <summary>lcgw's configuration file: UCI syntax, the shipped example, and errors a user can act on.</summary>
public class GatewayConfigTests
{
    private static string RepoFile(string relative)
    {
        string dir = System.AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "LibrecastIoT.sln"))) dir = Path.GetDirectoryName(dir)!;
        return Path.Combine(dir, relative);
    }

    [Fact]
    public void Shipped_Example_Is_Valid()
    {
        GatewayConfig c = GatewayConfig.Load(RepoFile("tools/image/lcgw.conf"));
        Assert.Equal("eth0", c.Interface);
        Assert.Equal(new[] { "site1/node1/telemetry", "site1/node2/telemetry" }, c.Channels);
        Assert.Equal("-", c.JsonLinesPath);
        Assert.Equal("127.0.0.1:9464", c.MetricsEndpoint!.ToString());
        Assert.Null(c.Mqtt); // enabled '0'
        Assert.Empty(c.Sensors);
    }

    [Fact]
    public void OpenWrt_Uci_Example_Is_Valid()
    {
        GatewayConfig c = GatewayConfig.Load(RepoFile("tools/image/openwrt/lcgw.config"));
        Assert.Equal("br-lan", c.Interface);
        Assert.NotEmpty(c.Channels);
    }

    [Fact]
    public void Reads_Every_Section_And_Uci_Quoting()
    {
        GatewayConfig c = GatewayConfig.Parse("""
            package lcgw
            # comment
            config gateway 'main'
            	option interface lc1   # trailing comment
            	option site "s1"
            	option node 'pi-1'
            	option log_format json
            	option log_level debug
            config subscribe
            	list channel 'a/b/telemetry'
            	list channel "c/d/tele\"metry"
            	list channel 'e f/telemetry'
            	list channel 'a/b/telemetry'
            config mqtt
            	option host 10.0.0.1
            	option port 8883
            	option qos 1
            	option retain yes
            config sensor 'inside'
            	option type sht31
            	option bus sim
            	option address 0x45
            	option interval 2.5
            config sensor
            	option type bh1750
            config bridge
            	list ipv4 's1/esp/telemetry'
            	list command 's1/esp/command'
            """, "test.conf");
        Assert.Equal("lc1", c.Interface);
        Assert.Equal("s1", c.Site);
        Assert.Equal("pi-1", c.Node);
        Assert.Equal(LogFormat.Json, c.LogFormat);
        Assert.Equal(LogLevel.Debug, c.LogLevel);
        Assert.Equal(new[] { "a/b/telemetry", "c/d/tele\"metry", "e f/telemetry" }, c.Channels);
        Assert.Equal(new MqttConfig("10.0.0.1", 8883, "lcgw-pi-1", "librecast/", 1, true, null, null), c.Mqtt);
        Assert.Equal(2, c.Sensors.Count);
        Assert.Equal(new LocalSensorConfig("inside", new SensorSpec(SensorType.Sht3x, 1, 0x45), true, 2.5, "s1/pi-1/telemetry"), c.Sensors[0]);
        Assert.Equal(new SensorSpec(SensorType.Bh1750, 1, 0x23), c.Sensors[1].Spec);
        Assert.False(c.Sensors[1].Simulated);
        Assert.Equal(new[] { "s1/esp/telemetry" }, c.BridgeUp);
        Assert.Equal(new[] { "s1/esp/command" }, c.BridgeDown);
    }

    [Theory]
    [InlineData("config gateway\n\toption intreface lc1\nconfig subscribe\n list channel a\nconfig jsonl", "test.conf:2: unknown option 'intreface' in 'config gateway' (known: enabled, interface,")]
    [InlineData("option x y", "test.conf:1: 'option' before any 'config' line")]
    [InlineData("config subscribe\n list channel 'a\nconfig jsonl", "test.conf:2: unterminated ' quote")]
    [InlineData("config subscribe\n list channel a\nconfig jsonl\nconfig jsonl", "test.conf:4: a second 'config jsonl' section")]
    [InlineData("config subscribe\n list channel a\nconfig jsonl\nconfig metrics\n option listen localhost", "test.conf:5: listen 'localhost' is not ADDRESS:PORT")]
    [InlineData("config sensor\n option type dht22\nconfig jsonl", "test.conf:2: unknown sensor type 'dht22' (known: bme280, sht3x, bh1750)")]
    [InlineData("config sensor\n option type bme280\n option address 0x99\nconfig jsonl", "test.conf:3: address '0x99' is not a number from 3 to 119")]
    [InlineData("config sensor\n option type bme280\n option interval 0\nconfig jsonl", "test.conf:3: interval '0' is not a number from 0.1 to 86400")]
    [InlineData("config subscribe\n list channel a\nconfig mqtt\n option retain maybe", "test.conf:4: retain 'maybe' is not a boolean")]
    [InlineData("config subscribe\n list channel a\nconfig mqtt\n option topic_prefix 'x/#'", "test.conf:4: topic_prefix may not contain MQTT wildcards")]
    [InlineData("config gateway\n option site 'a/b'\nconfig subscribe\n list channel a\nconfig jsonl", "test.conf:2: site 'a/b' may hold only letters A-Z a-z, digits, '-', '.' and '_'")]
    [InlineData("config gateway\n option site a\n option site b", "test.conf:3: option site is set twice")]
    [InlineData("config gateway\n list site a", "test.conf:2: site is an option, not a list")]
    [InlineData("config routers", "test.conf:1: unknown section 'config routers'")]
    [InlineData("config gateway", "test.conf: nothing to do")]
    [InlineData("config subscribe\n list channel a", "test.conf: readings would go nowhere")]
    [InlineData("config gateway\n option interface 'eth0\u001b[2J'\nconfig subscribe\n list channel a\nconfig jsonl", "test.conf:2: option interface contains a control character")]
    [InlineData("config subscribe\n list channel 'a\tb'\nconfig jsonl", "test.conf:2: channel name contains a control character")]
    [InlineData("config gateway\n option key_file /k\n option max_age 5\nconfig subscribe\n list channel a\nconfig jsonl", "test.conf:3: max_age is part of replay detection")]
    [InlineData("config subscribe\n list channel a\nconfig metrics\n option listen '9464'", "test.conf:4: listen '9464' is not ADDRESS:PORT with a port from 1 to 65535")]
    [InlineData("config subscribe\n list channel a\nconfig metrics\n option listen '127.0.0.1'", "test.conf:4: listen '127.0.0.1' is not ADDRESS:PORT")]
    [InlineData("config subscribe\n list channel a\nconfig metrics\n option listen '127.0.0.1:0'", "test.conf:4: listen '127.0.0.1:0' is not ADDRESS:PORT")]
    [InlineData("config subscribe\n list channel a\nconfig metrics\n option listen '1.2:9464'", "test.conf:4: listen '1.2:9464' is not ADDRESS:PORT")]
    [InlineData("config subscribe\n list channel a\nconfig metrics\n option listen '127.08.0.1:9464'", "test.conf:4: listen '127.08.0.1:9464' is not ADDRESS:PORT")]
    [InlineData("config subscribe\n list channel a\nconfig metrics\n option listen '::1:9464'", "test.conf:4: listen '::1:9464' is not ADDRESS:PORT")]
    [InlineData("config sensor 'climate'\n option type bme280\n option bus sim\nconfig sensor 'climate'\n option type sht3x\n option bus sim\nconfig jsonl", "test.conf:4: a second 'config sensor' named 'climate'")]
    [InlineData("config subscribe\n list channel a\nconfig mqtt\n option ca_file /ca.pem", "test.conf:4: ca_file is for TLS")]
    [InlineData("config subscribe\n list channel a\nconfig mqtt\n option password x\n option password_file /p", "test.conf:5: set password or password_file, not both")]
    [InlineData("config share\n option channel c", "test.conf:1: 'config share' needs \"option directory\"")]
    [InlineData("config share\n option directory /srv", "test.conf:1: 'config share' needs \"option channel\"")]
    [InlineData("config share\n option directory /srv\n option channel c\n option symbol_size 1022", "test.conf:4: symbol_size '1022' is not a multiple of 4")]
    [InlineData("config share\n option directory /srv\n option channel c\n option symbol_size 8196", "test.conf:4: symbol_size '8196' is not a number from 4 to 8192")]
    [InlineData("config share\n option directory /srv\n option channel c\n option rate 0", "test.conf:4: rate '0' is not a number from 0.001 to 100000")]
    [InlineData("config share\n option directory /srv\n option channel c\n option max_bytes 3000000000", "test.conf:4: max_bytes '3000000000' is not a number from 1 to 2147483647")]
    [InlineData("config share\n option directory /srv\n option channel c\n option max_files 0", "test.conf:4: max_files '0' is not a number from 1 to 10000")]
    [InlineData("config share\n option directory /srv\n option channel c\n option rescan -1", "test.conf:4: rescan '-1' is not a number from 0 to 86400")]
    [InlineData("config share\n option directory /srv\n option channel c\n option dir /x", "test.conf:4: unknown option 'dir' in 'config share' (known: channel, directory, enabled, interface, key_file, max_bytes, max_files, rate, rescan, symbol_size, wire)")]
    [InlineData("config share\n option directory /srv\n option channel c\nconfig share\n option directory /b\n option channel d", "test.conf:4: a second 'config share' section")]
    [InlineData("config gateway\n option wire 0.7\nconfig subscribe\n list channel a\nconfig jsonl", "test.conf:2: wire '0.7' is not a librecast wire we speak (0.5, 0.9 or 0.11: librecast 0.5.1, 0.9.1, 0.11.2)")]
    [InlineData("config subscribe\n list channel a\n option wire 11\nconfig jsonl", "test.conf:3: wire '11' is not a librecast wire we speak")]
    [InlineData("config bridge\n list ipv4 a\n option wire '0.5 '", "test.conf:3: wire '0.5 ' is not a librecast wire we speak")]
    [InlineData("config subscribe\n option wire 0.5\n list channel a\nconfig bridge\n option wire 0.11\n list ipv4 a\nconfig jsonl", "test.conf:5: channel 'a' has wire 0.5 at test.conf:2 and 0.11 here")]
    [InlineData("config metrics\n option wire 0.5", "test.conf:2: unknown option 'wire' in 'config metrics'")]
    [InlineData("config migrate\n list channel a", "test.conf:1: 'config migrate' needs \"option from\" (the wire the nodes speak: 0.5, 0.9 or 0.11)")]
    [InlineData("config migrate\n option from 0.6\n list channel a", "test.conf:2: wire '0.6' is not a librecast wire we speak")]
    [InlineData("config migrate\n option from 0.5\n option to 11\n list channel a", "test.conf:3: wire '11' is not a librecast wire we speak")]
    [InlineData("config migrate\n option from 0.5", "test.conf:1: 'config migrate' needs \"list channel\" (what the nodes publish) or \"list command\"")]
    [InlineData("config migrate\n option from 0.5\n option to 0.5\n list channel a", "test.conf:3: 'config migrate' from wire 0.5 to wire 0.5: nothing to migrate")]
    [InlineData("config migrate\n option from 0.11\n list channel a", "test.conf:1: 'config migrate' from wire 0.11 to wire 0.11 (the gateway's wire: set \"option to\"): nothing to migrate")]
    [InlineData("config migrate\n option from 0.5\n list channel ''", "test.conf:3: empty channel name")]
    [InlineData("config migrate\n option from 0.5\n option wire 0.11\n list channel a", "test.conf:3: unknown option 'wire' in 'config migrate' (known: channel, command, enabled, from, to)")]
    [InlineData("config migrate\n option from 0.5\n list channel a\nconfig migrate\n option from 0.9\n list command a", "test.conf:6: channel 'a' is already migrated at test.conf:3: one 'config migrate' per channel")]
    [InlineData("config migrate\n option from 0.5\n list channel a\nconfig bridge\n list ipv4 a", "test.conf:3: channel 'a' is also in a 'config bridge': bridge it or migrate it, not both")]
    [InlineData("config bridge\n list command a\nconfig migrate\n option from 0.5\n list command a", "test.conf:5: channel 'a' is also in a 'config bridge'")]
    [InlineData("config subscribe\n option wire 0.9\n list channel a\nconfig jsonl\nconfig migrate\n option from 0.5\n list channel a", "test.conf:7: channel 'a' has wire 0.9 at test.conf:2 and 0.11 here")]
    public void Errors_Name_File_Line_And_Fix(string text, string expected)
    {
        ConfigException e = Assert.Throws<ConfigException>(() => GatewayConfig.Parse(text, "test.conf"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Wire_Is_Chosen_Globally_And_Per_Section()
    {
        GatewayConfig c = GatewayConfig.Parse("""
            config gateway
            	option wire '0.9'
            config subscribe
            	list channel 'new/telemetry'
            config subscribe
            	option wire '0.5'
            	list channel 'old/telemetry'
            config sensor
            	option type bme280
            	option channel 'here/telemetry'
            	option wire '0.11'
            config share
            	option directory /srv
            	option channel 'files'
            	option wire '0.5.1'
            config jsonl
            """, "test.conf");
        Assert.Same(WireProfile.V0_9, c.Wire);
        Assert.Same(WireProfile.V0_9, c.WireOf("new/telemetry"));
        Assert.Same(WireProfile.V0_5, c.WireOf("old/telemetry"));
        Assert.Same(WireProfile.V0_11, c.WireOf("here/telemetry"));
        Assert.Same(WireProfile.V0_5, c.Share!.Wire);
        Assert.Contains("wire=0.9", c.Describe());
        // Without any: 0.11, librecast 0.11.2's wire.
        GatewayConfig d = GatewayConfig.Parse("config subscribe\n list channel a\nconfig jsonl", "t");
        Assert.Same(WireProfile.V0_11, d.Wire);
        Assert.Same(WireProfile.V0_11, d.WireOf("a"));
    }

    [Fact]
    public void Migrate_Relays_A_Channel_From_The_Nodes_Wire_To_The_Gateways_And_Commands_Back()
    {
        // The gateway section may come after: "to" defaults to its wire.
        GatewayConfig c = GatewayConfig.Parse("""
            config migrate 'fleet'
            	option from '0.5'
            	list channel 'site1/old1/telemetry'
            	list channel 'site1/old2/telemetry'
            	list command 'site1/old1/command'
            config migrate
            	option from '0.11'
            	option to '0.9'
            	list channel 'lab/new/telemetry'
            config subscribe
            	list channel 'site1/old1/telemetry'
            config jsonl
            config gateway
            	option wire '0.11'
            """, "test.conf");
        Assert.Equal(
            [("site1/old1/telemetry", "0.5", "0.11", "test.conf:3"), ("site1/old2/telemetry", "0.5", "0.11", "test.conf:4"), ("lab/new/telemetry", "0.11", "0.9", "test.conf:9")],
            c.MigrateUp.Select(m => (m.Name, m.Old.Name, m.New.Name, m.Where)));
        Assert.Equal([("site1/old1/command", "0.5", "0.11")], c.MigrateDown.Select(m => (m.Name, m.Old.Name, m.New.Name)));
        Assert.True(c.IsMigrated("site1/old1/command"));
        Assert.False(c.IsMigrated("site1/other"));
        Assert.Same(WireProfile.V0_11, c.WireOf("site1/old1/telemetry")); // subscribed on the new wire
        Assert.Same(WireProfile.V0_9, c.WireOf("lab/new/telemetry"));
        Assert.Contains("migrate=3+1", c.Describe());
        // A migration alone is something to do.
        Assert.Single(GatewayConfig.Parse("config migrate\n option from 0.5\n list channel a", "t").MigrateUp);
    }

    [Fact]
    public void Share_Alone_Is_Something_To_Do_With_Lc_Shares_Defaults()
    {
        GatewayConfig c = GatewayConfig.Parse("config share\n option directory '/srv/images'\n option channel 'fleet/images'", "t");
        ShareConfig s = c.Share!;
        Assert.Equal(("/srv/images", "fleet/images", null, 20.0, null, 1024, 10.0, 64L << 20, 100),
                     (s.Directory, s.Channel, s.KeyFile, s.RateMbit, s.Interface, s.SymbolSize, s.RescanSeconds, s.MaxBytes, s.MaxFiles));
        Assert.Contains("share=/srv/images->fleet/images", c.Describe());
        s = GatewayConfig.Parse("config share\n option directory d\n option channel c\n option key_file /k\n option rate 2.5\n option interface lc0\n" +
                                " option symbol_size 1400\n option rescan 0\n option max_bytes 1000\n option max_files 3", "t").Share!;
        Assert.Equal(("/k", 2.5, "lc0", 1400, 0.0, 1000L, 3), (s.KeyFile, s.RateMbit, s.Interface, s.SymbolSize, s.RescanSeconds, s.MaxBytes, s.MaxFiles));
        Assert.Null(GatewayConfig.Parse("config share\n option enabled 0\nconfig subscribe\n list channel a\nconfig jsonl", "t").Share);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Share_Key_File_Is_Checked_At_Load()
    {
        string dir = Directory.CreateTempSubdirectory("lcgw-sharekey-").FullName;
        try
        {
            string key = Path.Combine(dir, "k");
            File.WriteAllBytes(key, new byte[32]);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            string conf = Path.Combine(dir, "c.conf");
            File.WriteAllText(conf, $"config share\n option directory {dir}\n option channel c\n option key_file {key}\n");
            ConfigException e = Assert.Throws<ConfigException>(() => GatewayConfig.Load(conf));
            Assert.StartsWith(conf + ": share key_file: ", e.Message);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(key, GatewayConfig.Load(conf).Share!.KeyFile);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Listen_Takes_Ipv4_And_Bracketed_Ipv6_With_A_Port()
    {
        Assert.Equal("127.0.0.1:9464", GatewayConfig.Parse("config subscribe\n list channel a\nconfig metrics\n option listen '127.0.0.1:9464'", "t").MetricsEndpoint!.ToString());
        Assert.Equal("[::1]:9464", GatewayConfig.Parse("config subscribe\n list channel a\nconfig metrics\n option listen '[::1]:9464'", "t").MetricsEndpoint!.ToString());
        Assert.Equal(TimeSpan.FromHours(1), GatewayConfig.Parse("config subscribe\n list channel a\nconfig metrics", "t").SeriesTtl);
    }

    [Fact]
    public void A_Credential_Needs_Credentials_Directory()
    {
        string? saved = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
        try
        {
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", null);
            var e = Assert.Throws<ConfigException>(() => GatewayConfig.Parse("config gateway\n option key_file 'credential:site.key'\nconfig subscribe\n list channel a\nconfig jsonl", "t"));
            Assert.StartsWith("t:2: key_file: 'credential:site.key' is a systemd credential, but $CREDENTIALS_DIRECTORY is not set", e.Message);
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", "/run/credentials/lcgw.service");
            Assert.Equal("/run/credentials/lcgw.service/site.key",
                GatewayConfig.Parse("config gateway\n option key_file 'credential:site.key'\nconfig subscribe\n list channel a\nconfig jsonl", "t").KeyFile);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", saved);
        }
    }

    [Fact]
    public void Disabled_Sections_Are_Skipped_Whatever_They_Hold()
    {
        GatewayConfig c = GatewayConfig.Parse("config subscribe\n list channel a\nconfig jsonl\nconfig mqtt\n option enabled 0\n option bogus 1", "t");
        Assert.Null(c.Mqtt);
    }

    [Fact]
    public void Missing_File_Is_A_Config_Error()
    {
        ConfigException e = Assert.Throws<ConfigException>(() => GatewayConfig.Load("/nonexistent/lcgw.conf"));
        Assert.Contains("cannot read config file /nonexistent/lcgw.conf", e.Message);
    }

    [Fact]
    public void A_Sensor_Section_With_An_Empty_Name_Gets_The_Default_Name()
    {
        GatewayConfig c = GatewayConfig.Parse("config sensor ''\n option type bme280\n option bus sim\nconfig jsonl", "test.conf");
        Assert.Equal("bme2801", c.Sensors[0].Name);
    }
}
