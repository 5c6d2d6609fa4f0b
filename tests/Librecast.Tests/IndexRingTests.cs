using System;
using Xunit;

namespace Librecast.Tests;

public class IndexRingTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Capacity_Must_Be_A_Power_Of_Two(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IndexRing(capacity));
    }

    [Fact]
    public void Full_Ring_Refuses_And_Empty_Ring_Says_So()
    {
        var ring = new IndexRing(4);
        Assert.False(ring.TryDequeue(out _));
        for (int i = 0; i < 4; i++) Assert.True(ring.TryEnqueue(i));
        Assert.False(ring.TryEnqueue(99));
        Assert.Equal(4, ring.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(ring.TryDequeue(out int v));
            Assert.Equal(i, v);
        }
        Assert.False(ring.TryDequeue(out _));
    }

    [Fact]
    public void Stays_FIFO_Over_Many_Laps()
    {
        var ring = new IndexRing(8);
        int next = 0, expect = 0;
        for (int round = 0; round < 10_000; round++)
        {
            int k = round % 8 + 1;
            for (int i = 0; i < k; i++) Assert.True(ring.TryEnqueue(next++));
            for (int i = 0; i < k; i++)
            {
                Assert.True(ring.TryDequeue(out int v));
                Assert.Equal(expect++, v);
            }
        }
    }

    [Fact]
    public void Pool_Hands_Out_Each_Buffer_Once_Until_Returned()
    {
        var pool = new BufferPool(4, 64, null);
        var seen = new System.Collections.Generic.HashSet<int>();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(pool.TryRent(out int b));
            Assert.True(seen.Add(b));
            Assert.Equal(b * 64, pool.OffsetOf(b));
        }
        Assert.False(pool.TryRent(out _));
        pool.Return(2);
        Assert.True(pool.TryRent(out int again));
        Assert.Equal(2, again);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferPool(4, 100, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BufferPool(3, 64, null));
    }

    [Fact]
    public void Many_At_Once_Keeps_FIFO_Takes_What_Fits_And_Mixes_With_Single_Calls()
    {
        var ring = new IndexRing(8);
        var into = new int[16];
        Assert.Equal(0, ring.TryDequeueMany(into, 0, 16));
        Assert.Equal(5, ring.TryEnqueueMany(new[] { 0, 1, 2, 3, 4 }, 0, 5));
        Assert.True(ring.TryEnqueue(5));
        Assert.Equal(2, ring.TryEnqueueMany(new[] { 9, 6, 7, 8, 9 }, 1, 4)); // only 2 cells left
        Assert.Equal(0, ring.TryEnqueueMany(new[] { 99 }, 0, 1));
        Assert.True(ring.TryDequeue(out int first));
        Assert.Equal(0, first);
        Assert.Equal(3, ring.TryDequeueMany(into, 1, 3));
        Assert.Equal(new[] { 1, 2, 3 }, into[1..4]);
        Assert.Equal(4, ring.TryDequeueMany(into, 0, 16));
        Assert.Equal(new[] { 4, 5, 6, 7 }, into[0..4]);
        Assert.Equal(0, ring.TryDequeueMany(into, 0, 16));
        // Over many laps, in runs that straddle the wrap.
        int next = 0, expect = 0;
        var chunk = new int[5];
        for (int round = 0; round < 10_000; round++)
        {
            for (int i = 0; i < 5; i++) chunk[i] = next + i;
            next += ring.TryEnqueueMany(chunk, 0, 5);
            int k = ring.TryDequeueMany(into, 0, 1 + round % 7);
            for (int i = 0; i < k; i++) Assert.Equal(expect++, into[i]);
        }
        while (true)
        {
            int k = ring.TryDequeueMany(into, 0, 16);
            if (k == 0) break;
            for (int i = 0; i < k; i++) Assert.Equal(expect++, into[i]);
        }
        Assert.Equal(next, expect);
    }

    [Fact]
    public void Pool_Returns_Many_And_Still_Refuses_A_Return_Too_Many()
    {
        var pool = new BufferPool(8, 64, null);
        var held = new int[8];
        for (int i = 0; i < 8; i++) Assert.True(pool.TryRent(out held[i]));
        Assert.False(pool.TryRent(out _));
        pool.ReturnMany(held, 8);
        Assert.Equal(8, pool.Available);
        Assert.Throws<InvalidOperationException>(() => pool.ReturnMany(held, 1));
        Assert.Throws<InvalidOperationException>(() => pool.Return(held[0]));
    }
}
