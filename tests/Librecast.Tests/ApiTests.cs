using System;
using System.Threading;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>The context/socket/channel/message model on an in-memory wire.</summary>
public class ApiTests
{
    private static (Context Ctx, MemoryPlatform Platform, Socket Socket, Channel Channel) Bound(string name = "test/chan")
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform);
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel(name);
        s.Bind(c);
        return (ctx, platform, s, c);
    }

    [Fact]
    public void Framed_Sends_Number_From_One_With_A_Fresh_Nonce_Each()
    {
        var (ctx, platform, _, c) = Bound();
        byte[] p = "x"u8.ToArray();
        for (int i = 0; i < 3; i++) c.SendMessage(p, 0, 1);
        var h = new FrameHeader();
        var nonces = new System.Collections.Generic.HashSet<ulong>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(platform.Sent[i], 0, platform.Sent[i].Length, h));
            Assert.Equal((ulong)(i + 1), h.Sequence);
            Assert.Equal(platform.Now, h.Timestamp);
            nonces.Add(h.Random);
        }
        Assert.Equal(3, nonces.Count); // librecast draws a new rnd per message
        Assert.Equal(3UL, c.Sequence);
        Assert.Equal(3, ctx.Counters.Sent);
    }

    [Fact]
    public void Raw_Send_Puts_Exactly_The_Payload_On_The_Wire()
    {
        var (_, platform, _, c) = Bound();
        c.Send("hello"u8.ToArray(), 0, 5);
        Assert.Equal("hello"u8.ToArray(), platform.Sent[0]);
    }

    [Fact]
    public void Socket_Applies_Librecast_Defaults()
    {
        var (_, _, s, _) = Bound();
        Assert.Equal(255, s.HopLimit);
        Assert.False(s.Loopback);
        Assert.Equal(0, s.InterfaceIndex);
    }

    [Fact]
    public void Sending_Or_Joining_An_Unbound_Channel_Says_What_To_Do()
    {
        var ctx = new Context(new MemoryPlatform());
        Channel c = ctx.CreateChannel("lonely");
        var e = Assert.Throws<LibrecastException>(() => c.SendMessage(new byte[1], 0, 1));
        Assert.Contains("'lonely'", e.Message);
        Assert.Contains("Socket.Bind", e.Message);
        Assert.Throws<LibrecastException>(() => c.Join());
    }

    [Fact]
    public void A_Joined_Receiver_Gets_The_Message_With_Its_Header()
    {
        var (ctx, _, rx, rxChan) = Bound("sensors/a");
        rxChan.Join();
        Socket tx = ctx.CreateSocket();
        Channel txChan = ctx.CreateChannel("sensors/a");
        tx.Bind(txChan);
        txChan.SendMessage("21.5"u8.ToArray(), 0, 4);

        var m = new Message(1500);
        Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 1000));
        Assert.Equal("21.5", System.Text.Encoding.UTF8.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
        Assert.Equal(1UL, m.Header.Sequence);
        Assert.Same(rxChan, m.Channel);
        Assert.Equal(1, ctx.Counters.Received);
    }

    [Fact]
    public void Malformed_Datagrams_Are_Rejected_And_Counted_Not_Thrown()
    {
        var (ctx, platform, rx, c) = Bound();
        c.Join();
        byte[] group = new byte[16];
        c.CopyGroupTo(group, 0);
        platform.Inject(new byte[5], group, 4242);
        byte[] lying = new byte[40];
        Frame.WriteHeader(lying, 0, 0, 1, 0, Opcode.Data, 99);
        platform.Inject(lying, group, 4242);

        var m = new Message(1500);
        Assert.Equal(ReceiveResult.Malformed, rx.ReceiveMessage(m, 1000));
        Assert.Equal(FrameStatus.TooShort, m.Status);
        Assert.Equal(ReceiveResult.Malformed, rx.ReceiveMessage(m, 1000));
        Assert.Equal(FrameStatus.LengthMismatch, m.Status);
        Assert.Equal(ReceiveResult.Timeout, rx.ReceiveMessage(m, 10));
        Assert.Equal(2, ctx.Counters.Malformed);
        Assert.Equal(0, ctx.Counters.Received);
    }

    [Fact]
    public void Oversized_Datagrams_Are_Counted_As_Truncated()
    {
        var (ctx, platform, rx, c) = Bound();
        c.Join();
        byte[] group = new byte[16];
        c.CopyGroupTo(group, 0);
        platform.Inject(new byte[200], group, 4242);
        Assert.Equal(ReceiveResult.Truncated, rx.ReceiveMessage(new Message(100), 1000));
        Assert.Equal(1, ctx.Counters.Truncated);
    }

    [Fact]
    public void Parted_Channel_Hears_Nothing_More()
    {
        var (ctx, platform, rx, c) = Bound();
        c.Join();
        c.Part();
        Socket tx = ctx.CreateSocket();
        Channel t = ctx.CreateChannel(c.Name!);
        tx.Bind(t);
        t.SendMessage(new byte[3], 0, 3);
        Assert.Equal(ReceiveResult.Timeout, rx.ReceiveMessage(new Message(100), 50));
        Assert.False(c.Joined);
    }

    [Fact]
    public void Listen_Delivers_Until_Cancelled()
    {
        var (ctx, _, rx, c) = Bound();
        c.Join();
        int got = 0;
        using var three = new CountdownEvent(3);
        rx.Listen(m => { Interlocked.Increment(ref got); three.Signal(); }, null, null, 1500);
        Assert.True(rx.IsListening);
        Socket tx = ctx.CreateSocket();
        Channel t = ctx.CreateChannel(c.Name!);
        tx.Bind(t);
        for (int i = 0; i < 3; i++) t.SendMessage(new byte[1], 0, 1);
        Assert.True(three.Wait(5000, TestContext.Current.CancellationToken), "listener did not deliver 3 messages");
        Assert.Throws<LibrecastException>(() => rx.ReceiveMessage(new Message(100), 0)); // one receiver per socket
        rx.ListenCancel();
        Assert.False(rx.IsListening);
        t.SendMessage(new byte[1], 0, 1);
        Thread.Sleep(200);
        Assert.Equal(3, got);
    }

    [Fact]
    public void A_Failed_Receive_Is_Counted_Even_With_No_Error_Handler_And_Listening_Goes_On()
    {
        var (ctx, platform, rx, c) = Bound();
        c.Join();
        platform.FailReceives = 2;
        using var one = new ManualResetEventSlim();
        rx.Listen(m => one.Set(), null, null, 1500); // no onError: the failures must still show
        Socket tx = ctx.CreateSocket();
        Channel t = ctx.CreateChannel(c.Name!);
        tx.Bind(t);
        t.SendMessage(new byte[1], 0, 1);
        Assert.True(one.Wait(5000, TestContext.Current.CancellationToken), "the listener stopped after the failed receives");
        rx.ListenCancel();
        Assert.Equal(2, ctx.Counters.ReceiveErrors);
        Assert.Contains("receive_errors=2", ctx.Counters.ToString());
    }

    [Fact]
    public void Channel_From_Group_Keeps_Address_And_Port()
    {
        var ctx = new Context(new MemoryPlatform());
        byte[] g = Convert.FromHexString("ff1e00000000000000000000000000aa");
        Channel c = ctx.CreateChannelForGroup(g, 0, 5000);
        Assert.Equal("ff1e::aa", c.Address);
        Assert.Equal(5000, c.Port);
        Assert.Null(c.Name);
        Assert.Throws<ArgumentException>(() => ctx.CreateChannelForGroup(Convert.FromHexString("20010db8000000000000000000000001"), 0, 4242));
    }

    [Fact]
    public void A_Socket_Binds_One_Port()
    {
        var ctx = new Context(new MemoryPlatform());
        Socket s = ctx.CreateSocket();
        s.Bind(ctx.CreateChannel("a"));
        var e = Assert.Throws<LibrecastException>(() => s.Bind(ctx.CreateChannelForGroup(Convert.FromHexString("ff1e00000000000000000000000000aa"), 0, 5000)));
        Assert.Contains("port", e.Message);
    }

    [Fact]
    public void Disposing_The_Context_Closes_Its_Sockets()
    {
        var (ctx, _, s, c) = Bound();
        c.Join();
        ctx.Dispose();
        Assert.Null(c.Socket);
        Assert.Throws<ObjectDisposedException>(() => s.ReceiveMessage(new Message(100), 0));
    }
}
