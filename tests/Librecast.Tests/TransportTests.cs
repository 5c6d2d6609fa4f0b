using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using Librecast.Sockets;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The Linux transport at the kernel's limit, against the real librecast 0.5.1 C peers inside the
/// test namespace: UDP GSO sends (framed, raw, encrypted, IPv4-mapped; the fallback when the kernel
/// refuses), GRO receives split in place, librecast's receive semantics (any opcode, NUL-terminated
/// names, joins on every interface, nanosecond per-message timestamps).
/// </summary>
[Collection(NetworkCollection.Name)]
public class TransportTests
{
    private static string Unique(string what) => $"transport/{what}/{Guid.NewGuid():N}";

    private static Dictionary<string, string> Fields(string line) => CPeer.Fields(line);

    private static byte[] PayloadOf(int i, int size)
    {
        byte[] p = new byte[size];
        for (int b = 0; b < size; b++) p[b] = (byte)(i + b);
        return p;
    }

    // Opens a sender on lc0 with a publisher drained by hand (one DoWork per 64 messages, as lc).
    private static (Context, Socket, Channel, UdpTransport) Sender(string name, bool ipv4 = false, byte[]? key = null)
    {
        var ctx = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        Socket s = ctx.CreateSocket();
        s.Bind(Interfaces.Resolve(Netns.SendIf));
        Channel c = ipv4 ? ctx.CreateIpv4Channel(name) : ctx.CreateChannel(name);
        s.Bind(c);
        if (key != null) c.SetKey(key);
        s.StartPublisher(new PublisherOptions { Capacity = 1024, BufferSize = 4096, StartThread = false, Policy = OverflowPolicy.Block });
        return (ctx, s, c, (UdpTransport)s.Transport);
    }

    // Publishes in batches of 64 (one GSO send each), pausing between them: the C receivers keep
    // the kernel's default 208 KiB receive buffer and print every message, so a flood overflows
    // them (counted by the kernel as Udp6RcvbufErrors), which is not what these tests are about.
    private static void Publish(Socket s, Channel c, int count, int size, bool raw = false, int pauseMs = 10)
    {
        for (int i = 0; i < count; i++)
        {
            byte[] p = PayloadOf(i, size);
            if (raw) Assert.True(c.PublishRaw(p, 0, p.Length));
            else Assert.True(c.Publish(p, 0, p.Length));
            if ((i & 63) == 63)
            {
                s.Publisher!.DoWork();
                if (pauseMs > 0) Thread.Sleep(pauseMs);
            }
        }
        while (s.Publisher!.DoWork() > 0) { }
    }

