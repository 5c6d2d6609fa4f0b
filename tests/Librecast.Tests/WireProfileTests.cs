using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Channel vectors under each wire profile against the real library of that release, compiled in
/// the run: 0.5 against the system's librecast 0.5.1, 0.9 against 0.9.1 (Debian 13) and 0.11
/// against 0.11.2 (Debian sid), both from the prefixes tests/peers/fetch-librecast fills. Names
/// (lc_channel_nnew and lc_channel_new), sideband, sidehash (any key length on 0.9+, e.g. "NACK"),
/// and channels made from an address (lc_channel_init), their sidehash and port 0.
/// </summary>
public class WireProfileTests
{
    public static TheoryData<string> Profiles => new() { "0.5", "0.9", "0.11" };

    private static WireProfile P(string name) => WireProfile.Parse(name)!;

    private static string Where(Channel c) => c.Address + " " + c.Port;

    private static string[] Run(string peer, WireProfile wire, string args, string input)
    {
        var (code, stdout, err) = CPeer.Run(CPeer.Build(peer, wire), args, input, 120_000);
        Assert.True(code == 0, $"{peer} {args} against {CPeer.Library(wire)} failed: {err}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    // Empty, ASCII, BMP and non-BMP UTF-8, control characters, NULs (nnew only), and names past 1 KiB.
    private static byte[][] Names()
    {
        string[] text =
        {
            "", "a", "bench", "bench ", "Bench", "site1/node1/telemetry", "site1/node1/cmd", "Grüße aus Köln", "频道",
            "канал", "🛰️ telemetry", "𝄞𐍈😀", "tab\tand\nnewline", new string('x', 1000), new string('y', 1024),
            new string('z', 1025), new string('é', 1500), new string('l', 10_000),
        };
        var names = text.Select(Encoding.UTF8.GetBytes).ToList();
        names.Add(new byte[] { 0 });
        names.Add(new byte[] { (byte)'a', 0, (byte)'b' });
        names.Add(new byte[] { 0, 0, 0, 0 });
        names.Add(new byte[] { 0xff, 0xfe, 0x80 }); // not UTF-8: nnew hashes bytes
        var rnd = new Random(20);
        for (int i = 0; i < 500; i++)
        {
            var b = new byte[rnd.Next(0, i < 20 ? 3000 : 64)];
            rnd.NextBytes(b);
            names.Add(b);
        }
        return names.ToArray();
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Names_Hash_To_The_Groups_Of_That_Librecast_Release(string profile)
    {
        WireProfile wire = P(profile);
        byte[][] names = Names();
        using var ctx = new Context(new NullPlatform()) { Wire = wire };
        string input = string.Concat(names.Select(n => Convert.ToHexString(n) + "\n"));

        string[] nnew = Run("lcpeer", wire, "addr", input);
        Assert.Equal(names.Length, nnew.Length);
        for (int i = 0; i < names.Length; i++)
        {
            string ours = Where(ctx.CreateChannel(names[i], 0, names[i].Length));
            Assert.True(ours == nnew[i], $"profile {profile}, name {i} ({Convert.ToHexString(names[i].Take(16).ToArray())}…, {names[i].Length} bytes): ours {ours}, {CPeer.Library(wire)} {nnew[i]}");
        }

        // lc_channel_new takes a C string: a name stops at its first NUL, as CreateChannel(string) does.
        string[] texts = names.Take(22).Select(n => Encoding.UTF8.GetString(n)).ToArray();
        string[] cnew = Run("lcpeer", wire, "addr --new", string.Concat(texts.Select(t => Convert.ToHexString(Encoding.UTF8.GetBytes(t)) + "\n")));
        for (int i = 0; i < texts.Length; i++)
            Assert.True(Where(ctx.CreateChannel(texts[i])) == cnew[i], $"profile {profile}, lc_channel_new name {i}: ours {Where(ctx.CreateChannel(texts[i]))}, librecast {cnew[i]}");
    }

    [Fact]
    public void Bench_Is_Where_Each_Release_Puts_It()
    {
        // The addresses measured from the libraries (shared/WIRE.md, shared/WIRE-0.11.md); the
        // theory above checks the same names against the libraries in this run.
        Assert.Equal("ff1e:d84e:4290:e72b:1a14:3f02:507:7be4", GroupAddress.Format(GroupAddress.FromName("bench", WireProfile.V0_5), 0));
        Assert.Equal("ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5", GroupAddress.Format(GroupAddress.FromName("bench", WireProfile.V0_9), 0));
        Assert.Equal("ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5", GroupAddress.Format(GroupAddress.FromName("bench", WireProfile.V0_11), 0));
        Assert.Equal("ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5", GroupAddress.Format(GroupAddress.FromName("bench"), 0)); // the default wire
        using var ctx = new Context(new NullPlatform());
        Assert.Same(WireProfile.V0_11, ctx.Wire);
        Assert.Equal("ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5", ctx.CreateChannel("bench").Address);
        Assert.Equal("ff1e:ef2e:a410:88f8:50b:afde:ca3a:756c", ctx.CreateChannel("bench").Sidehash(Encoding.ASCII.GetBytes("NACK"), 0, 4).Address);
        Assert.Equal("ff1e:374b:f98b:3b8f:100::", ctx.CreateChannel("bench").Sideband(1).Address);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Sideband_Sidehash_And_Copy_Match_That_Librecast_Release(string profile)
    {
        WireProfile wire = P(profile);
        var rnd = new Random(21);
        using var ctx = new Context(new NullPlatform()) { Wire = wire };
        var requests = new StringBuilder();
        var expected = new List<string>();
        byte[][] names = Names().Where(n => n.Length < 2000).Take(120).ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            string hex = names[i].Length == 0 ? "-" : Convert.ToHexString(names[i]);
            Channel b = ctx.CreateChannel(names[i], 0, names[i].Length);
            ulong band = i switch { 0 => 0, 1 => 1, 2 => ulong.MaxValue, _ => (ulong)rnd.NextInt64() };
            requests.Append("xsideband ").Append(hex).Append(' ').Append(band).Append('\n');
            expected.Add(Where(b.Sideband(band)));
            // 0.5.1 reads 32 key bytes whatever keylen says; 0.9+ hashes keylen bytes, "NACK" included.
            byte[] key = wire.PlainNameHash
                ? (i % 3 == 0 ? Encoding.ASCII.GetBytes("NACK") : new byte[rnd.Next(0, 100)])
                : new byte[32];
            if (key.Length != 4) rnd.NextBytes(key);
            requests.Append("xsidehash ").Append(hex).Append(' ').Append(key.Length == 0 ? "-" : Convert.ToHexString(key)).Append('\n');
            expected.Add(Where(b.Sidehash(key, 0, key.Length)));
            requests.Append("xcopy ").Append(hex).Append('\n');
            expected.Add(Where(b.Copy()));
        }
        string[] lines = Run("lcside", wire, "", requests.ToString());
        Assert.Equal(expected.Count, lines.Length);
        string[] asked = requests.ToString().Split('\n');
        for (int i = 0; i < lines.Length; i++)
            Assert.True(expected[i] == lines[i], $"profile {profile}, request {i} ({asked[i][..Math.Min(80, asked[i].Length)]}): ours {expected[i]}, {CPeer.Library(wire)} {lines[i]}");
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_Sideband_Of_A_Base_Never_Resolved_Is_The_Base_Group_On_0_9_Plus(string profile)
    {
        // A librecast fact our Sideband does not copy (it always applies the band, as a resolved
        // base does): 0.9+ fills a channel's address lazily, so lc_channel_sideband(lc_channel_new(..), n)
        // before any bind or send is the base group itself. A C program doing that sends on the base.
        WireProfile wire = P(profile);
        using var ctx = new Context(new NullPlatform()) { Wire = wire };
        Channel bench = ctx.CreateChannel("bench");
        string[] lines = Run("lcside", wire, "", "rawsideband bench 1\nsideband bench 1\n");
        Assert.Equal(Where(bench.Sideband(1)), lines[1]);
        Assert.Equal(wire.PlainNameHash ? Where(bench) : Where(bench.Sideband(1)), lines[0]);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Channels_From_An_Address_Match_Lc_Channel_Init(string profile)
    {
        WireProfile wire = P(profile);
        using var ctx = new Context(new NullPlatform()) { Wire = wire };
        var rnd = new Random(22);
        var requests = new StringBuilder();
        var expected = new List<string>();
        var groups = new List<string> { "ff1e::aa", "ff1e:d84e:4290:e72b:1a14:3f02:507:7be4", "ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5", "ff02::1:2", "ff05::1" };
        for (int i = 0; i < 40; i++)
        {
            var g = new byte[16];
            rnd.NextBytes(g);
            g[0] = 0xff;
            groups.Add(new System.Net.IPAddress(g).ToString());
        }
        foreach (string group in groups)
        {
            byte[] addr = System.Net.IPAddress.Parse(group).GetAddressBytes();
            foreach (int port in new[] { 4242, 1234, 65535 })
            {
                requests.Append("init ").Append(group).Append(' ').Append(port).Append('\n');
                expected.Add(Where(ctx.CreateChannelForGroup(addr, 0, port)));
            }
            // 0.9+ derives the channel hash of an address from its bytes 2..15: a sidehash shows it.
            byte[] key = wire.PlainNameHash ? Encoding.ASCII.GetBytes("NACK") : Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
            requests.Append("initsidehash ").Append(group).Append(" 1234 ").Append(Convert.ToHexString(key)).Append('\n');
            expected.Add(Where(ctx.CreateChannelForGroup(addr, 0, 1234).Sidehash(key, 0, key.Length)));
            if (wire.InitPortZeroIsDefault)
            {
                requests.Append("init ").Append(group).Append(" 0\n");
                expected.Add(Where(ctx.CreateChannelForGroup(addr, 0, 0)));
            }
        }
        string[] lines = Run("lcside", wire, "", requests.ToString());
        Assert.Equal(expected.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
            Assert.True(expected[i] == lines[i], $"profile {profile}, request {i} ({requests.ToString().Split('\n')[i]}): ours {expected[i]}, {CPeer.Library(wire)} {lines[i]}");
        if (!wire.InitPortZeroIsDefault)
        {
            // 0.5.1 keeps port 0 (measured: WIRE.md), which nothing can be sent to: refused, and said why.
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => ctx.CreateChannelForGroup(new byte[] { 0xff, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 0, 0));
            Assert.Contains("0.5", e.Message);
        }
    }

    [Fact]
    public void A_Channel_Keeps_Its_Own_Wire_Beside_The_Contexts()
    {
        using var ctx = new Context(new NullPlatform()) { Wire = WireProfile.V0_5 };
        Channel old = ctx.CreateChannel("bench");
        Channel current = ctx.CreateChannel("bench", WireProfile.V0_11);
        Assert.Equal("ff1e:d84e:4290:e72b:1a14:3f02:507:7be4", old.Address);
        Assert.Equal("ff1e:374b:f98b:3b8f:7f41:a9e2:9115:4fc5", current.Address);
        Assert.Same(WireProfile.V0_11, current.Sideband(2).Wire);
        Assert.Same(WireProfile.V0_5, old.Copy().Wire);
        var e = Assert.Throws<ArgumentException>(() => old.Sidehash(Encoding.ASCII.GetBytes("NACK"), 0, 4));
        Assert.Contains("32 bytes", e.Message);
        Assert.Throws<ArgumentNullException>(() => ctx.Wire = null!);
    }

    [Theory]
    [InlineData("0.5", "0.5")]
    [InlineData("0.5.1", "0.5")]
    [InlineData("0.9", "0.9")]
    [InlineData("0.11", "0.11")]
    [InlineData("0.11.2", "0.11")]
    [InlineData("0.10", null)]
    [InlineData("", null)]
    [InlineData("0.11 ", null)]
    [InlineData(null, null)]
    public void Profiles_Parse_By_Name(string? text, string? expected)
    {
        Assert.Equal(expected, WireProfile.Parse(text)?.Name);
    }
}
