using System;
using System.Collections.Generic;
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
    /// 12-round share at 50 % loss left 1 fleet in about 30 without the file (tools/bench/fec).
    /// </summary>
    [Fact]
    public void The_Announcement_Repeats_Within_A_Round_At_Least_Every_Interval()
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        Socket socket = ctx.CreateSocket();
        Channel channel = ctx.CreateChannel("fleet/files");
        socket.Bind(channel);
        const double rate = 100_000; // bytes per second: 10,000 bytes (9.7 symbol datagrams) per interval
        using var sender = new ShareSender(socket, channel, null, 1024, new Pacer(rate));
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

    private static bool IsAnnouncement(byte[] d) => d.Length >= 4 && d[0] == 'L' && d[1] == 'C' && d[2] == 'F' && d[3] == 'S';
}
