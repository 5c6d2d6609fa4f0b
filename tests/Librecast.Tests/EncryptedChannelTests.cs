using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Librecast.Crypto;
using Librecast.Security;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Channel keys (librecast's SYMM coding) and the socket's replay window, wired into every send
/// and receive path, on the in-memory wire: what is sealed, what opens, what is rejected and
/// counted. The same against librecast C over the veth pair is in <see cref="SecretBoxInteropTests"/>.
/// </summary>
public class EncryptedChannelTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static (Context Ctx, Socket Socket, Channel Channel) Open(MemoryPlatform platform, string name, byte[]? key, bool join = true)
    {
        var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel(name);
        if (key != null) c.SetKey(key);
        s.Bind(c);
        if (join) c.Join();
        return (ctx, s, c);
    }

    [Fact]
    public void Raw_Framed_And_Published_Messages_Are_Sealed_On_The_Wire_And_Open_At_A_Keyed_Receiver()
    {
        var wire = new MemoryPlatform();
        var (rxCtx, rx, rxChan) = Open(wire, "enc/roundtrip", Key);
        var (txCtx, tx, txChan) = Open(wire, "enc/roundtrip", Key, join: false);
        using (rxCtx)
        using (txCtx)
        {
            byte[] payload = Encoding.UTF8.GetBytes("temperature 21.5");
            txChan.Send(payload, 0, payload.Length);
            txChan.SendMessage(payload, 0, payload.Length);
            tx.StartPublisher(new PublisherOptions { Capacity = 8, BufferSize = 128, StartThread = false });
            Assert.True(txChan.Publish(payload, 0, payload.Length));
            Assert.True(txChan.PublishRaw(payload, 0, payload.Length));
            tx.Publisher!.DoWork();

            Assert.Equal(4, wire.Sent.Count);
            int[] expected = { payload.Length + 40, Frame.HeaderSize + payload.Length + 40, Frame.HeaderSize + payload.Length + 40, payload.Length + 40 };
            Assert.Equal(expected, wire.Sent.Select(d => d.Length).ToArray());
            foreach (byte[] d in wire.Sent)
            {
                Assert.DoesNotContain("temperature", Encoding.Latin1.GetString(d)); // nothing in clear
                Assert.Equal(new byte[8], d[^8..]);                                // librecast's nonce tail
            }

            var m = new Message(2048);
            Assert.Equal(ReceiveResult.Ok, rx.Receive(m, 0));
            Assert.Equal(payload, m.ToPayloadArray());
            Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 0));
            Assert.Equal(payload, m.ToPayloadArray());
            Assert.Equal(1UL, m.Header.Sequence);
            Assert.Same(rxChan, m.Channel);
            Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 0));
            Assert.Equal(payload, m.ToPayloadArray());
            Assert.Equal(2UL, m.Header.Sequence); // the publisher stamps before sealing: seq is authenticated
            Assert.Equal(ReceiveResult.Ok, rx.Receive(m, 0));
            Assert.Equal(payload, m.ToPayloadArray());
            Assert.Equal(4, rxCtx.Counters.Received);
            Assert.Equal(0, rxCtx.Counters.Unauthenticated);
            Assert.True(rxChan.Encrypted);
        }
    }

    [Fact]
    public void Wrong_Key_Clear_Text_Short_And_Every_Single_Bit_Flip_Are_Rejected_And_Counted()
    {
        var wire = new MemoryPlatform();
        var (rxCtx, rx, rxChan) = Open(wire, "enc/reject", Key);
        using (rxCtx)
        using (var box = new SecretBox(Key))
        using (var other = new SecretBox(RandomNumberGenerator.GetBytes(32)))
        {
            byte[] group = new byte[16];
            rxChan.CopyGroupTo(group, 0);
            byte[] frame = new byte[Frame.HeaderSize + 5];
            Frame.Encode(frame, 0, 1, 1, 2, Opcode.Data, Encoding.UTF8.GetBytes("hello"), 0, 5);
            byte[] sealedFrame = new byte[frame.Length + 40];
            box.Seal(frame, 0, frame.Length, sealedFrame, 0, wire);
            byte[] wrongKey = new byte[frame.Length + 40];
            other.Seal(frame, 0, frame.Length, wrongKey, 0, wire);

            var bad = new List<byte[]> { frame, wrongKey, new byte[40], new byte[41], new byte[1] };
            for (int bit = 0; bit < sealedFrame.Length * 8; bit++)
            {
                byte[] flipped = (byte[])sealedFrame.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                bad.Add(flipped);
            }
            var m = new Message(2048);
            foreach (byte[] d in bad)
            {
                wire.Inject(d, group, 4242);
                Assert.Equal(ReceiveResult.Unauthenticated, rx.ReceiveMessage(m, 0));
            }
            Assert.Equal(bad.Count, rxCtx.Counters.Unauthenticated);
            Assert.Equal(0, rxCtx.Counters.Received);

            wire.Inject(sealedFrame, group, 4242); // the untouched original still opens
            Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 0));
            Assert.Equal("hello", Encoding.UTF8.GetString(m.ToPayloadArray()));
            Assert.Contains("unauthenticated=" + bad.Count, rxCtx.Counters.ToString());
        }
    }

    [Fact]
    public void Clearing_The_Key_Sends_And_Accepts_Clear_Text_Again_And_A_Bad_Key_Is_Refused()
    {
        var wire = new MemoryPlatform();
        var (ctx, _, c) = Open(wire, "enc/clear", Key, join: false);
        using (ctx)
        {
            Assert.Throws<ArgumentException>(() => c.SetKey(new byte[31]));
            Assert.True(c.Encrypted); // a refused key leaves the old one in place
            c.ClearKey();
            Assert.False(c.Encrypted);
            c.Send(new byte[] { 1, 2, 3 }, 0, 3);
            Assert.Equal(new byte[] { 1, 2, 3 }, wire.Sent[^1]);
        }
    }

    [Fact]
    public void Encrypted_Payload_Limits_Leave_Room_For_The_40_Bytes()
    {
        var wire = new MemoryPlatform();
        var (ctx, s, c) = Open(wire, "enc/limits", Key, join: false);
        using (ctx)
        {
            byte[] big = new byte[Frame.MaxDatagram];
            c.Send(big, 0, SecretBox.MaxPlaintext);
            Assert.Equal(Frame.MaxDatagram, wire.Sent[^1].Length);
            Assert.Throws<ArgumentOutOfRangeException>(() => c.Send(big, 0, SecretBox.MaxPlaintext + 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => c.SendMessage(big, 0, SecretBox.MaxPlaintext - Frame.HeaderSize + 1));
            s.StartPublisher(new PublisherOptions { Capacity = 4, BufferSize = 128, StartThread = false });
            Assert.True(c.Publish(big, 0, 128 - Frame.HeaderSize - 40));
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => c.Publish(big, 0, 128 - Frame.HeaderSize - 39));
            Assert.Contains("encrypted", e.Message);
        }
    }

    [Fact]
    public void Encrypted_Publishing_Allocates_Nothing_Per_Message()
    {
        var platform = new NullPlatform();
        using var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("enc/alloc");
        c.SetKey(Key);
        s.Bind(c);
        Publisher p = s.StartPublisher(new PublisherOptions { Capacity = 256, BufferSize = 256, BatchSize = 64, StartThread = false });
        byte[] payload = new byte[64];
        for (int i = 0; i < 1000; i++) { c.Publish(payload, 0, 64); if ((i & 63) == 63) p.DoWork(); } // warm up
        while (p.DoWork() > 0) { }
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 100_000; i++) { c.Publish(payload, 0, 64); if ((i & 63) == 63) p.DoWork(); }
        while (p.DoWork() > 0) { }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(101_000, platform.Datagrams);
        Assert.Equal(101_000L * (Frame.HeaderSize + 64 + 40), platform.Bytes);
    }

    [Fact]
    public void Replay_Window_Rejects_Replays_Counts_Gaps_Refuses_Stale_And_Sees_A_Restart()
    {
        var wire = new MemoryPlatform();
        var (rxCtx, rx, rxChan) = Open(wire, "enc/replay", Key, join: false);
        var (txCtx, _, txChan) = Open(wire, "enc/replay", Key, join: false);
        using (rxCtx)
        using (txCtx)
        {
            var window = new ReplayWindow(16, 128, 30UL * 1_000_000_000, 5UL * 1_000_000_000);
            rx.ReplayWindow = window;
            var m = new Message(2048);
            byte[] p = { 42 };
            byte[] group = new byte[16];
            txChan.CopyGroupTo(group, 0);
            for (int i = 0; i < 5; i++) { wire.Now += 1_000_000; txChan.SendMessage(p, 0, 1); }
            byte[][] sent = wire.Sent.ToArray(); // five sealed frames, seq 1..5; nobody had joined yet
            rxChan.Join();

            ReceiveResult Deliver(byte[] d) { wire.Inject(d, group, 4242); return rx.ReceiveMessage(m, 0); }

            foreach (int i in new[] { 0, 1, 4 }) Assert.Equal(ReceiveResult.Ok, Deliver(sent[i])); // 3 and 4 lost on the way
            Assert.Equal(2, window.Lost);
            Assert.Equal(ReceiveResult.Replayed, Deliver(sent[1]));                    // a replay of seq 2
            Assert.Equal(ReplayVerdict.Duplicate, m.Replay);
            Assert.Equal(ReceiveResult.Ok, Deliver(sent[2]));                          // seq 3 arrives late
            Assert.Equal(ReplayVerdict.Reordered, m.Replay);
            Assert.Equal(1, window.Lost);
            Assert.Equal(ReceiveResult.Replayed, Deliver(sent[2]));

            // A forged clear-text frame claiming a huge seq never reaches the window.
            byte[] forged = new byte[Frame.HeaderSize + 1];
            Frame.Encode(forged, 0, wire.Now, 1UL << 62, 0, Opcode.Data, p, 0, 1);
            Assert.Equal(ReceiveResult.Unauthenticated, Deliver(forged));
            Assert.Equal(1, window.Lost);

            wire.Now += 60UL * 1_000_000_000;                                           // a minute later
            Assert.Equal(ReceiveResult.Replayed, Deliver(sent[3]));                    // seq 4 replayed: too old now
            Assert.Equal(ReplayVerdict.Stale, m.Replay);

            // The sender restarts (a new process: seq from 1, a newer clock): accepted as a restart.
            var (tx2Ctx, _, tx2Chan) = Open(wire, "enc/replay", Key, join: false);
            using (tx2Ctx)
            {
                int before = wire.Sent.Count;
                tx2Chan.SendMessage(p, 0, 1);
                Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 0));
                Assert.Equal(1UL, m.Header.Sequence);
                Assert.Equal(ReplayVerdict.Restarted, m.Replay);
                Assert.Equal(before + 1, wire.Sent.Count);
            }
            Assert.Equal(3, rxCtx.Counters.Replayed);
            Assert.Equal(1, rxCtx.Counters.Unauthenticated);
            Assert.Equal(5, rxCtx.Counters.Received);
            Assert.Equal(1, window.Restarts);
        }
    }

    [Fact]
    public void A_Replay_From_A_Spoofed_Source_Passes_The_Window_But_Not_The_Nonce_Filter()
    {
        var wire = new MemoryPlatform();
        var (rxCtx, rx, rxChan) = Open(wire, "enc/spoof", Key, join: false);
        var (txCtx, _, txChan) = Open(wire, "enc/spoof", Key, join: false);
        using (rxCtx)
        using (txCtx)
        {
            var window = new ReplayWindow(16);
            rx.ReplayWindow = window;
            byte[] group = new byte[16];
            txChan.CopyGroupTo(group, 0);
            for (int i = 0; i < 3; i++) txChan.SendMessage(new byte[] { 1 }, 0, 1);
            byte[][] sent = wire.Sent.ToArray();
            rxChan.Join();
            var m = new Message(256);
            ReceiveResult Deliver(byte[] d, int sourcePort) { wire.Inject(d, group, 4242, sourcePort); return rx.ReceiveMessage(m, 0); }

            foreach (byte[] d in sent) Assert.Equal(ReceiveResult.Ok, Deliver(d, 4242));
            // Without the filter: the same captured message from another source port is "a new sender".
            Assert.Equal(ReceiveResult.Ok, Deliver(sent[0], 5000));
            Assert.Equal(ReplayVerdict.New, m.Replay);

            rx.NonceFilter = new NonceFilter(64);
            foreach (byte[] d in sent) Assert.Equal(ReceiveResult.Replayed, Deliver(d, 4242)); // the window catches these
            Assert.Equal(0, rx.NonceFilter.Seen);
            txChan.SendMessage(new byte[] { 2 }, 0, 1);
            byte[] fresh = wire.Sent[^1];
            Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 0));          // a new message: fine
            Assert.Equal(ReceiveResult.Replayed, Deliver(fresh, 6000));       // replayed from a spoofed source
            Assert.Equal(ReplayVerdict.Duplicate, m.Replay);
            Assert.Equal(1, rx.NonceFilter.Repeats);
            Assert.Equal(4, rxCtx.Counters.Replayed);
        }
    }

    [Fact]
    public void Nonce_Filter_Remembers_At_Least_Its_Capacity_And_Allocates_Nothing()
    {
        var filter = new NonceFilter(100);
        var rng = new Random(5);
        var history = new List<ulong>();
        for (int i = 0; i < 5000; i++)
        {
            ulong n = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
            Assert.True(filter.Add(n));
            history.Add(n);
            int back = rng.Next(0, Math.Min(100, history.Count));
            Assert.False(filter.Add(history[^(back + 1)]), $"nonce {back} back forgotten at step {i}");
        }
        Assert.True(filter.Add(history[0])); // long gone: the bound is 2 x capacity
        Assert.True(filter.Add(0));  // nonce 0 is a nonce like any other
        Assert.False(filter.Add(0));
        long before = ThreadAllocations.Baseline();
        for (ulong i = 1; i < 100_000; i++) filter.Add(i * 0x9E3779B97F4A7C15UL);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
