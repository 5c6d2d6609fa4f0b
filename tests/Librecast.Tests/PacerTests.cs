using System.Diagnostics;
using System.Threading;
using Librecast.Sockets;
using Librecast.Files;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The rate limit of lc share, lc send --fec-rq and lcgw's config share. Only lower bounds on
/// time are asserted (a loaded machine makes sleeps longer, never shorter).
/// </summary>
public class PacerTests
{
    [Fact]
    public void Holds_The_Rate_And_Idle_Time_Is_Not_Credit_For_A_Burst()
    {
        var pacer = new Pacer(10_000); // units per second
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) Assert.True(pacer.Sent(100, TestContext.Current.CancellationToken)); // 2,000 units: 0.2 s
        Assert.True(clock.Elapsed.TotalSeconds >= 0.2 - 0.002 - 0.001, clock.Elapsed.TotalSeconds.ToString());

        Thread.Sleep(500); // idle: nothing to send (lcgw's share with an empty directory)
        clock.Restart();
        // 3,000 units: 0.3 s, less the first 100 (sent before the pacer knows) and at most
        // MaxBurstSeconds of catching up. Without the cap the 0.5 s idle would pay for all of it.
        for (int i = 0; i < 30; i++) pacer.Sent(100, TestContext.Current.CancellationToken);
        Assert.True(clock.Elapsed.TotalSeconds >= 0.3 - 0.01 - Pacer.MaxBurstSeconds - 0.003,
            $"3,000 units at 10,000/s after 0.5 s idle took {clock.Elapsed.TotalSeconds:F3} s: the idle time was spent as a burst");
    }

    [Fact]
    public void A_Sleep_Ends_When_Stopped()
    {
        var pacer = new Pacer(100);
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(100);
        var clock = Stopwatch.StartNew();
        Assert.False(pacer.Sent(1000, stop.Token)); // 10 s ahead
        Assert.True(clock.Elapsed.TotalSeconds < 5, "the pacer slept through the stop");
    }
}
