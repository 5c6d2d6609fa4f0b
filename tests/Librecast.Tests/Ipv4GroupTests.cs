using System;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Our IPv4 mapping of channels (docs/ipv4-mapping.md): 239.x.y.z from the last three bytes of
/// librecast's IPv6 group, and the Linux transport speaking it over the veth pair.
/// </summary>
public class Ipv4GroupTests
{
    [Fact]
    public void Bench_Maps_To_The_Last_Three_Bytes_Of_Its_Librecast_Group()
    {
        // WIRE.md: bench -> ff1e:d84e:4290:e72b:1a14:3f02:507:7be4 (checked against librecast).
        byte[] g = Ipv4Group.FromName("bench");
        Assert.Equal("239.7.123.228", Ipv4Group.Format(g, 0));
        Assert.Equal("::ffff:239.7.123.228", GroupAddress.Format(g, 0));
        Assert.True(Ipv4Group.IsMapped(g, 0));
        Assert.True(Ipv4Group.IsMulticast(g, 0));
        Assert.False(GroupAddress.IsMulticast(g, 0));
    }

    [Fact]
    public void Every_Name_Maps_Into_239_And_Agrees_With_Its_IPv6_Group()
    {
        var random = new Random(4);
        var ipv4 = new byte[16];
        for (int i = 0; i < 5000; i++)
        {
            var name = new byte[random.Next(0, 64)];
            random.NextBytes(name);
            byte[] ipv6 = new byte[16];
            GroupAddress.FromName(name, 0, name.Length, 0, ipv6, 0);
            Ipv4Group.FromName(name, 0, name.Length, 0, ipv4, 0);
            Assert.True(Ipv4Group.IsMulticast(ipv4, 0));
            Assert.Equal(Ipv4Group.Prefix, ipv4[12]);
            Assert.Equal(ipv6[13], ipv4[13]);
            Assert.Equal(ipv6[15], ipv4[15]);
            if ((ipv6[13] & 0x7f) != 0 || ipv6[14] != 0) Assert.Equal(ipv6[14], ipv4[14]);
        }
    }

    [Theory]
    [InlineData(0x00, 0x00, 0x05, "239.0.1.5")]
    [InlineData(0x80, 0x00, 0xfb, "239.128.1.251")]
    [InlineData(0x00, 0x01, 0x05, "239.0.1.5")]
    [InlineData(0x01, 0x00, 0x05, "239.1.0.5")]
    public void Groups_Whose_Mac_Aliases_224_0_0_Are_Moved(byte x, byte y, byte z, string expected)
    {
        var ipv6 = new byte[16];
        ipv6[0] = 0xff;
        ipv6[1] = 0x1e;
        ipv6[13] = x;
        ipv6[14] = y;
        ipv6[15] = z;
        var ipv4 = new byte[20];
        Ipv4Group.FromIpv6Group(ipv6, 0, ipv4, 4);
        Assert.Equal(expected, Ipv4Group.Format(ipv4, 4));
        // In place, as Ipv4Group.FromName uses it.
        Ipv4Group.FromIpv6Group(ipv6, 0, ipv6, 0);
        Assert.Equal(expected, Ipv4Group.Format(ipv6, 0));
    }

    [Fact]
    public void Mapped_Checks_Reject_Other_Addresses()
    {
        Assert.False(Ipv4Group.IsMapped(GroupAddress.FromName("bench"), 0));
        Assert.False(Ipv4Group.IsMapped(new byte[15], 0));
        Assert.False(Ipv4Group.IsMapped(null!, 0));
        byte[] unicast = IPAddress.Parse("10.1.2.3").MapToIPv6().GetAddressBytes();
        Assert.True(Ipv4Group.IsMapped(unicast, 0));
        Assert.False(Ipv4Group.IsMulticast(unicast, 0));
        Assert.Throws<ArgumentException>(() => Ipv4Group.Format(GroupAddress.FromName("bench"), 0));
    }

    [Fact]
    public void Context_Creates_Ipv4_Channels_And_Accepts_Mapped_Groups()
    {
        using var ctx = new Context(new MemoryPlatform());
        Channel c = ctx.CreateIpv4Channel("site1/node1/telemetry");
        Assert.Equal("site1/node1/telemetry", c.Name);
        Assert.Equal(GroupAddress.Format(Ipv4Group.FromName("site1/node1/telemetry"), 0), c.Address);
        Assert.StartsWith("::ffff:239.", c.Address);
        Assert.Equal(4242, c.Port);

        byte[] group = Ipv4Group.FromName("x");
        Assert.Equal(GroupAddress.Format(group, 0), ctx.CreateChannelForGroup(group, 0, 4242).Address);
        byte[] unicast = IPAddress.Parse("10.1.2.3").MapToIPv6().GetAddressBytes();
        Assert.Throws<ArgumentException>(() => ctx.CreateChannelForGroup(unicast, 0, 4242));
    }
}

/// <summary>IPv4-mapped channels over the veth pair: lc0 sends with IPv4 (IGMP groups), lc1 hears it.</summary>
[Collection(NetworkCollection.Name)]
public class Ipv4NetworkTests
{
    /// <summary>Requires the namespace and IPv4 addresses on both veth ends; returns lc0's (the source of what it sends).</summary>
    private static IPAddress RequireIpv4()
    {
        Netns.Require();
        IPAddress? send = null;
        foreach (string name in new[] { Netns.SendIf, Netns.RecvIf })
        {
            NetworkInterface ni = NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == name);
            IPAddress? v4 = ni.GetIPProperties().UnicastAddresses
                .Select(a => a.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            Assert.True(v4 != null, $"{name} has no IPv4 address: IPv4 multicast needs a source address (tools/netns adds one to each veth end)");
            if (name == Netns.SendIf) send = v4;
        }
        return send!;
    }

