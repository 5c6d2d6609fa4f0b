using System;
using System.Net.NetworkInformation;
using System.Text;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The .NET platform's edges that static router images depend on: randomness from /dev/urandom
/// (not OpenSSL, which a static image cannot load; tests/aot checks that lc and lcgw load no
/// library at all), interfaces from /sys/class/net, the arrival interface of each datagram.
/// </summary>
[Collection(NetworkCollection.Name)]
public class SocketsPlatformTests
{
    [Fact]
    public void Random_Bytes_Come_From_The_Kernel_And_Differ_Each_Time()
    {
        var platform = SocketsPlatform.Instance;
        byte[] a = new byte[64], b = new byte[64];
        platform.FillRandom(a, 0, 32);
        platform.FillRandom(b, 0, 32);
        Assert.NotEqual(a, b);
        Assert.Equal(new byte[32], a[32..]); // only the range asked for is written
        platform.FillRandom(a, 40, 8);
        Assert.Equal(new byte[8], a[32..40]);
        Assert.NotEqual(0UL, BitConverter.ToUInt64(a, 40));
    }

    [Fact]
    public void Clock_Is_Librecast_Nanoseconds_Since_The_Epoch()
    {
        var platform = SocketsPlatform.Instance;
        ulong now = platform.NowNanoseconds();
        ulong expected = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL;
        Assert.InRange(now, expected - 5_000_000_000UL, expected + 5_000_000_000UL);
    }

    [Fact]
    public void Interfaces_Resolve_By_Name_And_Index_As_The_Kernel_Numbers_Them()
    {
        Netns.Require();
        int byName = Interfaces.Resolve(Netns.SendIf);
        int seen = 0;
        foreach (NetworkInterface ni in NetworkInterface.GetAllNetworkInterfaces())
            if (ni.Name == Netns.SendIf) { Assert.Equal(ni.GetIPProperties().GetIPv6Properties().Index, byName); seen++; }
        Assert.Equal(1, seen);
        Assert.Equal(byName, Interfaces.Resolve(byName.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(0, Interfaces.Resolve(null));
        foreach (string bad in new[] { "nosuch0", "../lc0", "99999" })
        {
            var e = Assert.Throws<LibrecastException>(() => Interfaces.Resolve(bad));
            Assert.Contains($"unknown interface '{bad}'", e.Message);
            Assert.Contains(Netns.RecvIf, e.Message); // lists what exists
        }
    }

    [Fact]
    public void Received_Datagrams_Say_Which_Interface_They_Arrived_On_Ipv6_And_Ipv4()
    {
        Netns.Require();
        int recvIf = Interfaces.Resolve(Netns.RecvIf);
        foreach (bool ipv4 in new[] { false, true })
        {
            string name = $"platform/ifindex/{ipv4}/{Guid.NewGuid():N}";
            using var rxCtx = new Context(SocketsPlatform.Instance);
            using var txCtx = new Context(SocketsPlatform.Instance);
            Socket rx = rxCtx.CreateSocket(), tx = txCtx.CreateSocket();
            rx.Bind(recvIf);
            tx.Bind(Interfaces.Resolve(Netns.SendIf));
            Channel rc = ipv4 ? rxCtx.CreateIpv4Channel(name) : rxCtx.CreateChannel(name);
            Channel tc = ipv4 ? txCtx.CreateIpv4Channel(name) : txCtx.CreateChannel(name);
            rx.Bind(rc);
            tx.Bind(tc);
            rc.Join();
            byte[] p = Encoding.UTF8.GetBytes("where");
            tc.SendMessage(p, 0, p.Length);
            var m = new Message(256);
            Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 5000));
            Assert.Equal(recvIf, m.Info.InterfaceIndex);
            // And through a listener (the batched reader and the receive ring).
            int seen = -1;
            using var got = new System.Threading.ManualResetEventSlim();
            rx.Listen(msg => { seen = msg.Info.InterfaceIndex; got.Set(); }, null, null, 256);
            tc.SendMessage(p, 0, p.Length);
            Assert.True(got.Wait(5000, TestContext.Current.CancellationToken), "nothing arrived at the listener");
            rx.ListenCancel();
            Assert.Equal(recvIf, seen);
        }
    }
}
