using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Concurrency stress of the claim/commit ring: N producers x M datagrams of varied sizes
/// (so records wrap the slab at varied points), one reader taking runs concurrently. Every
/// datagram arrives once, whole (its bytes as written), and each producer's in order.
/// </summary>
public class SendRingStressTests
{
    [Theory]
    [InlineData(1, 200_000, 8, 256, true)]   // one writer, the default: no atomic on the claim
    [InlineData(1, 200_000, 4, 128, false)]
    [InlineData(4, 100_000, 16, 1024, false)]
    [InlineData(8, 30_000, 2, 128, false)]
    public async Task Every_Datagram_Arrives_Once_Whole_And_In_Each_Producers_Order(int producers, int perProducer, int records, int bytes, bool singleWriter)
    {
        const int maxRecord = 40;
        var ring = new SendRing(records, bytes, maxRecord, null, singleWriter);
        var writers = new Task[producers];
        for (int t = 0; t < producers; t++)
        {
            int id = t;
            writers[t] = Task.Run(() =>
            {
                for (int i = 0; i < perProducer; i++)
                {
                    int value = (id << 24) | i;
                    int length = 8 + (value * 7 + id) % (maxRecord - 7); // 8..40 bytes
                    int position, at;
                    while (!ring.TryClaim(length, out position, out at)) Thread.Yield();
                    // Length, value, then a fill derived from both: a torn or overwritten record shows.
                    BitConverter.TryWriteBytes(ring.Slab.AsSpan(at), length);
                    BitConverter.TryWriteBytes(ring.Slab.AsSpan(at + 4), value);
                    for (int j = 8; j < length; j++) ring.Slab[at + j] = (byte)(value + j);
                    ring.Commit(position);
                }
            }, TestContext.Current.CancellationToken);
        }
        var next = new int[producers];
        long total = (long)producers * perProducer, seen = 0;
        var reader = Task.Run(() =>
        {
            int turn = 0;
            while (seen < total)
            {
                int n = ring.Committed(1 + turn++ % 7);
                if (n == 0) { Thread.Yield(); continue; }
                for (int k = 0; k < n; k++)
                {
                    int position = ring.Tail + k;
                    int at = ring.StartOf(position), length = ring.LengthOf(position);
                    Assert.True(at + length <= bytes, "a record wraps the slab");
                    Assert.Equal(length, BitConverter.ToInt32(ring.Slab, at));
                    int value = BitConverter.ToInt32(ring.Slab, at + 4);
                    for (int j = 8; j < length; j++) Assert.Equal((byte)(value + j), ring.Slab[at + j]);
                    int id = value >> 24, i = value & 0xffffff;
                    Assert.True(i == next[id], $"producer {id}: {i} after {next[id] - 1}");
                    next[id]++;
                }
                ring.Release(n);
                seen += n;
            }
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        await reader.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        Assert.Equal(total, seen);
        Assert.Equal(0, ring.Committed(8));
        Assert.Equal(0, ring.Count);
        for (int t = 0; t < producers; t++) Assert.Equal(perProducer, next[t]);
    }
}