    [Fact]
    public void Ipv4_Channels_Sent_On_Lc0_Are_Received_On_Lc1()
    {
        // 16 groups: the Linux reuseport pitfall the transport works around lost about half of
        // them (docs/ipv4-mapping.md), so every one must arrive.
        IPAddress source = RequireIpv4();
        const int channels = 16;
        string prefix = "ipv4/" + Guid.NewGuid().ToString("N") + "/";
        using var rx = new Context(SocketsPlatform.Instance);
        Socket rs = rx.CreateSocket();
        rs.Bind(Interfaces.Resolve(Netns.RecvIf));
        var rcs = new Channel[channels];
        for (int k = 0; k < channels; k++)
        {
            rcs[k] = rx.CreateIpv4Channel(prefix + k);
            rs.Bind(rcs[k]);
            rcs[k].Join();
        }

        using var tx = new Context(SocketsPlatform.Instance);
        Socket ts = tx.CreateSocket();
        ts.Bind(Interfaces.Resolve(Netns.SendIf));
        for (int k = 0; k < channels; k++)
        {
            Channel tc = tx.CreateIpv4Channel(prefix + k);
            ts.Bind(tc);
            byte[] payload = Encoding.UTF8.GetBytes("over-ipv4 " + k);
            for (int i = 0; i < 2; i++) tc.SendMessage(payload, 0, payload.Length);
        }

        var m = new Message(2048);
        var next = new ulong[channels];
        for (int n = 0; n < 2 * channels; n++)
        {
            Assert.True(rs.ReceiveMessage(m, 5000) == ReceiveResult.Ok,
                $"only {n} of {2 * channels} messages arrived; per channel: {string.Join(",", next)}");
            int k = Array.IndexOf(rcs, m.Channel);
            Assert.True(k >= 0, "a message for no channel of ours");
            Assert.Equal("over-ipv4 " + k, Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            Assert.Equal(++next[k], m.Header.Sequence);
            Assert.True(m.Info.HasDestination);
            Assert.Equal(rcs[k].Address, GroupAddress.Format(m.Info.Destination, 0));
            // From lc0's IPv4 address, as ::ffff:a.b.c.d.
            Assert.Equal("::ffff:" + source, GroupAddress.Format(m.Info.Source, 0));
        }
        Assert.Equal(0, rx.Counters.Malformed);
    }

    [Fact]
    public void Ipv4_Channel_Is_Plain_Ipv4_Multicast_On_The_Wire()
    {
        IPAddress source = RequireIpv4();
        string name = "ipv4/plain/" + Guid.NewGuid().ToString("N");
        byte[] group = Ipv4Group.FromName(name);
        var v4group = IPAddress.Parse(Ipv4Group.Format(group, 0));

        // An IPv4-only socket (AF_INET) that joins 239.x.y.z on lc1 with IGMP.
        using var plain = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        plain.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        plain.Bind(new IPEndPoint(IPAddress.Any, GroupAddress.DefaultPort));
        plain.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership,
            new MulticastOption(v4group, Interfaces.Resolve(Netns.RecvIf)));
        plain.ReceiveTimeout = 5000;

        using var tx = new Context(SocketsPlatform.Instance);
        Socket ts = tx.CreateSocket();
        ts.Bind(Interfaces.Resolve(Netns.SendIf));
        Channel tc = tx.CreateIpv4Channel(name);
        ts.Bind(tc);
        tc.Send(Encoding.UTF8.GetBytes("raw-v4"), 0, 6);

        var buffer = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = plain.ReceiveFrom(buffer, ref from);
        Assert.Equal("raw-v4", Encoding.UTF8.GetString(buffer, 0, n));
        Assert.Equal(source, ((IPEndPoint)from).Address);
        Assert.Equal(GroupAddress.DefaultPort, ((IPEndPoint)from).Port);
    }

    [Fact]
    public void Ipv4_And_Ipv6_Forms_Of_A_Channel_Do_Not_Hear_Each_Other()
    {
        RequireIpv4();
        string name = "ipv4/apart/" + Guid.NewGuid().ToString("N");
        using var rx = new Context(SocketsPlatform.Instance);
        Socket rs = rx.CreateSocket();
        rs.Bind(Interfaces.Resolve(Netns.RecvIf));
        Channel v4 = rx.CreateIpv4Channel(name);
        rs.Bind(v4);
        v4.Join();

        using var tx = new Context(SocketsPlatform.Instance);
        Socket ts = tx.CreateSocket();
        ts.Bind(Interfaces.Resolve(Netns.SendIf));
        Channel v6 = tx.CreateChannel(name);
        Channel v4tx = tx.CreateIpv4Channel(name);
        ts.Bind(v6);
        ts.Bind(v4tx);
        v6.Send(Encoding.UTF8.GetBytes("six"), 0, 3);
        v4tx.Send(Encoding.UTF8.GetBytes("four"), 0, 4);

        var m = new Message(2048);
        Assert.Equal(ReceiveResult.Ok, rs.Receive(m, 5000));
        Assert.Equal("four", Encoding.UTF8.GetString(m.Buffer, 0, m.Length));
        Assert.Equal(ReceiveResult.Timeout, rs.Receive(m, 300));
    }
}
