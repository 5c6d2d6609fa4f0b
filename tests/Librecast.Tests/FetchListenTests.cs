using System;
using System.Collections.Generic;
using System.Threading;
using Librecast.Fec;
using Librecast.Files;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lc fetch's receive path over the veth pair (<see cref="FetchReceiver.Listen"/>, which lc fetch
/// calls): raw FEC datagrams on the batched listener, many per receive call, offered straight from
/// the buffers they were read into (opened there on a keyed 0.9 channel), nothing allocated per
/// datagram. Fails if the path falls back to one datagram per call, allocates per datagram, or
/// takes symbols for frames (the listener once counted every symbol malformed: fetch got none).
/// </summary>
[Collection(NetworkCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class FetchListenTests
{
    [Theory]
    [InlineData("0.11", false)]
    [InlineData("0.9", true)]
    [InlineData("0.5", false)]
    public void Symbols_Arrive_Many_Per_Receive_Call_And_Are_Offered_From_The_Read_Buffers_Allocating_Nothing(string profile, bool keyed)
    {
        Netns.Require();
        WireProfile wire = WireProfile.Parse(profile)!;
        var oti = Oti.ForBlocks(1_000_000, 1024, 100);
        var data = new byte[oti.F];
        new Random(11).NextBytes(data);
        var enc = new ObjectEncoder(oti, data, 0);
        var objectId = new byte[32];
        Blake3Hasher.Hash(data, 0, data.Length, objectId, 0);
        // Interleaved as lc share sends them, three times K, 30 % left out.
        var rnd = new Random(12);
        var stream = new List<byte[]>();
        for (int esi = 0; esi < 3 * oti.KL; esi++)
            for (int sbn = 0; sbn < oti.Z; sbn++)
                if (rnd.Next(100) >= 30) stream.Add(FetchReceiverTests.Datagram(wire, objectId, enc, sbn, esi));
        var key = new byte[32];
        new Random(13).NextBytes(key);

        string name = $"fetch/listen/{Guid.NewGuid():N}";
        var (rxCtx, rx, rxChan) = Endpoints.Open(Netns.RecvIf, name, join: false, wire);
        var (txCtx, _, txChan) = Endpoints.Open(Netns.SendIf, name, join: false, wire);
        using (rxCtx)
        using (txCtx)
        {
            if (keyed)
            {
                rxChan.SetKey(key);
                txChan.SetKey(key);
            }
            rxChan.Join();
            using var receiver = new FetchReceiver(wire, oti, 16, wire.FecObjectId ? objectId : null);

            // A burst queued in the socket before it listens: the first receive call must take
            // more than one of it (recvmmsg, or one buffer GRO coalesced).
            const int burst = 400, warm = 200;
            int sent = 0;
            for (; sent < burst; sent++) txChan.Send(stream[sent], 0, stream[sent].Length);
            Thread.Sleep(300);

            long baseline = 0, last = 0, atBaseline = 0, atLast = 0;
            int errors = 0;
            receiver.Listen(rx, e => Interlocked.Increment(ref errors), buffers =>
            {
                // The listener's thread, after each receive call's datagrams were offered.
                if (baseline == 0)
                {
                    if (receiver.Datagrams < warm) return;
                    atBaseline = receiver.Datagrams;
                    baseline = ThreadAllocations.Baseline();
                    return;
                }
                last = GC.GetAllocatedBytesForCurrentThread();
                atLast = receiver.Datagrams;
            });
            for (; sent < stream.Count && !receiver.Complete; sent++)
            {
                txChan.Send(stream[sent], 0, stream[sent].Length);
                if (sent % 100 == 99) Thread.Sleep(1); // below what one core can receive
            }
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!receiver.Complete && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Thread.Sleep(100);
            rx.ListenCancel();

            Assert.True(receiver.Complete, $"not complete: {receiver.Decoder.BlocksDone} of {oti.Z} blocks, {receiver.Datagrams} datagrams of {sent} sent, " +
                $"{receiver.Rejected} rejected, {receiver.Malformed} malformed, {rxCtx.Counters.KernelDrops} kernel drops");
            Assert.True(receiver.Decoder.Result.AsSpan().SequenceEqual(data));
            Assert.Equal(0, errors);
            Assert.Equal(0, receiver.Rejected);
            Assert.Equal(0, receiver.Malformed);
            Assert.Equal(0, receiver.OtherObject);
            Assert.True(receiver.MostPerReceive > 1, $"one datagram per receive call: {receiver.Datagrams} datagrams in {receiver.Receives} calls");
            Assert.True(receiver.Receives < receiver.Datagrams, $"{receiver.Datagrams} datagrams in {receiver.Receives} receive calls");
            Assert.True(atLast - atBaseline >= 500, $"only {atLast - atBaseline} datagrams measured after the warm-up ({receiver.Datagrams} in all)");
            Assert.True(last - baseline == 0, $"{last - baseline} bytes allocated on the listener's thread by {atLast - atBaseline} datagrams");
        }
    }
}
