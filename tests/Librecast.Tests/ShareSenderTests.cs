using System;
using System.Collections.Generic;
using System.Linq;
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
    [Fact]
    public void The_Announcement_Repeats_Within_A_Round_At_Least_Every_Interval()
    {
        var (platform, socket, channel) = Wire();
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
                Assert.Equal(4 + 1024, d.Length);
                symbols++;
                longest = Math.Max(longest, ++run);
            }
            // Round 1: K + 2 = 22 symbols; round 2: K/4 but at least 4 = 5.
            Assert.Equal(round == 0 ? 22 : 5, symbols);
            int most = (int)Math.Ceiling(rate * ShareSender.AnnounceIntervalSeconds / (4 + 1024));
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
    [Fact]
    public void A_Files_First_Round_Waits_After_Its_Announcement_For_Receivers_To_Join()
    {
        var (platform, socket, channel) = Wire();
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

    /// <summary>An in-memory wire and a socket bound to the announcement channel.</summary>
    private static (MemoryPlatform Platform, Socket Socket, Channel Channel) Wire()
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        Socket socket = ctx.CreateSocket();
        Channel channel = ctx.CreateChannel("fleet/files");
        socket.Bind(channel);
        return (platform, socket, channel);
    }

    private static bool IsAnnouncement(byte[] d) => d.Length >= 4 && d[0] == 'L' && d[1] == 'C' && d[2] == 'F' && d[3] == 'S';
}
