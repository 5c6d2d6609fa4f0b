using System;
using System.Diagnostics;
using Librecast.Cli;
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
    private static byte[] Datagram(ObjectEncoder enc, int sbn, int esi)
    {
        var d = new byte[FecCoding.PayloadIdLength + enc.Oti.T];
        FecCoding.WritePayloadId(d, 0, sbn, esi);
        enc.Symbol(sbn, esi, d, FecCoding.PayloadIdLength);
        return d;
    }

    [Fact]
    public void Decodes_On_Its_Own_Thread_And_Stores_Without_Allocating()
    {
        var oti = Oti.ForBlocks(300_000, 1024, 100);
        Assert.True(oti.Z > 1);
        var data = new byte[oti.F];
        new Random(7).NextBytes(data);
        var enc = new ObjectEncoder(oti, data, 0);
        // Interleaved as lc share sends them, 30 % lost, prepared before measuring.
        var rnd = new Random(8);
        var stream = new System.Collections.Generic.List<byte[]>();
        for (int esi = 0; esi < 3 * oti.KL; esi++)
            for (int sbn = 0; sbn < oti.Z; sbn++)
                if (rnd.Next(100) >= 30) stream.Add(Datagram(enc, sbn, esi));
        var bad = new byte[10];

        using var receiver = new FetchReceiver(oti, 16);
        receiver.Offer(stream[0], 0, stream[0].Length); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < stream.Count; i++) receiver.Offer(stream[i], 0, stream[i].Length);
        receiver.Offer(bad, 0, bad.Length);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated on the receive thread by {stream.Count} symbols");

        var clock = Stopwatch.StartNew();
        while (!receiver.Complete && clock.ElapsedMilliseconds < 60_000) System.Threading.Thread.Sleep(10);
        Assert.True(receiver.Complete, $"not complete after 60 s: {receiver.Decoder.BlocksDone} of {oti.Z} blocks");
        Assert.True(receiver.Decoder.Result.AsSpan().SequenceEqual(data));
        Assert.Equal(1, receiver.Malformed);
        for (int sbn = 0; sbn < oti.Z; sbn++)
        {
            int k = oti.BlockSymbols(sbn);
            Assert.InRange(receiver.Decoder.BlockUsed(sbn), k, k + 16);
        }
    }
}
