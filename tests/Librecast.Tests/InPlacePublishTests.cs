using System;
using System.Collections.Generic;
using System.Text;
using Librecast.Crypto;
using Librecast.Fec;
using Librecast.Security;
using Librecast.Senml;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Encoders writing in place through the publisher (issue 23): restricted channels (token)
/// signed in the send ring as the direct path signs them, FEC symbols and SenML packs written
/// straight into the claimed datagram, Commit with a shorter length, Abandon, and no allocation
/// per message on the sealed and signed path. Against the in-memory wire; the C peers' side is in
/// RestrictedChannelTests (Librecast_Filter_Accepts_Packets_Signed_In_The_Publishers_Ring).
/// </summary>
public class InPlacePublishTests
{
    private static (byte[] Seed, byte[] Pk) Keypair(byte fill)
    {
        var seed = new byte[32];
        for (int i = 0; i < 32; i++) seed[i] = (byte)(fill + i);
        var pk = new byte[32];
        new Ed25519().PublicKey(seed, 0, pk, 0);
        return (seed, pk);
    }

    // A token from a signer (seed 1..) for the bearer (seed 0x40..) on `channel`, never expiring.
    private static (byte[] Token, byte[] BearerSeed, Keyring Ring) Issue(Channel channel)
    {
        var signer = Keypair(1);
        var bearer = Keypair(0x40);
        var sk = new byte[64];
        Array.Copy(signer.Seed, sk, 32);
        Array.Copy(signer.Pk, 0, sk, 32, 32);
        var hash = new byte[32];
        channel.CopyHashTo(hash, 0);
        var token = new byte[Token.Size];
        Token.Issue(new Ed25519(), signer.Seed, 0, sk, 32, bearer.Pk, 0, hash, 0, Token.Write, 0, token, 0);
        var ring = new Keyring();
        ring.Add(signer.Pk, 0);
        return (token, bearer.Seed, ring);
    }

    private static (Context, MemoryPlatform, Socket, Channel) Open(string name, WireProfile wire)
    {
        var platform = new MemoryPlatform();
        var ctx = new Context(platform) { Wire = wire };
        Socket s = ctx.CreateSocket();
        Channel c = ctx.CreateChannel(name);
        s.Bind(c);
        return (ctx, platform, s, c);
    }

    private static Publisher StartPublisher(Socket s, int capacity = 16, int bufferSize = 2048) =>
        s.StartPublisher(new PublisherOptions { Capacity = capacity, BufferSize = bufferSize, BatchSize = 8, StartThread = false });

    private static void Drain(Publisher p) { while (p.DoWork() > 0) { } }

