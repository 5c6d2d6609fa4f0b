using System;
using System.Linq;
using System.Text;
using CsCheck;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>Channel name -> group address, checked against librecast 0.5.1 itself (C peer built in the run).</summary>
public class NamingTests
{
    private static string Ours(byte[] name)
    {
        byte[] group = new byte[16];
        GroupAddress.FromName(name, 0, name.Length, 0, group, 0);
        return GroupAddress.Format(group, 0) + " " + GroupAddress.DefaultPort;
    }

    /// <summary>Asks the C library (lc_channel_nnew, or lc_channel_new with <paramref name="cString"/>) for each name's group.</summary>
    private static string[] Librecast(byte[][] names, bool cString = false)
    {
        string exe = CPeer.Build("lcpeer");
        string input = string.Concat(names.Select(n => Convert.ToHexString(n) + "\n"));
        var (code, stdout, stderr) = CPeer.Run(exe, cString ? "addr --new" : "addr", input, 120_000);
        Assert.True(code == 0, "lcpeer addr failed: " + stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(names.Length, lines.Length);
        return lines;
    }

    private static void AssertSameAsLibrecast(byte[][] names, bool cString = false)
    {
        string[] theirs = Librecast(names, cString);
        for (int i = 0; i < names.Length; i++)
        {
            string ours = Ours(names[i]);
            if (ours != theirs[i])
                Assert.Fail($"name {i} (hex {Convert.ToHexString(names[i])}): ours {ours}, librecast {theirs[i]}");
        }
    }

    [Fact]
    public void Bench_Maps_To_The_Group_Measured_From_Librecast()
    {
        Assert.Equal("ff1e:d84e:4290:e72b:1a14:3f02:507:7be4", GroupAddress.Format(GroupAddress.FromName("bench", WireProfile.V0_5), 0));
    }

    [Fact]
    public void Names_Hash_To_Same_Group_As_Librecast()
    {
        string[] names =
        {
            "", "a", "bench", "bench ", "Bench", "site/node1/telemetry", "site/node1/cmd",
            "Grüße aus Köln", "频道", "канал", "🛰️ telemetry", "tab\tand\nnewline",
            new string('x', 1023), new string('y', 1024), new string('z', 1025), new string('l', 10_000),
        };
        byte[][] bytes = names.Select(Encoding.UTF8.GetBytes).ToArray();
        AssertSameAsLibrecast(bytes);
        AssertSameAsLibrecast(bytes.Where(b => b.Length < 4000).ToArray(), cString: true);
    }

    [Fact]
    public void Random_Names_Hash_To_Same_Group_As_Librecast()
    {
        // Text names through lc_channel_new's path, and arbitrary bytes (NUL included) through lc_channel_nnew.
        Gen.String.Array[2500].Sample(names => AssertSameAsLibrecast(names.Select(Encoding.UTF8.GetBytes).ToArray()), iter: 2);
        Gen.Byte.Array[0, 2100].Array[2500].Sample(names => AssertSameAsLibrecast(names), iter: 2);
    }

    [Fact]
    public void Channel_Name_Text_And_Bytes_Give_The_Same_Channel()
    {
        var ctx = new Context(new MemoryPlatform());
        byte[] bytes = Encoding.UTF8.GetBytes("Grüße");
        Assert.Equal(ctx.CreateChannel("Grüße").Address, ctx.CreateChannel(bytes, 0, bytes.Length).Address);
    }

    [Fact]
    public void Utf8_Encodes_Names_As_Dotnet_Does()
    {
        // Our portable encoder (nanoFramework has no System.Text) must give the bytes we hash.
        Gen.String.Sample(s => Assert.Equal(Encoding.UTF8.GetBytes(s), Utf8.GetBytes(s)), iter: 20_000);
        foreach (string s in new[] { "\ud800", "a\udc00b", "\ud83d\ude00", "\ud83d", "\uffff", "\u07ff\u0800" })
            Assert.Equal(Encoding.UTF8.GetBytes(s), Utf8.GetBytes(s));
    }

    [Fact]
    public void Formats_Addresses_As_Inet_Ntop_Does()
    {
        // Zero words are common here so that every kind of "::" run is exercised.
        var word = Gen.Frequency((3, Gen.Const((ushort)0)), (1, Gen.UShort), (1, Gen.Const((ushort)0xffff)));
        var address = word.Array[8].Select(ws => ws.SelectMany(w => new[] { (byte)(w >> 8), (byte)w }).ToArray());
        string exe = CPeer.Build("ntop");
        address.Array[2000].Sample(addrs =>
        {
            string input = string.Concat(addrs.Select(a => Convert.ToHexString(a) + "\n"));
            var (code, stdout, stderr) = CPeer.Run(exe, "", input, 60_000);
            Assert.True(code == 0, stderr);
            string[] theirs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < addrs.Length; i++)
                Assert.True(theirs[i] == GroupAddress.Format(addrs[i], 0),
                    $"{Convert.ToHexString(addrs[i])}: inet_ntop {theirs[i]}, ours {GroupAddress.Format(addrs[i], 0)}");
        }, iter: 3);
    }

    [Theory]
    [InlineData("ff1e::aa", 4242)]
    [InlineData("ff1e:d84e:4290:e72b:1a14:3f02:507:7be4", 4242)]
    [InlineData("ff02::1:2", 5000)]
    public void Channel_From_Group_Matches_Lc_Channel_Init(string group, int port)
    {
        var (code, stdout, stderr) = CPeer.Run(CPeer.Build("lcpeer"), $"init {group} {port}", null, 10_000);
        Assert.True(code == 0, stderr);
        var ctx = new Context(new MemoryPlatform());
        Channel c = ctx.CreateChannelForGroup(System.Net.IPAddress.Parse(group).GetAddressBytes(), 0, port);
        Assert.Equal(stdout.Trim(), c.Address + " " + c.Port);
    }
}
