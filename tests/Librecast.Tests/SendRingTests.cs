using System;
using Xunit;

namespace Librecast.Tests;

/// <summary>The claim/commit ring's contract on one thread: sizes checked, full refused, order, packing, wrap.</summary>
public class SendRingTests
{
    [Theory]
    [InlineData(0, 256)]
    [InlineData(6, 256)]
    [InlineData(8, 300)]
    [InlineData(8, 32)] // smaller than two datagrams
    public void Sizes_Must_Be_Powers_Of_Two(int records, int bytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendRing(records, bytes, 32, null, true));
    }

    [Fact]
    public void A_Claim_Larger_Than_A_Datagram_Is_Refused()
    {
        var ring = new SendRing(4, 256, 32, null, true);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.TryClaim(33, out _, out _));
    }

    [Fact]
    public void Full_Returns_False_And_Never_Blocks_By_Records_Or_By_Bytes()
    {
        var ring = new SendRing(4, 256, 64, null, true);
        for (int i = 0; i < 4; i++) Assert.True(ring.TryClaim(10, out int p, out _));
        Assert.False(ring.TryClaim(10, out _, out _)); // 4 records
        var bytes = new SendRing(16, 128, 64, null, true);
        Assert.True(bytes.TryClaim(64, out _, out _));
        Assert.True(bytes.TryClaim(64, out _, out _));
        Assert.False(bytes.TryClaim(1, out _, out _)); // 128 bytes
    }

    [Fact]
    public void Datagrams_Are_Packed_Back_To_Back_And_Only_Committed_Ones_Are_Read_In_Order()
    {
        var ring = new SendRing(8, 256, 64, null, true);
        Assert.True(ring.TryClaim(37, out int p0, out int a0));
        Assert.True(ring.TryClaim(37, out int p1, out int a1));
        Assert.True(ring.TryClaim(20, out int p2, out int a2));
        Assert.Equal((0, 37, 74), (a0, a1, a2)); // contiguous: one GSO iovec can take them
        Assert.Equal(0, ring.Committed(8));
        ring.Commit(p1);
        Assert.Equal(0, ring.Committed(8)); // p0 first
        ring.Commit(p0);
        Assert.Equal(2, ring.Committed(8));
        Assert.Equal(2, ring.Committed(2));
        ring.Release(2);
        Assert.Equal(0, ring.Committed(8));
        ring.Commit(p2);
        Assert.Equal(1, ring.Committed(8));
        Assert.Equal(a2, ring.StartOf(ring.Tail));
        Assert.Equal(20, ring.LengthOf(ring.Tail));
    }

    [Fact]
    public void A_Datagram_Never_Wraps_The_Slab_And_The_Skipped_Bytes_Are_Freed_With_It()
    {
        var ring = new SendRing(8, 128, 64, null, true);
        Assert.True(ring.TryClaim(50, out int p0, out _));
        Assert.True(ring.TryClaim(50, out int p1, out _));
        ring.Commit(p0);
        ring.Commit(p1);
        Assert.Equal(2, ring.Committed(8));
        ring.Release(1);                                   // [50, 100) still in use
        Assert.True(ring.TryClaim(40, out int p2, out int a2)); // 100 + 40 > 128: starts at 0
        Assert.Equal(0, a2);
        Assert.False(ring.TryClaim(20, out _, out _));     // [40, 50) free, but 20 would overlap p1
        ring.Release(1);
        ring.Commit(p2);
        Assert.True(ring.TryClaim(60, out _, out int a3));
        Assert.Equal(40, a3);
    }
}