    [Fact]
    public void Gso_Sends_Framed_Messages_That_Librecast_Receives_Numbered_In_Order()
    {
        Netns.Require();
        string name = Unique("gso-framed");
        const int n = 640;
        using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"recv {Netns.RecvIf} {name} {n} 20");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, s, c, transport) = Sender(name);
        using (ctx)
        {
            Assert.True(transport.Gso, "the kernel refused UDP_SEGMENT at start");
            Publish(s, c, n, 64);
            for (int i = 0; i < n; i++)
            {
                var f = Fields(peer.NextLine());
                Assert.Equal((i + 1).ToString(), f["seq"]);
                Assert.Equal("0", f["op"]);
                Assert.Equal(Convert.ToHexString(PayloadOf(i, 64)).ToLowerInvariant(), f["data"]);
            }
            Assert.Equal(0, peer.WaitForExit());
            Assert.True(transport.SegmentedDatagrams >= n - 64, $"only {transport.SegmentedDatagrams} of {n} went as GSO segments");
            Assert.Equal(0, ctx.Counters.GsoFallbacks);
            Assert.Equal(n, ctx.Counters.Sent);
        }
    }

    [Fact]
    public void Gso_Sends_Raw_Datagrams_Whole_And_Mixed_Sizes_Split_Into_Runs()
    {
        Netns.Require();
        string name = Unique("gso-raw");
        const int n = 300;
        using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"dump {Netns.RecvIf} {name} {n} 20");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, s, c, transport) = Sender(name);
        using (ctx)
        {
            // Sizes change every 10 messages, and every 7th is shorter: runs end there.
            int Size(int i) => 20 + (i / 10) % 5 * 100 - (i % 7 == 6 ? 5 : 0);
            for (int i = 0; i < n; i++)
            {
                byte[] p = PayloadOf(i, Size(i));
                Assert.True(c.PublishRaw(p, 0, p.Length));
                if ((i & 63) == 63)
                {
                    s.Publisher!.DoWork();
                    Thread.Sleep(10);
                }
            }
            while (s.Publisher!.DoWork() > 0) { }
            for (int i = 0; i < n; i++)
            {
                var f = Fields(peer.NextLine());
                Assert.Equal(Size(i).ToString(), f["len"]);
                Assert.Equal(Convert.ToHexString(PayloadOf(i, Size(i))).ToLowerInvariant(), f["data"]);
            }
            Assert.Equal(0, peer.WaitForExit());
            Assert.True(transport.SegmentedDatagrams > 0);
        }
    }

    [Fact]
    public void Gso_Sends_Encrypted_Frames_That_Librecast_Opens()
    {
        Netns.Require();
        string name = Unique("gso-symm");
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) key[i] = (byte)(7 * i + 1);
        const int n = 200;
        using var peer = new PeerProcess(CPeer.Build("lcsymm"), $"recv {Netns.RecvIf} {name} {Convert.ToHexString(key)} {n} 20");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, s, c, transport) = Sender(name, key: key);
        using (ctx)
        {
            Publish(s, c, n, 64);
            for (int i = 0; i < n; i++)
            {
                var f = Fields(peer.NextLine());
                byte[] frame = Convert.FromHexString(f["data"]);
                Assert.Equal(33 + 64, frame.Length);                     // the library opened it: the plaintext frame
                Assert.Equal((ulong)(i + 1), Frame.ReadUInt64(frame, 8)); // seq, authenticated
                Assert.Equal(PayloadOf(i, 64), frame[33..]);
            }
            Assert.Equal(0, peer.WaitForExit());
            Assert.True(transport.SegmentedDatagrams > 0);
            Assert.Equal(0, ctx.Counters.GsoFallbacks);
        }
    }

    [Fact]
    public void Gso_Sends_On_Ipv4_Mapped_Channels()
    {
        Netns.Require();
        string name = Unique("gso-v4");
        const int n = 256;
        using var rxCtx = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        Socket rx = rxCtx.CreateSocket();
        rx.Bind(Interfaces.Resolve(Netns.RecvIf));
        Channel rc = rxCtx.CreateIpv4Channel(name);
        rx.Bind(rc);
        rc.Join();
        var (ctx, s, c, transport) = Sender(name, ipv4: true);
        using (ctx)
        {
            Publish(s, c, n, 64);
            var m = new Message(2048);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(ReceiveResult.Ok, rx.ReceiveMessage(m, 5000));
                Assert.Equal((ulong)(i + 1), m.Header.Sequence);
                Assert.True(Ipv4Group.IsMapped(m.Info.Destination, 0));
            }
            Assert.True(transport.SegmentedDatagrams > 0);
        }
    }

    [Fact]
    public void Kernel_Refusing_Gso_Falls_Back_To_Single_Datagrams_Counted_And_Delivered()
    {
        Netns.Require();
        // 1533-byte datagrams on a 1500-byte MTU: the kernel answers EINVAL to UDP_SEGMENT (a
        // segment larger than the path allows), and IPv6 fragments the datagrams sent one by one.
        string name = Unique("gso-refused");
        const int n = 100;
        using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"recv {Netns.RecvIf} {name} {n} 20");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, s, c, transport) = Sender(name);
        using (ctx)
        {
            Publish(s, c, n, 1500, pauseMs: 40);
            for (int i = 0; i < n; i++)
            {
                var f = Fields(peer.NextLine());
                Assert.Equal((i + 1).ToString(), f["seq"]);
                Assert.Equal("1500", f["len"]);
            }
            Assert.Equal(0, peer.WaitForExit());
            Assert.True(ctx.Counters.GsoFallbacks > 0, "no fallback counted");
            Assert.Contains("gso_fallbacks=" + ctx.Counters.GsoFallbacks, ctx.Counters.ToString());
            Assert.Equal(0, transport.SegmentedDatagrams);
            Assert.Equal(n, ctx.Counters.Sent);
            Assert.Equal(0, ctx.Counters.SendErrors);
            // Small datagrams still go segmented afterwards: the refusal was for that size.
            long before = transport.SegmentedDatagrams;
            Publish(s, c, 128, 64);
            Assert.True(transport.SegmentedDatagrams > before);
        }
    }

    [Fact]
    public void Without_Gso_The_Same_Frames_Go_One_Datagram_Each()
    {
        Netns.Require();
        string name = Unique("gso-off");
        const int n = 128;
        using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"recv {Netns.RecvIf} {name} {n} 20");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, s, c, transport) = Sender(name);
        using (ctx)
        {
            transport.DisableGso();
            Publish(s, c, n, 64);
            for (int i = 0; i < n; i++) Assert.Equal((i + 1).ToString(), Fields(peer.NextLine())["seq"]);
            Assert.Equal(0, peer.WaitForExit());
            Assert.Equal(0, transport.SegmentedDatagrams);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gro_Receive_Splits_Coalesced_Datagrams_Into_Every_Message(bool singleThread)
    {
        Netns.Require();
        string name = Unique("gro");
        const int n = 2048;
        using var rxCtx = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
        Socket rx = rxCtx.CreateSocket();
        rx.Bind(Interfaces.Resolve(Netns.RecvIf));
        Channel rc = rxCtx.CreateChannel(name);
        rx.Bind(rc);
        rc.Join();
        var seqArray = new ulong[n];
        int count = 0;
        int coalesced = 0;
        bool payloadsOk = true;
        long allocAtWarm = 0, allocAtLast = 0;
        byte[][] wanted = new byte[n][];
        for (int i = 0; i < n; i++) wanted[i] = PayloadOf(i, 64);
        using var all = new ManualResetEventSlim();
        rx.Listen(m =>
        {
            if (m.Info.SegmentSize > 0) coalesced++;
            ulong seq = m.Header.Sequence;
            byte[] want = seq >= 1 && seq <= n ? wanted[seq - 1] : wanted[0];
            for (int b = 0; b < 64; b++) if (m.Buffer[m.PayloadOffset + b] != want[b]) payloadsOk = false;
            if (count < n) seqArray[count] = seq;
            count++;
            if (count == 100) allocAtWarm = ThreadAllocations.Baseline(); // see ThreadAllocations
            if (count > 100) allocAtLast = GC.GetAllocatedBytesForCurrentThread();
            if (count == n) all.Set();
        }, null, null, new ListenOptions { SingleThread = singleThread, Gro = true });
        var (ctx, s, c, _) = Sender(name);
        using (ctx)
        {
            Publish(s, c, n, 64, pauseMs: 0); // a flood: what our receiver is for
            bool done = all.Wait(10_000, TestContext.Current.CancellationToken);
            rx.ListenCancel();
            long drops = rxCtx.Counters.KernelDrops;
            // Nothing lost silently. With GRO the kernel counts a dropped coalesced packet once,
            // and one packet holds at most 64 of these datagrams.
            var seqs = new List<ulong>(seqArray[..Math.Min(count, n)]);
            Assert.True(done || drops > 0, $"{seqs.Count} of {n} arrived and the kernel counted no drop");
            Assert.InRange(n - seqs.Count, drops, drops * 64);
            Assert.Equal(seqs.Count, rxCtx.Counters.Received);
            Assert.Equal(0, allocAtLast - allocAtWarm); // receive, split and dispatch allocate nothing
            Assert.True(payloadsOk, "a split message's payload differs from what was sent");
            Assert.Equal(seqs.OrderBy(x => x), seqs); // in order, each once
            Assert.Equal(seqs.Count, seqs.Distinct().Count());
            Assert.True(coalesced > 0, "no receive was coalesced: GRO did not engage");
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(255)]
    public void Librecast_Opcodes_Beyond_Ret_Are_Delivered_Both_Ways(int op)
    {
        Netns.Require();
        string name = Unique("op" + op);
        var (ctx, socket, channel) = Endpoints.Open(Netns.RecvIf, name, join: true, WireProfile.V0_5);
        using (ctx)
        {
            var (code, _, err) = CPeer.Run(CPeer.Build("lcpeer"), $"send {Netns.SendIf} {name} hello --op {op}", null, 20_000);
            Assert.True(code == 0, "lcpeer send failed: " + err);
            var m = new Message(2048);
            Assert.Equal(ReceiveResult.Ok, socket.ReceiveMessage(m, 5000));
            Assert.Equal(op, (int)m.Header.Op);
            Assert.Equal("hello", Encoding.ASCII.GetString(m.Buffer, m.PayloadOffset, m.PayloadLength));
        }
        using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"recv {Netns.RecvIf} {name} 1 10");
        Assert.Equal("READY", peer.NextLine());
        var (tx, _, tc) = Endpoints.Open(Netns.SendIf, name, join: false, WireProfile.V0_5);
        using (tx)
        {
            tc.SendMessage((Opcode)op, "back"u8.ToArray(), 0, 4);
            Assert.Equal(op.ToString(), Fields(peer.NextLine())["op"]);
            Assert.Equal(0, peer.WaitForExit());
        }
    }

    [Fact]
    public void Timestamps_Carry_Full_Nanoseconds_And_A_Batch_One_Clock_Reading_Taken_When_It_Is_Sent()
    {
        // The publisher reads the clock once per batch (issue 23: a clock reading per message
        // was 8-10 % of the sender's profile): every message of a batch carries that reading,
        // taken after they were published and before they left. SendMessage without a publisher
        // still reads it for each message, as librecast's lc_msg_send does.
        Netns.Require();
        string name = Unique("ts");
        const int n = 64;
        using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"recv {Netns.RecvIf} {name} {2 * n} 20");
        Assert.Equal("READY", peer.NextLine());
        var (ctx, s, c, _) = Sender(name);
        using (ctx)
        {
            ulong before = Librecast.Sockets.SocketsPlatform.Instance.NowNanoseconds();
            Publish(s, c, n, 8); // one batch of 64
            ulong after = Librecast.Sockets.SocketsPlatform.Instance.NowNanoseconds();
            var ts = new List<ulong>();
            for (int i = 0; i < n; i++) ts.Add(ulong.Parse(Fields(peer.NextLine())["ts"]));
            Assert.Single(ts.Distinct()); // one reading for the batch
            Assert.InRange(ts[0], before, after);
        }
        var (tx, _, tc) = Endpoints.Open(Netns.SendIf, name, join: false, WireProfile.V0_5); // SendMessage, no publisher
        using (tx)
        {
            var ts = new List<ulong>();
            for (int i = 0; i < n; i++) tc.SendMessage(new byte[] { 1 }, 0, 1);
            for (int i = 0; i < n; i++) ts.Add(ulong.Parse(Fields(peer.NextLine())["ts"]));
            Assert.True(ts.Count(t => t % 100 != 0) > n / 2);
            Assert.Equal(0, peer.WaitForExit());
        }
    }

    [Fact]
    public void Name_With_A_Nul_Hashes_As_Librecast_Channel_New_Does()
    {
        var (code, output, err) = CPeer.Run(CPeer.Build("lcpeer"), "addr --new", "610062\n", 20_000);
        Assert.True(code == 0, "lcpeer addr failed: " + err);
        using var ctx = new Context(new NullPlatform()) { Wire = WireProfile.V0_5 };
        Channel c = ctx.CreateChannel("a\0b");
        Assert.Equal(output.Trim(), c.Address + " " + c.Port);
        Assert.Equal(ctx.CreateChannel("a").Address, c.Address);
        Assert.Equal("a\0b", c.Name);
        // The byte form hashes every byte, as lc_channel_nnew.
        var (code2, nnew, _) = CPeer.Run(CPeer.Build("lcpeer"), "addr", "610062\n", 20_000);
        Assert.Equal(0, code2);
        Assert.Equal(nnew.Trim(), ctx.CreateChannel(new byte[] { 0x61, 0, 0x62 }, 0, 3).Address + " 4242");
    }

    [Fact]
    public void Bind_Zero_Joins_Every_Multicast_Interface_As_Librecast_Does()
    {
        Netns.Require();
        // A second veth pair, lc2 <-> lc3, in this test's namespace: a router with two LANs.
        Sh("ip link add lc2 type veth peer name lc3 && ip link set lc2 up && ip link set lc3 up");
        try
        {
            // Sending from lc2 before its link-local address settles failed (exit 1) in 2 full runs.
            Netns.WaitForLinkLocal(null, "lc2");
            Netns.WaitForLinkLocal(null, "lc3");
            string name = Unique("all-if");
            int lc1 = Interfaces.Resolve("lc1"), lc3 = Interfaces.Resolve("lc3");
            var m = new Message(2048);

            // Choosing one interface still works: lc1 only. (Linux hands a socket its groups from
            // any interface where the group is joined, so this is checked before the next join.)
            using var one = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
            Socket s1 = one.CreateSocket();
            s1.Bind(lc1);
            Channel c1 = one.CreateChannel(name);
            s1.Bind(c1);
            c1.Join();
            Assert.Equal(new[] { lc1 }, c1.JoinedInterfaces);
            Assert.Equal(0, CPeer.Run(CPeer.Build("lcpeer"), $"send lc2 {name} lan-b", null, 20_000).Code);
            Assert.Equal(ReceiveResult.Timeout, s1.ReceiveMessage(m, 500)); // lc3's LAN is not heard
            one.Dispose();

            using var ctx = new Context(SocketsPlatform.Instance) { Wire = WireProfile.V0_5 };
            Socket s = ctx.CreateSocket(); // no Bind(ifindex): interface 0, as lc_socket_new
            Channel c = ctx.CreateChannel(name);
            s.Bind(c);
            c.Join();
            Assert.Contains(lc1, c.JoinedInterfaces);
            Assert.Contains(lc3, c.JoinedInterfaces);
            Assert.DoesNotContain(Interfaces.Resolve("lo"), c.JoinedInterfaces); // lo is not multicast-capable

            foreach (string from in new[] { "lc0", "lc2" })
            {
                var (code, _, err) = CPeer.Run(CPeer.Build("lcpeer"), $"send {from} {name} via-{from}", null, 20_000);
                Assert.True(code == 0, "lcpeer send failed: " + err);
            }
            var arrivals = new HashSet<int>();
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(ReceiveResult.Ok, s.ReceiveMessage(m, 5000));
                arrivals.Add(m.Info.InterfaceIndex);
            }
            Assert.Equal(new HashSet<int> { lc1, lc3 }, arrivals);

            // librecast itself, on interface 0, hears both as well.
            using var peer = new PeerProcess(CPeer.Build("lcpeer"), $"recv any {name} 2 10");
            Assert.Equal("READY", peer.NextLine());
            foreach (string from in new[] { "lc0", "lc2" })
                Assert.Equal(0, CPeer.Run(CPeer.Build("lcpeer"), $"send {from} {name} c-{from}", null, 20_000).Code);
            Assert.Equal(0, peer.WaitForExit());
            c.Part();
            Assert.Empty(c.JoinedInterfaces);
        }
        finally
        {
            Sh("ip link del lc2");
        }
    }

    private static void Sh(string command)
    {
        var (code, _, err) = CPeer.Run("sh", $"-c \"{command}\"", null, 10_000);
        Assert.True(code == 0, command + ": " + err);
    }
}
