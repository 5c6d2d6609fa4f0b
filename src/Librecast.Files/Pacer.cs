using System;
using System.Diagnostics;
using System.Threading;

namespace Librecast.Files;

/// <summary>
/// Keeps the average send rate at or under a limit by sleeping when ahead (lc share and lcgw's
/// config share in bytes per second, lc send --fec-rq in symbols per second): an unpaced flood
/// overruns a receiver's socket buffer, and a receiver with librecast's default buffer keeps fewer
/// than a hundred 1 KB datagrams.
/// </summary>
public sealed class Pacer(double unitsPerSecond)
{
    /// <summary>At most this far behind schedule (seconds) may a sender catch up at full speed.</summary>
    public const double MaxBurstSeconds = 0.05;

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private double idle; // seconds of the clock not owed: time spent idle (or slow) beyond MaxBurstSeconds

    /// <summary>The limit, in units per second (<see cref="double.PositiveInfinity"/>: none).</summary>
    public double Limit => unitsPerSecond;

    /// <summary>True when there is no limit (<see cref="double.PositiveInfinity"/> units per second): <see cref="Sent"/> only counts.</summary>
    public bool Unlimited => double.IsPositiveInfinity(unitsPerSecond);

    /// <summary>Called just before <see cref="Sent"/> waits (a sender flushes what it queued, so the wait paces the wire).</summary>
    public Action? BeforeWait;

    /// <summary>Units (bytes or datagrams) counted so far.</summary>
    public long Units;

    /// <summary>The average rate so far, in units per second.</summary>
    public double Rate => Units / Math.Max(1e-9, clock.Elapsed.TotalSeconds);

    /// <summary>
    /// Counts units sent and sleeps while more than 2 ms ahead of the limit; a sleep ends early
    /// when <paramref name="stop"/> is cancelled. Returns false once it is. Time spent idle is not
    /// credit: after a pause (lcgw with nothing to share, a send error) the rate holds from the
    /// next send on, with at most <see cref="MaxBurstSeconds"/> of catching up.
    /// </summary>
    public bool Sent(int units, CancellationToken stop = default)
    {
        Units += units;
        if (double.IsPositiveInfinity(unitsPerSecond)) return !stop.IsCancellationRequested; // no clock, no wait
        double ahead = Units / unitsPerSecond - (clock.Elapsed.TotalSeconds - idle);
        if (ahead < -MaxBurstSeconds)
        {
            idle += -ahead - MaxBurstSeconds;
            ahead = -MaxBurstSeconds;
        }
        if (ahead > 0.002)
        {
            BeforeWait?.Invoke();
            if (stop.CanBeCanceled) stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(ahead));
            else Thread.Sleep(TimeSpan.FromSeconds(ahead));
        }
        return !stop.IsCancellationRequested;
    }
}
