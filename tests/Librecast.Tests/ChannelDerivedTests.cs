using System;
using System.Collections.Generic;
using System.Text;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Derived channels against librecast 0.5.1 itself (tests/peers/lcside.c): lc_channel_sideband,
/// lc_channel_sidehash and lc_channel_copy give the same group and port for many names, bands and
/// keys; lc_channel_random gives distinct ff1e:: groups on the default port.
/// </summary>
public class ChannelDerivedTests
{
    private static string Where(Channel c) => c.Address + " " + c.Port;

    [Fact]
    public void Sideband_Sidehash_And_Copy_Match_Librecast()
    {
        var rnd = new Random(13);
        using var ctx = new Context(new NullPlatform()) { Wire = WireProfile.V0_5 };
        var requests = new StringBuilder();
        var expected = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            string name = "fleet/" + i + "/" + rnd.Next();
            Channel b = ctx.CreateChannel(name);
            ulong band = i switch { 0 => 0, 1 => 1, 2 => ulong.MaxValue, _ => (ulong)rnd.NextInt64() ^ ((ulong)rnd.Next() << 40) };
            requests.Append("sideband ").Append(name).Append(' ').Append(band).Append('\n');
            expected.Add(Where(b.Sideband(band)));
            var key = new byte[32];
            rnd.NextBytes(key);
            requests.Append("sidehash ").Append(name).Append(' ').Append(Convert.ToHexStringLower(key)).Append('\n');
            expected.Add(Where(b.Sidehash(key, 0)));
            requests.Append("copy ").Append(name).Append('\n');
            Channel copy = b.Copy();
            Assert.NotEqual(b.Id, copy.Id);
            Assert.Null(copy.Name);
            expected.Add(Where(copy));
        }
        var (code, stdout, err) = CPeer.Run(CPeer.Build("lcside"), "", requests.ToString(), 60_000);
        Assert.True(code == 0, err);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++) Assert.True(expected[i] == lines[i], $"request {i}: ours {expected[i]}, librecast {lines[i]}");
        // The measured example in WIRE.md.
        Assert.Equal("ff1e:d84e:4290:e72b:100::", ctx.CreateChannel("bench").Sideband(1).Address);
    }

    [Fact]
    public void Random_Channels_Are_Distinct_Librecast_Groups()
    {
        using var ctx = new Context(Librecast.Sockets.SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            Channel c = Channel.Random(ctx);
            Assert.StartsWith("ff1e:", c.Address);
            Assert.Equal(4242, c.Port);
            Assert.True(seen.Add(c.Address), "random channel repeated: " + c.Address);
        }
        var (code, stdout, _) = CPeer.Run(CPeer.Build("lcside"), "", "random\nrandom\n", 10_000);
        Assert.Equal(0, code);
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("ff1e:", line);
            Assert.EndsWith(" 4242", line);
        }
    }
}
