using System;
using Librecast.Security;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>The receive pipeline's decisions, made on bytes and metadata alone: no socket, no transport.</summary>
public class DatagramClassifierTests
{
    private static readonly byte[] Key = new byte[32];

    private static (Context, DatagramClassifier, Channel, Channel) Setup()
    {
        var ctx = new Context(new NullPlatform());
        var classifier = new DatagramClassifier(ctx);
        return (ctx, classifier, ctx.CreateChannel("classify/a"), ctx.CreateChannel("classify/b"));
    }

    // A framed datagram in message.Buffer, addressed to channel's group.
    private static Message Arriving(Channel to, byte op, ulong seq, string payload, Channel? sealWith = null)
    {
        var m = new Message(2048);
        byte[] p = System.Text.Encoding.UTF8.GetBytes(payload);
        int n = Frame.Encode(m.Buffer, 0, 1_795_000_000_000_000_000, seq, 0x0102030405060708UL + seq, (Opcode)op, p, 0, p.Length);
        if (sealWith != null)
        {
            var box = new Librecast.Crypto.SecretBox(Key, 0, 32);
            byte[] sealedBytes = new byte[n + 40];
            n = box.Seal(m.Buffer, 0, n, sealedBytes, 0, new NullPlatform());
            Array.Copy(sealedBytes, m.Buffer, n);
        }
        m.Length = n;
        to.CopyGroupTo(m.Info.Destination, 0);
        m.Info.HasDestination = true;
        m.Info.SourcePort = 4242;
        m.Info.Source[0] = 0xfe; m.Info.Source[1] = 0x80; m.Info.Source[15] = 1;
        return m;
    }

