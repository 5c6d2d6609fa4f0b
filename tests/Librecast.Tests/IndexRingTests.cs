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
}
