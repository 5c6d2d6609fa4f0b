using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using Librecast.Tests.Support;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Issue 22 point 1, the configurable SNTP server: librecast.conf's <c>sntp SERVER</c> line, and
/// the host twin asking that server (a real chronyd in the test namespace) when it starts with an
/// unset clock; on the device nanoFramework's own client is pointed at it (Device/SntpServers.cs;
/// tests/nano/boards shows the image finding the API by name).
/// </summary>
[Collection(NetworkCollection.Name)]
public class FirmwareSntpTests
{
    private static string SensorNodeDll => Path.Combine(AppContext.BaseDirectory, "sensornode.dll");

    private static NodeSettings Apply(string text)
    {
        var settings = new NodeSettings();
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        NodeConfig.Apply(bytes, bytes.Length, settings);
        return settings;
    }

    [Theory]
    [InlineData("sntp 10.77.0.1\n", "10.77.0.1")]
    [InlineData("sntp ntp.site.lan # the gateway's host\n", "ntp.site.lan")]
    [InlineData("sntp fd77::1\n", "fd77::1")]
    [InlineData("site s\nsntp pool-1.example\nnode n\n", "pool-1.example")]
    public void The_Sntp_Line_Names_The_Server(string text, string server)
    {
        Assert.Equal(server, Apply(text).SntpServer);
    }

    [Fact]
    public void Without_An_Sntp_Line_The_Firmwares_Default_Servers_Stay()
    {
        Assert.Null(Apply("site s\nnode n\n").SntpServer);
    }

    [Theory]
    [InlineData("sntp\n", "'sntp' needs a value")]
    [InlineData("sntp a_b.lan\n", "sntp must be a host name or IP address")]
    [InlineData("sntp -x\n", "sntp must be a host name or IP address")]
    [InlineData("sntp .lan\n", "sntp must be a host name or IP address")]
    [InlineData("sntp a b\n", "'sntp' takes one value")]
    [InlineData("sntp ntp/site\n", "sntp must be a host name or IP address")]
    public void A_Bad_Sntp_Line_Refuses_The_Whole_File(string text, string why)
    {
        var settings = new NodeSettings();
        byte[] bytes = Encoding.ASCII.GetBytes("site s\nkey " + new string('a', 64) + "\n" + text);
        var e = Assert.Throws<ArgumentException>(() => NodeConfig.Apply(bytes, bytes.Length, settings));
        Assert.Contains("line 3", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Null(settings.Key); // nothing applied
        Assert.Null(settings.SntpServer);
    }

    [Fact]
    public void A_Server_Name_Longer_Than_A_Dns_Name_Is_Refused()
    {
        Assert.True(NodeConfig.IsServerName(new string('a', NodeSettings.MaxSntpServerLength)));
        Assert.False(NodeConfig.IsServerName(new string('a', NodeSettings.MaxSntpServerLength + 1)));
        Assert.Throws<ArgumentException>(() => Apply("sntp " + new string('a', NodeSettings.MaxSntpServerLength + 1) + "\n"));
    }

    // chronyd (Debian's chrony) as the site's NTP server on 127.0.0.1:123 of the test namespace:
    // its own clock (this host's), served at stratum 8 with no upstream, as on a LAN without Internet.
    private static DaemonProcess Chronyd(string dir)
    {
        string conf = Path.Combine(dir, "chrony.conf");
        File.WriteAllText(conf,
            "bindaddress 127.0.0.1\nport 123\nallow 127.0.0.1\nlocal stratum 8\ncmdport 0\n" +
            $"pidfile {Path.Combine(dir, "chronyd.pid")}\n");
        return new DaemonProcess("chronyd", $"-x -d -u root -f {conf}");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Twin_With_Unset_Clock_Takes_The_Time_From_Its_Sntp_Server()
    {
        Netns.Require();
        Assert.True(File.Exists("/usr/sbin/chronyd"), "chronyd not installed (tools/setup installs chrony)");
        string dir = Directory.CreateTempSubdirectory("sntp").FullName;
        string site = "sntp" + Guid.NewGuid().ToString("N")[..10];
        string conf = Path.Combine(dir, "node.conf");
        File.WriteAllText(conf, $"site {site}\nnode n1\nsntp 127.0.0.1\n");
        using DaemonProcess chrony = Chronyd(dir);
        var (ctx, s, _) = Endpoints.Open(Netns.RecvIf, $"{site}/n1/telemetry", join: true);
        using var _ctx = ctx;
        using var twin = new PeerProcess("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {conf} --interval 1 --clock unset --seed 9");
        var m = new Message(2048);
        bool timed = false;
        var until = DateTime.UtcNow.AddSeconds(40); // chronyd may take a few seconds to serve; the twin asks every 15 s
        while (!timed && DateTime.UtcNow < until)
        {
            if (s.ReceiveMessage(m, 2_000) != ReceiveResult.Ok) continue;
            using JsonDocument pack = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            if (!pack.RootElement[0].TryGetProperty("bt", out JsonElement bt)) continue;
            double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            Assert.InRange(bt.GetDouble(), now - 5, now + 1); // chronyd's (this host's) time
            Assert.InRange(m.Header.Timestamp / 1e9, now - 5, now + 1);
            timed = true;
        }
        Assert.True(timed, "no timed reading within 40 s of start with chronyd on 127.0.0.1; twin stderr: " + twin.Stderr + "\nchronyd: " + chrony.Stderr);
        Assert.Contains("sntp: 127.0.0.1 answered", twin.Stderr);
        Assert.Contains("the node's time is set from it", twin.Stderr);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Twin_Whose_Sntp_Server_Never_Answers_Publishes_Without_A_Base_Time_And_Says_So()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("sntp").FullName;
        string site = "sntp" + Guid.NewGuid().ToString("N")[..10];
        string conf = Path.Combine(dir, "node.conf");
        File.WriteAllText(conf, $"site {site}\nnode n1\nsntp 127.0.0.1\n"); // nothing listens on port 123
        var (ctx, s, _) = Endpoints.Open(Netns.RecvIf, $"{site}/n1/telemetry", join: true);
        using var _ctx = ctx;
        var started = DateTime.UtcNow;
        using var twin = new PeerProcess("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {conf} --interval 1 --clock unset --seed 9");
        var m = new Message(2048);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(s.ReceiveMessage(m, 10_000) == ReceiveResult.Ok, "no reading; twin stderr: " + twin.Stderr);
            using JsonDocument pack = JsonDocument.Parse(Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            Assert.False(pack.RootElement[0].TryGetProperty("bt", out _), "a reading with a bt, and no time source answered");
        }
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0, 15);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!twin.Stderr.Contains("sntp: no answer from 127.0.0.1") && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.Contains("sntp: no answer from 127.0.0.1", twin.Stderr);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Twin_On_The_Hosts_Clock_Does_Not_Ask_And_Says_Why()
    {
        Netns.Require();
        string dir = Directory.CreateTempSubdirectory("sntp").FullName;
        string conf = Path.Combine(dir, "node.conf");
        File.WriteAllText(conf, "site s\nnode n1\nsntp 127.0.0.1\n");
        var (code, _, err) = CPeer.Run("dotnet", $"{SensorNodeDll} --interface {Netns.SendIf} --config {conf} --interval 1 --count 1", null, 30_000);
        Assert.True(code == 0, err);
        Assert.Contains("sntp: server 127.0.0.1 not asked: --clock host keeps the host's clock", err);
    }
}
