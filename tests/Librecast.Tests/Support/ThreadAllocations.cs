using System;

namespace Librecast.Tests.Support;

/// <summary>
/// The baseline for "this thread allocates nothing from here on". The runtime's per-thread
/// counter (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) can jump by the unspent rest of
/// the thread's allocation context with nothing allocated: TransportTests' GRO test saw 4,000 to
/// 7,944 bytes appear inside a native poll(2) call (no managed code of ours runs there), with no
/// GC between the two reads, in about one run of the class in four (6 of 14 with tiered
/// compilation off), and never in 30 runs once the baseline was taken this way. A gen-0
/// collection retires the context first, so the baseline holds no unspent bytes; any allocation
/// after it still counts in full.
/// </summary>
internal static class ThreadAllocations
{
    public static long Baseline()
    {
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        return GC.GetAllocatedBytesForCurrentThread();
    }
}
