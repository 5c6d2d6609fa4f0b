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
}
