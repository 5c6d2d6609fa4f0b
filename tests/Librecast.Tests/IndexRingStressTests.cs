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

    [Theory]
    [InlineData(1, 1, 200_000, 8)]
    [InlineData(4, 2, 100_000, 16)]
    [InlineData(3, 3, 50_000, 4)]
    public async Task Many_At_Once_Loses_Nothing_Duplicates_Nothing_And_Keeps_Each_Producers_Order(int producers, int consumers, int perProducer, int capacity)
    {
        // Producers queue runs of 1..5 with TryEnqueueMany, or single values; consumers take up to
        // 1..6 with TryDequeueMany, or one: all four calls race on the same cells.
        var ring = new IndexRing(capacity);
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
            }, TaskCreationOptions.LongRunning);
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
                    int k;
                    if (turn++ % 4 == 0) k = ring.TryDequeue(out into[0]) ? 1 : 0;
                    else k = ring.TryDequeueMany(into, 0, 1 + turn % 6);
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
        Assert.Equal(0, ring.TryDequeueMany(new int[4], 0, 4));
    }
}