    [Fact]
    public void A_Restricted_Channel_Goes_Through_The_Publisher_Signed_As_The_Direct_Path_Signs()
    {
        // Direct and through the ring, on two sockets of one context: the raw datagram is the
        // same bytes (Ed25519 is deterministic), the framed one passes the filter and re-seals
        // to itself, numbered on from the direct one's sequence.
        var (ctx, platform, direct, c) = Open("inplace/token", WireProfile.V0_11);
        var (token, seed, ring) = Issue(c);
        c.SetToken(token, 0, seed, 0);
        byte[] raw = Encoding.UTF8.GetBytes("raw through the ring");
        Assert.Equal(raw.Length + TokenFilter.Overhead, c.Send(raw, 0, raw.Length));
        byte[] viaDirect = platform.Sent[0];

        Socket queued = ctx.CreateSocket();
        direct.Unbind(c);
        queued.Bind(c);
        Publisher p = StartPublisher(queued);
        Assert.Equal(raw.Length + TokenFilter.Overhead, c.Send(raw, 0, raw.Length));
        byte[] framed = Encoding.UTF8.GetBytes("framed through the ring");
        Assert.Equal(Frame.HeaderSize + framed.Length + TokenFilter.Overhead, c.SendMessage(framed, 0, framed.Length));
        Assert.True(c.Publish(framed, 0, framed.Length));
        Drain(p);
        Assert.Equal(4, platform.Sent.Count);
        Assert.Equal(viaDirect, platform.Sent[1]);

        var filter = new TokenFilter(ring, Token.Write);
        var hash = new byte[32];
        c.CopyHashTo(hash, 0);
        var sealer = new TokenSealer(token, 0, seed, 0);
        var h = new FrameHeader();
        for (int k = 2; k < 4; k++)
        {
            byte[] d = platform.Sent[k];
            Assert.Equal(TokenVerdict.Accepted, filter.Check(d, 0, d.Length, hash, 0, 1));
            int inner = d.Length - TokenFilter.Overhead;
            var again = new byte[d.Length];
            sealer.Seal(d, Token.Size, inner, again, 0);
            Assert.Equal(d, again);
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, Token.Size, inner, h));
            Assert.Equal((ulong)(k - 1), h.Sequence);
            Assert.Equal("framed through the ring", Encoding.UTF8.GetString(d, h.PayloadOffset, h.PayloadLength));
        }
        Assert.Equal(3, ctx.Counters.Published); // the direct send is not the publisher's
        Assert.Equal(0, ctx.Counters.Dropped);
    }

    [Fact]
    public void A_Restricted_Encrypted_Channel_Is_Sealed_Then_Signed_In_The_Ring()
    {
        var (ctx, platform, s, c) = Open("inplace/symm-token", WireProfile.V0_11);
        var (token, seed, ring) = Issue(c);
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) key[i] = (byte)(0x80 + i);
        c.SetKey(key);
        c.SetToken(token, 0, seed, 0);
        Publisher p = StartPublisher(s);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => c.Publish(new byte[4000], 0, 4000));
        Assert.Contains((p.MaxPayload - SecretBox.Overhead - TokenFilter.Overhead) + " bytes", e.Message);
        for (int i = 0; i < 3; i++) Assert.True(c.Publish(BitConverter.GetBytes(i), 0, 4));
        Drain(p);

        var filter = new TokenFilter(ring, Token.Write);
        var hash = new byte[32];
        c.CopyHashTo(hash, 0);
        var box = new SecretBox(key);
        var h = new FrameHeader();
        for (int i = 0; i < 3; i++)
        {
            byte[] d = platform.Sent[i];
            Assert.Equal(Token.Size + SecretBox.SealedLength(Frame.HeaderSize + 4) + Ed25519.SignatureSize, d.Length);
            Assert.Equal(TokenVerdict.Accepted, filter.Check(d, 0, d.Length, hash, 0, 1));
            var plain = new byte[d.Length];
            Assert.Equal(SecretBoxStatus.Ok, box.Open(d, Token.Size, d.Length - TokenFilter.Overhead, plain, 0, out int n));
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(plain, 0, n, h));
            Assert.Equal((ulong)i + 1, h.Sequence);
            Assert.Equal(i, BitConverter.ToInt32(plain, h.PayloadOffset));
        }
    }

    [Fact]
    public void A_Message_Queued_Before_The_Token_Is_Cleared_Is_Dropped_Not_Sent_Unsigned()
    {
        var (ctx, platform, s, c) = Open("inplace/cleared", WireProfile.V0_11);
        var (token, seed, _) = Issue(c);
        c.SetToken(token, 0, seed, 0);
        Publisher p = StartPublisher(s);
        Assert.True(c.Publish(new byte[] { 1 }, 0, 1));
        c.ClearToken();
        Assert.True(c.Publish(new byte[] { 2 }, 0, 1));
        Drain(p);
        var h = new FrameHeader();
        byte[] d = Assert.Single(platform.Sent);
        Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, d.Length, h));
        Assert.Equal(1UL, h.Sequence); // the dropped one took no number
        Assert.Equal(2, d[h.PayloadOffset]);
        Assert.Equal(1, ctx.Counters.Dropped);
        Assert.Equal(2, ctx.Counters.Published);
        Assert.Equal(1, ctx.Counters.Sent);
    }

    [Fact]
    public void A_Wiped_Sealer_Refuses_To_Seal_Rather_Than_Sign_With_A_Cleared_Seed()
    {
        var (_, _, _, c) = Open("inplace/wiped", WireProfile.V0_11);
        var (token, seed, _) = Issue(c);
        var sealer = new TokenSealer(token, 0, seed, 0);
        sealer.Wipe();
        var output = new byte[8 + TokenFilter.Overhead];
        Assert.Throws<ObjectDisposedException>(() => sealer.Seal(new byte[8], 0, 8, output, 0));
        Assert.Throws<ObjectDisposedException>(() => sealer.Seal(new byte[8], 0, 8));
        Assert.Equal(new byte[output.Length], output); // nothing written, not even the token
        Assert.Equal(-1, sealer.SealInPlace(output, 0, 8));
    }

    [Fact]
    public void A_Direct_Send_Racing_ClearToken_Goes_Out_Unsigned_Never_Signed_With_The_Cleared_Seed()
    {
        // The sender reads the channel's sealer, then waits for its lock while ClearToken wipes
        // it: it must not sign with the zeroed seed; it sends as the channel now stands (no token).
        var (ctx, platform, s, c) = Open("inplace/race", WireProfile.V0_11);
        var (token, seed, _) = Issue(c);
        c.SetToken(token, 0, seed, 0);
        TokenSealer old = c.TokenSealer!;
        byte[] raw = Encoding.UTF8.GetBytes("sent across a ClearToken");
        Exception? failed = null;
        int sent = 0;
        var sender = new System.Threading.Thread(() =>
        {
            try { sent = c.Send(raw, 0, raw.Length); }
            catch (Exception e) { failed = e; }
        });
        lock (old)
        {
            sender.Start();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while ((sender.ThreadState & System.Threading.ThreadState.WaitSleepJoin) == 0)
            {
                Assert.True(waited.ElapsedMilliseconds < 10000, "the sender never reached the sealer's lock");
                System.Threading.Thread.Sleep(1);
            }
            c.ClearToken(); // wipes `old` (the lock is re-entrant)
        }
        Assert.True(sender.Join(10000));
        Assert.Null(failed);
        Assert.Equal(raw.Length, sent);
        Assert.Equal(raw, Assert.Single(platform.Sent));
        Assert.Equal(1, ctx.Counters.Sent);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("0.11")]
    public void Fec_Symbols_Written_Into_The_Ring_Are_The_Direct_Paths_Bytes(string wireName)
    {
        WireProfile wire = wireName == "0.5" ? WireProfile.V0_5 : WireProfile.V0_11;
        var data = new byte[5000];
        new Random(7).NextBytes(data);
        byte[]? id = wire.FecObjectId ? new byte[FecCoding.ObjectIdLength] : null;
        if (id != null) for (int i = 0; i < id.Length; i++) id[i] = (byte)i;

        List<byte[]> Send(bool ring)
        {
            var (_, platform, s, c) = Open("inplace/fec", wire);
            var encoder = new ObjectEncoder(Oti.ForLibrecast(data.Length, 256), data, 0);
            var sender = new FecSender(encoder, c, wire, true, false, id, platform); // its random ESIs drawn first, as on the direct path
            Publisher? p = ring ? StartPublisher(s, capacity: 8) : null;
            for (int i = 0; i < 40; i++) sender.SendNext(); // through a ring of 8: it waits for room (Block)
            if (p != null) Drain(p);
            Assert.Equal(40, sender.Sent);
            return platform.Sent;
        }
        List<byte[]> direct = Send(false), queued = Send(true);
        Assert.Equal(40, queued.Count);
        for (int i = 0; i < direct.Count; i++) Assert.Equal(direct[i], queued[i]);
    }

    [Fact]
    public void A_Senml_Pack_Written_In_The_Claimed_Datagram_Is_The_Buffered_Packs_Bytes_And_Gives_Back_The_Rest()
    {
        var (ctx, platform, s, c) = Open("inplace/senml", WireProfile.V0_5);
        Publisher p = StartPublisher(s, capacity: 8, bufferSize: 2048);
        var buffered = new byte[1200];
        var writer = new SenmlWriter(buffered, 0, buffered.Length);
        writer.Begin("urn:dev:lc:site:n1:", 1_795_000_000_123);
        writer.Add("temperature", "Cel", 21.53, 2);
        int expected = writer.End();

        int first = -1;
        for (int k = 0; k < 3; k++)
        {
            Assert.True(p.TryClaim(c, Opcode.Data, true, 1200, out int claim, out int at));
            if (first < 0) first = at;
            // Back to back: what the first two gave back went to the next claim.
            Assert.Equal(first + k * (Frame.HeaderSize + expected), at);
            writer.Reset(p.Buffer, at, 1200);
            writer.Begin("urn:dev:lc:site:n1:", 1_795_000_000_123);
            writer.Add("temperature", "Cel", 21.53, 2);
            p.Commit(claim, writer.End());
        }
        Drain(p);
        var h = new FrameHeader();
        Assert.Equal(3, platform.Sent.Count);
        for (int k = 0; k < 3; k++)
        {
            byte[] d = platform.Sent[k];
            Assert.Equal(Frame.HeaderSize + expected, d.Length);
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, d.Length, h));
            Assert.Equal(expected, h.PayloadLength);
            Assert.Equal(buffered.AsSpan(0, expected).ToArray(), d.AsSpan(h.PayloadOffset, h.PayloadLength).ToArray());
            Assert.Equal((ulong)k + 1, h.Sequence);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            Assert.True(p.TryClaim(c, Opcode.Data, true, 10, out int claim, out _));
            try { p.Commit(claim, 11); }
            finally { p.Abandon(claim); }
        });
        Drain(p);
        Assert.Equal(3, ctx.Counters.Published);
    }

    [Fact]
    public void An_Abandoned_Claim_Is_Freed_Unsent_Unnumbered_And_Uncounted()
    {
        var (ctx, platform, s, c) = Open("inplace/abandon", WireProfile.V0_5);
        Publisher p = StartPublisher(s, capacity: 4);
        for (int round = 0; round < 3; round++) // more claims than the ring holds: abandoned ones are freed
        {
            Assert.True(p.TryClaim(c, Opcode.Data, true, 100, out int gone, out _));
            p.Abandon(gone);
            Assert.True(c.Publish(new byte[] { (byte)round }, 0, 1));
            Drain(p);
        }
        var h = new FrameHeader();
        Assert.Equal(3, platform.Sent.Count);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(FrameStatus.Ok, Frame.TryDecode(platform.Sent[k], 0, platform.Sent[k].Length, h));
            Assert.Equal((ulong)k + 1, h.Sequence);
            Assert.Equal(k, platform.Sent[k][h.PayloadOffset]);
        }
        Assert.Equal(3, ctx.Counters.Published);
        Assert.Equal(0, ctx.Counters.Dropped);
    }

    [Fact]
    public void Sealed_And_Signed_In_Place_Publishing_Allocates_Nothing_Per_Message()
    {
        // The SYMM seal and the token's signature in the send ring, SenML written into the claimed
        // datagram, FEC symbols encoded into it: 0 bytes allocated on the publishing thread.
        var platform = new NullPlatform();
        var ctx = new Context(platform) { Wire = WireProfile.V0_11 };
        Socket s = ctx.CreateSocket();
        Channel signed = ctx.CreateChannel("alloc/signed");
        Channel fec = ctx.CreateChannel("alloc/fec");
        s.Bind(signed);
        s.Bind(fec);
        var (token, seed, _) = Issue(signed);
        byte[] key = new byte[32];
        signed.SetKey(key);
        signed.SetToken(token, 0, seed, 0);
        Publisher p = s.StartPublisher(new PublisherOptions { Capacity = 64, BufferSize = 2048, StartThread = false });
        var writer = new SenmlWriter(new byte[1], 0, 1);
        var data = new byte[4096];
        var encoder = new ObjectEncoder(Oti.ForLibrecast(data.Length, 512), data, 0);
        var sender = new FecSender(encoder, fec, WireProfile.V0_11, true, false, new byte[FecCoding.ObjectIdLength], platform);
        byte[] payload = new byte[64];

        void Round(int i)
        {
            signed.Publish(payload, 0, payload.Length);
            signed.Send(payload, 0, 16);
            Assert.True(p.TryClaim(signed, Opcode.Data, true, 400, out int claim, out int at));
            writer.Reset(p.Buffer, at, 400);
            writer.Begin("urn:dev:lc:site:n1:", 1_795_000_000_000 + i);
            writer.Add("temperature", "Cel", 21.5 + i, 2);
            p.Commit(claim, writer.End());
            sender.SendNext();
            p.DoWork();
        }
        for (int i = 0; i < 20; i++) Round(i); // warm up
        long before = ThreadAllocations.Baseline();
        for (int i = 0; i < 200; i++) Round(i);
        Drain(p);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(220 * 4, platform.Datagrams);
        Assert.Equal(0, ctx.Counters.Dropped);
    }
}
