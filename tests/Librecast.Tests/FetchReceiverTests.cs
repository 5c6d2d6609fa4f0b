using System;
using System.Diagnostics;
using Librecast.Cli;
using Librecast.Files;
using Librecast.Fec;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lc fetch's receiver (tools/lc/FetchReceiver.cs) without a network: the receive thread only
/// stores symbols, allocation-free, while the decoder thread decodes blocks from the fewest
/// symbols, including blocks that hold more than K when first tried.
/// </summary>
public class FetchReceiverTests
{
    // The profile's datagram (no OTI: the announcement carries it), led on 0.11 by objectId.
    private static byte[] Datagram(WireProfile wire, byte[] objectId, ObjectEncoder enc, int sbn, int esi)
    {
        int header = FecCoding.HeaderLength(wire, false);
        var d = new byte[header + enc.Oti.T];
        if (wire.FecObjectId) Array.Copy(objectId, d, 32);
        FecCoding.WritePayloadId(wire, d, header - FecCoding.PayloadIdLength, sbn, esi);
        enc.Symbol(sbn, esi, d, header);
        return d;
    }

    [Theory]
    [InlineData("0.11")]
    [InlineData("0.9")]
    [InlineData("0.5")]
    public void Decodes_On_Its_Own_Thread_And_Stores_Without_Allocating(string profile)
    {
        WireProfile wire = WireProfile.Parse(profile)!;
        var oti = Oti.ForBlocks(300_000, 1024, 100);
        Assert.True(oti.Z > 1);
        var data = new byte[oti.F];
        new Random(7).NextBytes(data);
        var enc = new ObjectEncoder(oti, data, 0);
        var objectId = new byte[32];
        Blake3Hasher.Hash(data, 0, data.Length, objectId, 0);
        var otherId = (byte[])objectId.Clone();
        otherId[31] ^= 1;
        // Interleaved as lc share sends them, 30 % lost, prepared before measuring.
        var rnd = new Random(8);
        var stream = new System.Collections.Generic.List<byte[]>();
        for (int esi = 0; esi < 3 * oti.KL; esi++)
            for (int sbn = 0; sbn < oti.Z; sbn++)
                if (rnd.Next(100) >= 30) stream.Add(Datagram(wire, objectId, enc, sbn, esi));
        var bad = new byte[10];
        byte[] other = Datagram(wire, otherId, enc, 0, 0);

        using var receiver = wire == WireProfile.V0_5 ? new FetchReceiver(oti, 16) : new FetchReceiver(wire, oti, 16, wire.FecObjectId ? objectId : null);
        receiver.Offer(stream[0], 0, stream[0].Length); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < stream.Count; i++) receiver.Offer(stream[i], 0, stream[i].Length);
        receiver.Offer(bad, 0, bad.Length);
        receiver.Offer(other, 0, other.Length);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated on the receive thread by {stream.Count} symbols");

        var clock = Stopwatch.StartNew();
        while (!receiver.Complete && clock.ElapsedMilliseconds < 60_000) System.Threading.Thread.Sleep(10);
        Assert.True(receiver.Complete, $"not complete after 60 s: {receiver.Decoder.BlocksDone} of {oti.Z} blocks");
        Assert.True(receiver.Decoder.Result.AsSpan().SequenceEqual(data));
        Assert.Equal(1, receiver.Malformed);
        // On 0.11 a datagram of another object id is dropped (elsewhere it is the same symbol again).
        Assert.Equal(wire.FecObjectId ? 1 : 0, receiver.OtherObject);
        if (wire.FecObjectId) Assert.Equal(objectId, receiver.ObjectId);
        for (int sbn = 0; sbn < oti.Z; sbn++)
        {
            int k = oti.BlockSymbols(sbn);
            Assert.InRange(receiver.Decoder.BlockUsed(sbn), k, k + 16);
        }
    }
}
