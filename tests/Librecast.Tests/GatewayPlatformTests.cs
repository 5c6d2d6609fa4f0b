using System;
using Librecast.Gateway;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's platform: sockets and clock as SocketsPlatform, randomness from /dev/urandom (not
/// OpenSSL, which the static image cannot load; tests/aot checks it loads no library at all).
/// </summary>
public class GatewayPlatformTests
{
    [Fact]
    public void Random_Bytes_Come_From_The_Kernel_And_Differ_Each_Time()
    {
        using var platform = new GatewayPlatform();
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
        using var platform = new GatewayPlatform();
        ulong now = platform.NowNanoseconds();
        ulong expected = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL;
        Assert.InRange(now, expected - 5_000_000_000UL, expected + 5_000_000_000UL);
    }
}
