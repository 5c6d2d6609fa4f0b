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
        await Race(producers, consumers, perProducer,
            id =>
            {
                for (int i = 0; i < perProducer; i++)
                    while (!ring.TryEnqueue((id << 24) | i)) Thread.Yield();
            },
            (into, turn) => ring.TryDequeue(out into[0]) ? 1 : 0);
        Assert.False(ring.TryDequeue(out _));
    }

    [Theory]
    [InlineData(1, 1, 200_000, 8)]
    [InlineData(4, 2, 100_000, 16)]
    [InlineData(3, 3, 50_000, 4)]
    public async Task Many_At_Once_Loses_Nothing_Duplicates_Nothing_And_Keeps_Each_Producers_Order(int producers, int consumers, int perProducer, int capacity)
    {
        // Producers queue runs of 1..5 with TryEnqueueMany, or single values; consumers take up to
        // 1..6 with TryDequeueMany, or one: all four calls race on the same cells.
        var ring = new IndexRing(capacity);
        await Race(producers, consumers, perProducer,
            id =>
            {
                var run = new int[5];
                int i = 0, turn = 0;
                while (i < perProducer)
                {
                    int want = Math.Min(1 + turn++ % 5, perProducer - i);
                    for (int j = 0; j < want; j++) run[j] = (id << 24) | (i + j);
                    int k = want == 1 && turn % 3 == 0 ? (ring.TryEnqueue(run[0]) ? 1 : 0) : ring.TryEnqueueMany(run, 0, want);
                    i += k;
                    if (k == 0) Thread.Yield();
                }
            },
            (into, turn) => turn % 4 == 0 ? (ring.TryDequeue(out into[0]) ? 1 : 0) : ring.TryDequeueMany(into, 0, 1 + (turn + 1) % 6));
        Assert.Equal(0, ring.TryDequeueMany(new int[4], 0, 4));
    }

    /// <summary>
    /// Runs <paramref name="produce"/>(id) on each producer thread, which queues id &lt;&lt; 24 | 0..perProducer-1
    /// in order, and <paramref name="take"/>(into, turn) on each consumer thread (turn counts its
    /// calls from 0; it returns how many values it put in into[0..], at most 6) until all are
    /// taken; then asserts that every value arrived exactly once and that each consumer saw each
    /// producer's values in increasing order (with one consumer the order is total per producer).
    /// </summary>
    private static async Task Race(int producers, int consumers, int perProducer, Action<int> produce, Func<int[], int, int> take)
    {
        int total = producers * perProducer;
        int consumed = 0;
        var counts = new int[producers];
        var failures = new string?[consumers];
        var tasks = new Task[producers + consumers];
        for (int p = 0; p < producers; p++)
        {
            int id = p;
            tasks[p] = Task.Factory.StartNew(() => produce(id), TaskCreationOptions.LongRunning);
        }
        for (int c = 0; c < consumers; c++)
        {
            int me = c;
            tasks[producers + c] = Task.Factory.StartNew(() =>
            {
                var last = new int[producers];
                Array.Fill(last, -1);
                var into = new int[6];
                int turn = 0;
                while (Volatile.Read(ref consumed) < total)
                {
                    int k = take(into, turn++);
                    if (k == 0) { Thread.Yield(); continue; }
                    Interlocked.Add(ref consumed, k);
                    for (int j = 0; j < k; j++)
                    {
                        int id = into[j] >> 24, n = into[j] & 0xffffff;
                        Interlocked.Increment(ref counts[id]);
                        if (n <= last[id]) failures[me] ??= $"consumer {me}: producer {id} value {n} after {last[id]}";
                        last[id] = n;
                    }
                }
            }, TaskCreationOptions.LongRunning);
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        foreach (string? f in failures) Assert.Null(f);
        Assert.Equal(total, consumed);
        for (int p = 0; p < producers; p++) Assert.Equal(perProducer, counts[p]);
    }
}