    [Fact]
    public void A_Frame_For_A_Bound_Channel_Is_Accepted_And_Attributed()
    {
        var (ctx, classifier, a, b) = Setup();
        using (ctx)
        {
            Message m = Arriving(b, 0, 1, "hello");
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(m, m.Length, true, new[] { a, b }));
            Assert.Same(b, m.Channel);
            Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            Assert.Equal(1, ctx.Counters.Received);
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(255)]
    public void Unnamed_Opcodes_Are_Delivered_With_Their_Value(int op)
    {
        var (ctx, classifier, a, _) = Setup();
        using (ctx)
        {
            Message m = Arriving(a, (byte)op, 1, "x");
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(m, m.Length, true, new[] { a }));
            Assert.Equal(op, (int)m.Header.Op);
        }
    }

    [Fact]
    public void Other_Groups_Are_Filtered_Cut_Datagrams_Truncated_Junk_Malformed()
    {
        var (ctx, classifier, a, b) = Setup();
        using (ctx)
        {
            Message other = Arriving(b, 0, 1, "x");
            Assert.Equal(ReceiveResult.Filtered, classifier.Classify(other, other.Length, true, new[] { a }));
            Message cut = Arriving(a, 0, 1, "x");
            cut.Info.Truncated = true;
            Assert.Equal(ReceiveResult.Truncated, classifier.Classify(cut, cut.Length, true, new[] { a }));
            Message junk = Arriving(a, 0, 1, "x");
            Assert.Equal(ReceiveResult.Malformed, classifier.Classify(junk, 20, true, new[] { a }));
            Assert.Equal(FrameStatus.TooShort, junk.Status);
            Message raw = Arriving(a, 0, 1, "x");
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(raw, 20, false, new[] { a }));
            Assert.Equal(20, raw.PayloadLength);
            Assert.Equal(1, ctx.Counters.Filtered);
            Assert.Equal(1, ctx.Counters.Truncated);
            Assert.Equal(2, ctx.Counters.Malformed);
            Assert.Equal(1, ctx.Counters.Received);
        }
    }

    [Fact]
    public void Encrypted_Channel_Opens_In_Place_And_Refuses_Clear_Text()
    {
        var (ctx, classifier, a, _) = Setup();
        using (ctx)
        {
            a.SetKey(Key);
            Message sealedOne = Arriving(a, 0, 1, "secret", sealWith: a);
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(sealedOne, sealedOne.Length, true, new[] { a }));
            Assert.Equal("secret", System.Text.Encoding.UTF8.GetString(sealedOne.Buffer, sealedOne.PayloadOffset, sealedOne.PayloadLength));
            Message clear = Arriving(a, 0, 2, "forged");
            Assert.Equal(ReceiveResult.Unauthenticated, classifier.Classify(clear, clear.Length, true, new[] { a }));
            Assert.Equal(1, ctx.Counters.Unauthenticated);
        }
    }

    [Fact]
    public void Without_A_Destination_The_One_Joined_Channel_Takes_The_Datagram()
    {
        // As on nanoFramework, whose sockets report no destination: the ESP32 node binds its
        // telemetry channel (to send) and its command channel (joined), both keyed.
        var (ctx, classifier, telemetry, commands) = Setup();
        using (ctx)
        {
            telemetry.SetKey(Key);
            commands.SetKey(Key);
            using var socket = ctx.CreateSocket();
            socket.Bind(telemetry);
            socket.Bind(commands);
            var bound = new[] { telemetry, commands };
            Message m = Arriving(commands, 0, 1, "interval 3", sealWith: commands);
            m.Info.HasDestination = false;
            Assert.Equal(ReceiveResult.Unauthenticated, classifier.Classify(m, m.Length, true, bound)); // none joined: cannot tell
            commands.Join();
            m = Arriving(commands, 0, 2, "interval 3", sealWith: commands);
            m.Info.HasDestination = false;
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(m, m.Length, true, bound));
            Assert.Same(commands, m.Channel);
            Assert.Equal("interval 3", System.Text.Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
            m = Arriving(commands, 0, 3, "interval 3"); // in clear: refused
            m.Info.HasDestination = false;
            Assert.Equal(ReceiveResult.Unauthenticated, classifier.Classify(m, m.Length, true, bound));
            telemetry.Join(); // two joined: no attribution, and on keyed channels no delivery
            m = Arriving(commands, 0, 4, "interval 3", sealWith: commands);
            m.Info.HasDestination = false;
            Assert.Equal(ReceiveResult.Unauthenticated, classifier.Classify(m, m.Length, true, bound));
        }
    }

    [Fact]
    public void Replay_Window_Rejects_A_Repeated_Sequence()
    {
        var (ctx, classifier, a, _) = Setup();
        using (ctx)
        {
            classifier.ReplayWindow = new ReplayWindow(16);
            Message first = Arriving(a, 0, 5, "x");
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(first, first.Length, true, new[] { a }));
            Message again = Arriving(a, 0, 5, "x");
            Assert.Equal(ReceiveResult.Replayed, classifier.Classify(again, again.Length, true, new[] { a }));
            Assert.Equal(ReplayVerdict.Duplicate, again.Replay);
            Assert.Equal(1, ctx.Counters.Replayed);
        }
    }

    // The frame (ts, seq, rnd) to channel `to`, arriving on interface `via` from fe80::`source`.
    private static Message Copy(Channel to, ulong ts, ulong seq, ulong rnd, int via, byte source = 1)
    {
        var m = new Message(2048);
        byte[] p = { 0x61 };
        m.Length = Frame.Encode(m.Buffer, 0, ts, seq, rnd, Opcode.Data, p, 0, 1);
        to.CopyGroupTo(m.Info.Destination, 0);
        m.Info.HasDestination = true;
        m.Info.SourcePort = 4242;
        m.Info.Source[0] = 0xfe; m.Info.Source[1] = 0x80; m.Info.Source[15] = source;
        m.Info.InterfaceIndex = via;
        return m;
    }

    [Fact]
    public void A_Frame_Arriving_Again_On_Another_Interface_Is_A_Duplicate_Counted_Not_Delivered()
    {
        var (ctx, classifier, a, _) = Setup();
        using (ctx)
        {
            Channel[] bound = { a };
            const ulong ts = 1_795_000_000_000_000_000, rnd = 0x1122334455667788;
            Message first = Copy(a, ts, 1, rnd, via: 2, source: 1);
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(first, first.Length, true, bound));
            // The copies an unbound 0.9+ sender puts on its other interfaces: their own source addresses.
            Message second = Copy(a, ts, 1, rnd, via: 3, source: 2);
            Assert.Equal(ReceiveResult.Duplicate, classifier.Classify(second, second.Length, true, bound));
            Message third = Copy(a, ts, 1, rnd, via: 5, source: 3);
            Assert.Equal(ReceiveResult.Duplicate, classifier.Classify(third, third.Length, true, bound));
            Assert.Equal(1, ctx.Counters.Received);
            Assert.Equal(2, ctx.Counters.Duplicates);
            Assert.Contains("duplicates=2", ctx.Counters.ToString());
            // The same frame again on the first interface is not an interface copy: delivered (a
            // replay window, if set, judges it).
            Message again = Copy(a, ts, 1, rnd, via: 2, source: 1);
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(again, again.Length, true, bound));
            // Raw receives have no header to compare: never filtered.
            Message raw = Copy(a, ts, 1, rnd, via: 3, source: 2);
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(raw, raw.Length, false, bound));
            Assert.Equal(2, ctx.Counters.Duplicates);
        }
    }

    [Fact]
    public void Distinct_Messages_Are_Never_Taken_For_Copies()
    {
        var (ctx, classifier, a, b) = Setup();
        using (ctx)
        {
            Channel[] bound = { a, b };
            const ulong ts = 1_795_000_000_000_000_000, rnd = 0x1122334455667788;
            var arrivals = new[]
            {
                Copy(a, ts, 1, rnd, 2),
                Copy(a, ts, 1, rnd + 1, 3),  // another sender's seq 1, same clock reading
                Copy(a, ts, 2, rnd, 3),      // same rnd, next seq
                Copy(a, ts + 1, 1, rnd, 3),  // another clock reading
                Copy(b, ts, 1, rnd, 3),      // the same header on another channel
            };
            foreach (Message m in arrivals) Assert.Equal(ReceiveResult.Ok, classifier.Classify(m, m.Length, true, bound));
            Assert.Equal(0, ctx.Counters.Duplicates);
            Assert.Equal(arrivals.Length, ctx.Counters.Received);
        }
    }

    [Fact]
    public void Copies_Are_Dropped_Before_The_Replay_Window_Sees_Another_Source_And_Not_With_The_Filter_Off()
    {
        var (ctx, classifier, a, _) = Setup();
        using (ctx)
        {
            Channel[] bound = { a };
            classifier.ReplayWindow = new ReplayWindow(16, ReplayWindow.DefaultWindowSize, 0, 0);
            Message first = Copy(a, 1_795_000_000_000_000_000, 7, 42, 2, source: 1);
            Message copy = Copy(a, 1_795_000_000_000_000_000, 7, 42, 3, source: 2);
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(first, first.Length, true, bound));
            Assert.Equal(ReceiveResult.Duplicate, classifier.Classify(copy, copy.Length, true, bound));
            Assert.Equal(0, ctx.Counters.Replayed);

            classifier.CopyFilter = null;
            classifier.ReplayWindow = null;
            copy = Copy(a, 1_795_000_000_000_000_000, 7, 42, 3, source: 2);
            Assert.Equal(ReceiveResult.Ok, classifier.Classify(copy, copy.Length, true, bound));
            Assert.Equal(1, ctx.Counters.Duplicates);
        }
    }

    [Fact]
    public void Copy_Filter_Remembers_Its_Capacity_Of_Distinct_Frames_And_Allocates_Nothing()
    {
        var filter = new CopyFilter(4);
        Assert.False(filter.IsCopy(1, 10, 1, 100, 2));
        for (ulong seq = 2; seq <= 4; seq++) Assert.False(filter.IsCopy(1, 10, seq, 100 + seq, 2));
        Assert.True(filter.IsCopy(1, 10, 1, 100, 3)); // still within the last 4
        Assert.False(filter.IsCopy(1, 10, 5, 105, 2)); // pushes seq 1 out
        Assert.False(filter.IsCopy(1, 10, 1, 100, 3)); // too late: delivered, as librecast delivers every copy
        Assert.Throws<ArgumentOutOfRangeException>(() => new CopyFilter(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CopyFilter(96)); // a power of two

        var big = new CopyFilter(CopyFilter.DefaultCapacity);
        for (ulong i = 0; i < 300; i++) big.IsCopy(1, i, i, i * 0x9E3779B97F4A7C15UL, 2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong i = 300; i < 1300; i++)
        {
            big.IsCopy(1, i, i, i * 0x9E3779B97F4A7C15UL, 2);
            Assert.True(big.IsCopy(1, i, i, i * 0x9E3779B97F4A7C15UL, 3));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Copy_Filter_Agrees_With_A_Plain_List_Of_The_Last_Frames()
    {
        // Random traffic: new frames (some sharing seq, rnd or ts with others), copies of recent
        // and of forgotten frames on other interfaces, repeats on the same interface; the filter
        // must say what a list of the last 16 distinct frames says, every time.
        const int capacity = 16;
        var filter = new CopyFilter(capacity);
        var model = new System.Collections.Generic.List<(int C, ulong Ts, ulong Seq, ulong Rnd, int If)>();
        var random = new Random(20261206);
        var sent = new System.Collections.Generic.List<(int C, ulong Ts, ulong Seq, ulong Rnd)>();
        int copies = 0;
        for (int i = 0; i < 200_000; i++)
        {
            (int C, ulong Ts, ulong Seq, ulong Rnd) frame;
            if (sent.Count > 0 && random.Next(3) == 0) frame = sent[sent.Count - 1 - random.Next(Math.Min(sent.Count, 3 * capacity))];
            else
            {
                frame = (random.Next(2), (ulong)random.Next(4), (ulong)random.Next(8), (ulong)random.Next(64));
                sent.Add(frame);
            }
            int via = random.Next(1, 4);
            int found = model.FindIndex(e => (e.C, e.Ts, e.Seq, e.Rnd) == frame);
            bool expected = found >= 0 && model[found].If != via;
            if (found < 0)
            {
                model.Add((frame.C, frame.Ts, frame.Seq, frame.Rnd, via));
                if (model.Count > capacity) model.RemoveAt(0);
            }
            Assert.Equal(expected, filter.IsCopy(frame.C, frame.Ts, frame.Seq, frame.Rnd, via));
            if (expected) copies++;
        }
        Assert.True(copies > 10_000, "the generator made too few copies: " + copies);
    }
}
