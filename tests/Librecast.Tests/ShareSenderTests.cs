using System;
using System.Collections.Generic;
using System.Linq;
using Librecast.Fec;
using Librecast.Files;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The sending side of lc share and lcgw's config share (platforms/dotnet/ShareSender.cs) on the
/// in-memory platform: what goes on the wire, in which order.
/// </summary>
public class ShareSenderTests
{
    /// <summary>
    /// A receiver can use no symbol before it holds the announcement. With one announcement a
    /// round, receivers behind a link that lost the first few lost those whole rounds, and a
    /// 12-round share at 50 % loss left 1 fleet in 10 to 30 without the file (tools/bench/fec).
    /// </summary>
    [Theory]
    [InlineData("0.11", 32 + 4 + 1024)] // object id ‖ SBN‖ESI ‖ symbol
    [InlineData("0.9", 4 + 1024)]
    [InlineData("0.5", 4 + 1024)]
    public void The_Announcement_Repeats_Within_A_Round_At_Least_Every_Interval(string profile, int symbolDatagram)
    {
        var (platform, socket, channel) = Wire(profile);
        const double rate = 100_000; // bytes per second: 10,000 bytes (9.7 symbol datagrams) per interval
        // The first round's join wait is the next test's subject.
        using var sender = new ShareSender(socket, channel, null, 1024, new Pacer(rate)) { JoinWaitSeconds = 0 };
        var data = new byte[20_000];
        new Random(3).NextBytes(data);
        SharedFile file = sender.Add("config.json", data, data.Length);
        Assert.Equal(20, file.Announcement.Oti.KL);

        for (int round = 0; round < 2; round++)
        {
            platform.Sent.Clear();
            Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));
            List<byte[]> wire = platform.Sent;
            Assert.True(IsAnnouncement(wire[0]), $"round {round + 1} does not start with the announcement");
            int run = 0, longest = 0, announcements = 0, symbols = 0;
            foreach (byte[] d in wire)
            {
                if (IsAnnouncement(d)) { announcements++; run = 0; continue; }
                Assert.Equal(symbolDatagram, d.Length);
                symbols++;
                longest = Math.Max(longest, ++run);
            }
            // Round 1: K + 2 = 22 symbols; round 2: K/4 but at least 4 = 5.
            Assert.Equal(round == 0 ? 22 : 5, symbols);
            int most = (int)Math.Ceiling(rate * ShareSender.AnnounceIntervalSeconds / symbolDatagram);
            Assert.True(longest <= most, $"round {round + 1}: {longest} symbols in a row without an announcement, at most {most} wanted");
            Assert.Equal(1 + (symbols - 1) / most, announcements);
        }
        Assert.Equal(3 + 1, sender.Announcements);
    }

    /// <summary>
    /// Receivers already listening join the symbols' channel only once they hold the
    /// announcement; a small file's whole share (`lc share --rounds 1` of 3 KB) used to be over
    /// in 2 ms, before half of them had joined, with no loss at all.
    /// </summary>
    [Theory]
    [InlineData("0.11")]
    [InlineData("0.5")]
    public void A_Files_First_Round_Waits_After_Its_Announcement_For_Receivers_To_Join(string profile)
    {
        var (platform, socket, channel) = Wire(profile);
        using var sender = new ShareSender(socket, channel, null, 1024, new Pacer(1e9));
        Assert.Equal(ShareSender.DefaultJoinWaitSeconds, sender.JoinWaitSeconds);
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.JoinWaitSeconds = -1);
        sender.JoinWaitSeconds = 0.3;
        var data = new byte[3000];
        new Random(4).NextBytes(data);
        SharedFile file = sender.Add("config.json", data, data.Length);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));
        Assert.True(clock.Elapsed.TotalSeconds >= 0.3 - 0.002, $"the first round took {clock.Elapsed.TotalSeconds:F3} s: no join wait");
        // Announced every 20 ms of the wait (a lossy link may eat the first) and after it, then the symbols.
        int before = platform.Sent.FindIndex(d => !IsAnnouncement(d));
        Assert.Equal((int)Math.Ceiling(0.3 / ShareSender.JoinWaitAnnounceSeconds) + 1, before);
        Assert.DoesNotContain(platform.Sent.Skip(before).Take(3), IsAnnouncement); // then the symbols

        platform.Sent.Clear();
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));
        Assert.True(IsAnnouncement(platform.Sent[0]) && !IsAnnouncement(platform.Sent[1]), "a later round waited again");

        // A stop during the wait ends it.
        SharedFile other = sender.Add("other.json", data, data.Length);
        sender.JoinWaitSeconds = 60;
        using var stop = new System.Threading.CancellationTokenSource(100);
        clock.Restart();
        Assert.False(sender.SendRound(other, stop.Token));
        Assert.True(clock.Elapsed.TotalSeconds < 30, "the join wait slept through the stop");
    }

    /// <summary>
    /// Under 0.11 a share's symbol datagrams are librecast 0.11.2's FEC datagram: the object id
    /// (BLAKE3 of the file, in clear even with a key) ‖ SBN‖ESI ‖ symbol, 1060 bytes at T 1024 as
    /// measured on the real library; with a key the whole file is sealed before encoding (the
    /// announced F is the sealed object's, F + 40), and the source symbols, concatenated and cut
    /// to F + 40, open with the key to the file.
    /// </summary>
    [Fact]
    public void A_0_11_Share_Sends_0_11_Datagrams_With_The_Files_Blake3_In_Clear_And_The_Object_Sealed_Before_Encoding()
    {
        var (platform, socket, channel) = Wire("0.11");
        var key = new byte[32];
        new Random(11).NextBytes(key);
        channel.SetKey(key);
        using var sender = new ShareSender(socket, channel, key, 1024, new Pacer(1e9)) { JoinWaitSeconds = 0 };
        var data = new byte[3000];
        new Random(12).NextBytes(data);
        var hash = new byte[32];
        Blake3Hasher.Hash(data, 0, data.Length, hash, 0);
        SharedFile file = sender.Add("config.json", data, data.Length);
        Assert.Equal(3040, file.Announcement.Oti.F);
        Assert.Equal(hash, file.Announcement.Hash);
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));

        List<byte[]> symbols = platform.Sent.Where(d => d.Length == 32 + 4 + 1024).ToList();
        Assert.Equal(file.SymbolsSent, symbols.Count);
        Assert.DoesNotContain(platform.Sent, IsAnnouncement); // the announcements are sealed
        foreach (byte[] d in symbols) Assert.Equal(hash, d[..32]);
        // SBN 0, ESI 0, 1, 2 (K 3) first, in RFC 6330 order: SBN ‖ ESI (24 bits, big-endian).
        for (int esi = 0; esi < 3; esi++) Assert.Equal(new byte[] { 0, 0, 0, (byte)esi }, symbols[esi][32..36]);
        byte[] sealedObject = symbols.Take(3).SelectMany(d => d[36..]).Take(3040).ToArray();
        using var box = new Librecast.Crypto.SecretBox(key);
        var opened = new byte[3000];
        Assert.Equal(Librecast.Crypto.SecretBoxStatus.Ok, box.Open(sealedObject, 0, sealedObject.Length, opened, 0, out int n));
        Assert.Equal(3000, n);
        Assert.Equal(data, opened);
    }

    /// <summary>Under 0.9 with a key each symbol datagram is sealed (pid ‖ symbol, box ‖ nonce: 1068 bytes), as 0.9.1 does.</summary>
    [Fact]
    public void A_0_9_Share_With_A_Key_Seals_Each_Symbol_Datagram()
    {
        var (platform, socket, channel) = Wire("0.9");
        var key = new byte[32];
        new Random(13).NextBytes(key);
        channel.SetKey(key);
        using var sender = new ShareSender(socket, channel, key, 1024, new Pacer(1e9)) { JoinWaitSeconds = 0 };
        var data = new byte[3000];
        new Random(14).NextBytes(data);
        SharedFile file = sender.Add("config.json", data, data.Length);
        Assert.Equal(3000, file.Announcement.Oti.F);
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));
        List<byte[]> symbols = platform.Sent.Where(d => d.Length == 4 + 1024 + 40).ToList();
        Assert.Equal(file.SymbolsSent, symbols.Count);
        using var box = new Librecast.Crypto.SecretBox(key);
        var opened = new byte[4 + 1024];
        Assert.Equal(Librecast.Crypto.SecretBoxStatus.Ok, box.Open(symbols[1], 0, symbols[1].Length, opened, 0, out int n));
        Assert.Equal(4 + 1024, n);
        Assert.Equal(new byte[] { 0, 0, 0, 1 }, opened[..4]);
        Assert.Equal(data.AsSpan(1024, 1024).ToArray(), opened[4..]);
    }

    /// <summary>
    /// A share round (announcements, symbols, pacing) allocates nothing per symbol under each
    /// wire: 0.11 with its object id and with the object sealed before encoding, 0.9 sealing each datagram.
    /// </summary>
    [Theory]
    [InlineData("0.11", false)]
    [InlineData("0.11", true)]
    [InlineData("0.9", true)]
    [InlineData("0.5", false)]
    public void A_Share_Round_Allocates_Nothing_Per_Symbol(string profile, bool symm)
    {
        var platform = new NullPlatform();
        using var ctx = new Context(platform);
        Socket socket = ctx.CreateSocket();
        Channel channel = ctx.CreateChannel("fleet/alloc", WireProfile.Parse(profile)!);
        byte[]? key = symm ? new byte[32] : null;
        if (key != null) channel.SetKey(key);
        socket.Bind(channel);
        using var sender = new ShareSender(socket, channel, key, 1024, new Pacer(1e12)) { JoinWaitSeconds = 0 };
        var data = new byte[400_000];
        new Random(15).NextBytes(data);
        SharedFile file = sender.Add("image.bin", data, data.Length);
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken)); // warm up
        long sent = file.SymbolsSent;
        long before = ThreadAllocations.Baseline();
        for (int round = 0; round < 4; round++) Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated by {file.SymbolsSent - sent} symbols of 4 rounds under {profile}");
        Oti oti = file.Announcement.Oti;
        Assert.Equal(4L * oti.Z * Math.Max(4, oti.KL / 4), file.SymbolsSent - sent); // K/4 fresh repair symbols a block a round
    }

    /// <summary>
    /// A restricted share (the token on the announcement channel and on the file's sideband, as a
    /// bearer puts it): every symbol and announcement goes out signed, token ‖ datagram ‖
    /// signature, none dropped for want of room in its send-ring slot, at the largest T, under
    /// 0.11 (object id in clear) and 0.9 with a key (each symbol sealed, then signed); the slot
    /// is the wire's FEC header + T + the seal + the token's 192 bytes, and every datagram passes
    /// the channel's token filter.
    /// </summary>
    [Theory]
    [InlineData("0.11", false, 32 + 4)]
    [InlineData("0.9", true, 4)]
    [InlineData("0.5", false, 4)]
    public void A_Restricted_Shares_Symbols_Fit_Their_Send_Ring_Slots_And_Go_Out_Signed(string profile, bool symm, int header)
    {
        const int t = ShareSender.MaxSymbolSize;
        var (platform, socket, channel) = Wire(profile);
        byte[]? key = null;
        if (symm)
        {
            key = new byte[32];
            new Random(16).NextBytes(key);
            channel.SetKey(key);
        }
        var (token, seed, ring) = IssueToken(channel);
        channel.SetToken(token, 0, seed, 0);
        int seal = symm ? Librecast.Crypto.SecretBox.Overhead : 0;
        Assert.Equal(header + t + seal + Librecast.Security.TokenFilter.Overhead, ShareSender.SlotSize(channel.Wire, t, symm, true));
        Assert.Equal(header + t, ShareSender.SlotSize(channel.Wire, t, false, false));
        Assert.Equal(Announcement.FixedLength + Announcement.MaxNameLength + seal + Librecast.Security.TokenFilter.Overhead, ShareSender.SlotSize(channel.Wire, 4, symm, true));

        using var sender = new ShareSender(socket, channel, key, t, new Pacer(1e12)) { JoinWaitSeconds = 0 };
        var data = new byte[5 * t + 100];
        new Random(17).NextBytes(data);
        SharedFile file = sender.Add("firmware.bin", data, data.Length);
        file.Symbols.SetToken(token, 0, seed, 0);
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));
        Assert.True(sender.SendRound(file, TestContext.Current.CancellationToken));

        int symbolLength = header + t + seal + Librecast.Security.TokenFilter.Overhead;
        var hash = new byte[32];
        channel.CopyHashTo(hash, 0); // a sideband keeps its base's hash: the same token serves both
        int symbols = 0;
        foreach (byte[] d in platform.Sent)
        {
            // A filter each: the repeated announcement is the same signed bytes (a replay to one filter).
            var filter = new Librecast.Security.TokenFilter(ring, Librecast.Security.Token.Write);
            Assert.Equal(Librecast.Security.TokenVerdict.Accepted, filter.Check(d, 0, d.Length, hash, 0, 1));
            if (d.Length == symbolLength) symbols++;
        }
        Assert.Equal(file.SymbolsSent, symbols);
        Assert.Equal(sender.Announcements + symbols, platform.Sent.Count);
        Assert.Equal(0, channel.Context.Counters.Dropped);
    }

    // A token from a signer for a bearer on `channel`, never expiring (as InPlacePublishTests issues them).
    private static (byte[] Token, byte[] BearerSeed, Librecast.Security.Keyring Ring) IssueToken(Channel channel)
    {
        var signerSeed = new byte[32];
        var bearerSeed = new byte[32];
        for (int i = 0; i < 32; i++) { signerSeed[i] = (byte)(1 + i); bearerSeed[i] = (byte)(0x40 + i); }
        var ed = new Librecast.Crypto.Ed25519();
        var signerPk = new byte[32];
        var bearerPk = new byte[32];
        ed.PublicKey(signerSeed, 0, signerPk, 0);
        ed.PublicKey(bearerSeed, 0, bearerPk, 0);
        var sk = new byte[64];
        Array.Copy(signerSeed, sk, 32);
        Array.Copy(signerPk, 0, sk, 32, 32);
        var hash = new byte[32];
        channel.CopyHashTo(hash, 0);
        var token = new byte[Librecast.Security.Token.Size];
        Librecast.Security.Token.Issue(ed, signerSeed, 0, sk, 32, bearerPk, 0, hash, 0, Librecast.Security.Token.Write, 0, token, 0);
        var ring = new Librecast.Security.Keyring();
        ring.Add(signerPk, 0);
        return (token, bearerSeed, ring);
    }

    /// <summary>An in-memory wire and a socket bound to the announcement channel.</summary>
    private static (MemoryPlatform Platform, Socket Socket, Channel Channel) Wire(string profile)
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        Socket socket = ctx.CreateSocket();
        Channel channel = ctx.CreateChannel("fleet/files", WireProfile.Parse(profile)!);
        socket.Bind(channel);
        return (platform, socket, channel);
    }

    private static bool IsAnnouncement(byte[] d) => d.Length >= 4 && d[0] == 'L' && d[1] == 'C' && d[2] == 'F' && d[3] == 'S';
}
