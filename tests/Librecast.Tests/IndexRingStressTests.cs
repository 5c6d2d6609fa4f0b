using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Librecast.Tests;

/// <summary>Concurrency stress: N producers x M values through one small ring, consumed concurrently.</summary>
public class IndexRingStressTests
{
    [Theory]
    [InlineData(1, 1, 200_000, 8)]
    [InlineData(4, 1, 100_000, 16)]
    [InlineData(4, 2, 100_000, 64)]
    [InlineData(8, 3, 50_000, 2)]
    public async Task No_Value_Lost_Or_Duplicated_And_Order_Kept_Per_Producer(int producers, int consumers, int perProducer, int capacity)
    {
        var ring = new IndexRing(capacity);
        // value = producer << 24 | counter: each consumer checks every producer's values arrive in order.
        int total = producers * perProducer;
        int consumed = 0;
        var counts = new int[producers];
        var failures = new string?[consumers];
        var tasks = new Task[producers + consumers];
        for (int p = 0; p < producers; p++)
        {
            int id = p;
            tasks[p] = Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < perProducer; i++)
                    while (!ring.TryEnqueue((id << 24) | i)) Thread.Yield();
            }, TaskCreationOptions.LongRunning);
        }
        for (int c = 0; c < consumers; c++)
        {
            int me = c;
            tasks[producers + c] = Task.Factory.StartNew(() =>
            {
                var last = new int[producers];
                Array.Fill(last, -1);
                while (Volatile.Read(ref consumed) < total)
                {
                    if (!ring.TryDequeue(out int v)) { Thread.Yield(); continue; }
                    Interlocked.Increment(ref consumed);
                    int id = v >> 24, n = v & 0xffffff;
                    Interlocked.Increment(ref counts[id]);
                    // With one consumer the order is total per producer; with several, each
                    // consumer still sees a producer's values in increasing order.
                    if (n <= last[id]) failures[me] ??= $"consumer {me}: producer {id} value {n} after {last[id]}";
                    last[id] = n;
                }
            }, TaskCreationOptions.LongRunning);
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        foreach (string? f in failures) Assert.Null(f);
        Assert.Equal(total, consumed);
        for (int p = 0; p < producers; p++) Assert.Equal(perProducer, counts[p]);
        Assert.False(ring.TryDequeue(out _));
    }
}
