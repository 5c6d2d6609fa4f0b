using System;
using CsCheck;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Fuzzing every path that parses librecast frames from the network: valid frames with
/// mutations (bit flips, byte sets, truncation, extension, length-field lies) and pure random
/// bytes. Zero exceptions allowed; every input is either accepted consistently or rejected and
/// counted. CI runs LIBRECAST_FUZZ_ITERATIONS (default 50,000) per path; the long run is
/// <c>LIBRECAST_FUZZ_ITERATIONS=1000000 tests/run -class Librecast.Tests.FrameFuzzTests</c>.
/// </summary>
public class FrameFuzzTests
{
    private static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("LIBRECAST_FUZZ_ITERATIONS"), out long n) && n > 0 ? n : 50_000;

    /// <summary>A valid frame, then 0-4 mutations of it; or, one time in four, pure random bytes.</summary>
    private static readonly Gen<byte[]> Inputs = Gen.Frequency(
        (1, Gen.Byte.Array[0, 200]),
        (3, Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.Byte[0, 6], Gen.Byte.Array[0, 150], Gen.Int.Array[0, 4], Gen.Int[0, 4])
            .Select((ts, seq, rnd, op, payload, picks, kind) =>
            {
                byte[] frame = new byte[Frame.HeaderSize + payload.Length];
                Frame.Encode(frame, 0, ts, seq, rnd, (Opcode)op, payload, 0, payload.Length);
                foreach (int pick in picks)
                {
                    int at = (int)((uint)pick % (uint)Math.Max(1, frame.Length));
                    switch (kind)
                    {
                        case 0: if (frame.Length > 0) frame[at] ^= (byte)(1 << (pick & 7)); break;
                        case 1: if (frame.Length > 0) frame[at] = (byte)pick; break;
                        case 2: Array.Resize(ref frame, at); break;
                        case 3: Array.Resize(ref frame, frame.Length + (pick & 63)); break;
                        default: if (frame.Length >= 33) Frame.WriteUInt64(frame, 25, (ulong)(uint)pick); break;
                    }
                }
                return frame;
            })));

    [Fact]
    public void Frame_Decode_Never_Throws_And_Accepts_Only_Consistent_Frames()
    {
        long ok = 0, rejected = 0;
        var header = new FrameHeader();
        Inputs.Sample(bytes =>
        {
            FrameStatus s = Frame.TryDecode(bytes, 0, bytes.Length, header);
            if (s == FrameStatus.Ok)
            {
                ok++;
                if (header.PayloadOffset != Frame.HeaderSize || header.PayloadLength != bytes.Length - Frame.HeaderSize || (byte)header.Op != bytes[Frame.HeaderSize - 9]) // any op byte is a frame (librecast), reported as it is
                    throw new InvalidOperationException("inconsistent frame accepted: " + Convert.ToHexString(bytes));
            }
            else rejected++;
        }, iter: Iterations, threads: 1);
        Assert.Equal(Iterations, ok + rejected);
        Assert.True(ok > 0 && rejected > 0, $"the generator is not exercising both outcomes: ok {ok}, rejected {rejected}");
        TestContext.Current.SendDiagnosticMessage($"frame decode fuzz: {Iterations} inputs, {ok} accepted, {rejected} rejected, 0 exceptions");
    }

    [Fact]
    public void Socket_Receive_Path_Counts_Every_Rejection()
    {
        // The whole receive path (filter, truncation, decode, counters) on the in-memory wire.
        var platform = new MemoryPlatform();
        using var ctx = new Context(platform);
        Socket rx = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("fuzz/rx");
        rx.Bind(c);
        c.Join();
        byte[] group = new byte[16];
        c.CopyGroupTo(group, 0);
        var m = new Message(128); // smaller than some inputs: truncation is exercised too
        long ok = 0, rejected = 0;
        Inputs.Sample(bytes =>
        {
            platform.Inject(bytes, group, GroupAddress.DefaultPort);
            switch (rx.ReceiveMessage(m, 1000))
            {
                case ReceiveResult.Ok: ok++; break;
                case ReceiveResult.Malformed: case ReceiveResult.Truncated: rejected++; break;
                default: throw new InvalidOperationException("an injected datagram was not received");
            }
        }, iter: Iterations, threads: 1);
        Assert.Equal(Iterations, ok + rejected);
        Assert.Equal(ok, ctx.Counters.Received);
        Assert.Equal(rejected, ctx.Counters.Malformed);
        TestContext.Current.SendDiagnosticMessage($"socket receive fuzz: {Iterations} inputs, {ok} accepted, {rejected} rejected and counted, 0 exceptions");
    }

    [Fact]
    public void Encrypted_Socket_Receive_Path_With_Replay_Window_Counts_Every_Rejection()
    {
        // The same inputs on an encrypted channel with a replay window: half are sealed with the
        // channel key (then maybe one bit flipped in flight), half arrive as they are.
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) key[i] = (byte)(7 * i + 1);
        var platform = new MemoryPlatform();
        using var ctx = new Context(platform);
        using var box = new Librecast.Crypto.SecretBox(key);
        Socket rx = ctx.CreateSocket();
        Channel c = ctx.CreateChannel("fuzz/rx-encrypted");
        c.SetKey(key);
        rx.Bind(c);
        c.Join();
        var window = new Librecast.Security.ReplayWindow(64, 128, 0, 0);
        rx.ReplayWindow = window;
        byte[] group = new byte[16];
        c.CopyGroupTo(group, 0);
        var m = new Message(256);
        byte[] sealedBytes = new byte[Librecast.Crypto.SecretBox.SealedLength(4096)];
        long ok = 0, unauthenticated = 0, malformed = 0, replayed = 0, flipped = 0;
        Gen.Select(Inputs, Gen.Int[0, 2], Gen.Int).Sample((bytes, mode, bit) =>
        {
            byte[] datagram = bytes;
            if (mode > 0)
            {
                int n = box.Seal(bytes, 0, bytes.Length, sealedBytes, 0, platform);
                if (mode == 2) { sealedBytes[(int)((uint)bit % (uint)n)] ^= (byte)(1 << (bit & 7)); flipped++; }
                datagram = sealedBytes.AsSpan(0, n).ToArray();
            }
            if ((bit & 7) == 0) window.Clear(); // random seqs soon push the window to the top: start over now and then
            platform.Inject(datagram, group, GroupAddress.DefaultPort);
            ReceiveResult result = rx.ReceiveMessage(m, 1000);
            if (mode == 2 && result != ReceiveResult.Unauthenticated && result != ReceiveResult.Truncated)
                throw new InvalidOperationException("a datagram with a bit flipped after sealing was not rejected as unauthenticated (or cut): " + result);
            switch (result)
            {
                case ReceiveResult.Ok: ok++; break;
                case ReceiveResult.Unauthenticated: unauthenticated++; break;
                case ReceiveResult.Malformed: case ReceiveResult.Truncated: malformed++; break;
                case ReceiveResult.Replayed: replayed++; break;
                default: throw new InvalidOperationException("an injected datagram was not received");
            }
        }, iter: Iterations, threads: 1);
        Assert.Equal(Iterations, ok + unauthenticated + malformed + replayed);
        Assert.Equal(ok, ctx.Counters.Received);
        Assert.Equal(unauthenticated, ctx.Counters.Unauthenticated);
        Assert.Equal(malformed, ctx.Counters.Malformed);
        Assert.Equal(replayed, ctx.Counters.Replayed);
        Assert.True(unauthenticated >= flipped, $"{flipped} datagrams had a bit flipped after sealing, only {unauthenticated} rejected as unauthenticated");
        Assert.True(ok > 0 && malformed > 0 && replayed > 0, $"the generator is not exercising every outcome: ok {ok}, malformed {malformed}, replayed {replayed}");
        TestContext.Current.SendDiagnosticMessage($"encrypted socket receive fuzz: {Iterations} inputs, {ok} accepted, rejected and counted: " +
            $"{unauthenticated} unauthenticated ({flipped} bit-flipped after sealing), {malformed} malformed, {replayed} replayed; 0 exceptions");
    }
}
