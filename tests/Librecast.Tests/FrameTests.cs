using System;
using CsCheck;
using Xunit;

namespace Librecast.Tests;

public class FrameTests
{
    // The 38-byte datagram librecast 0.5.1's lc_msg_send put on the wire for payload "world"
    // (shared/WIRE.md, captured from the C library).
    private const string WorldDatagram = "18eb3547dfaaec1f" + "0000000000000001" + "02015c6fdd637cac" + "00" + "0000000000000005" + "776f726c64";

    [Fact]
    public void Decodes_The_Datagram_Librecast_Sent_For_World()
    {
        byte[] d = Convert.FromHexString(WorldDatagram);
        var h = new FrameHeader();
        Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, d.Length, h));
        Assert.Equal(0x18eb3547dfaaec1fUL, h.Timestamp);
        Assert.Equal(1UL, h.Sequence);
        Assert.Equal(0x02015c6fdd637cacUL, h.Random);
        Assert.Equal(Opcode.Data, h.Op);
        Assert.Equal(33, h.PayloadOffset);
        Assert.Equal("world", System.Text.Encoding.ASCII.GetString(d, h.PayloadOffset, h.PayloadLength));
    }

    [Fact]
    public void Encodes_Byte_For_Byte_What_Librecast_Sent_For_World()
    {
        byte[] payload = "world"u8.ToArray();
        byte[] buf = new byte[64];
        int n = Frame.Encode(buf, 0, 0x18eb3547dfaaec1fUL, 1, 0x02015c6fdd637cacUL, Opcode.Data, payload, 0, payload.Length);
        Assert.Equal(WorldDatagram, Convert.ToHexString(buf, 0, n).ToLowerInvariant());
    }

    [Fact]
    public void Round_Trips_Any_Header_And_Payload_At_Any_Offset()
    {
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.Byte[0, 6], Gen.Byte.Array[0, 2000], Gen.Int[0, 100])
            .Sample((ts, seq, rnd, op, payload, offset) =>
            {
                byte[] buf = new byte[offset + Frame.HeaderSize + payload.Length + 7];
                int n = Frame.Encode(buf, offset, ts, seq, rnd, (Opcode)op, payload, 0, payload.Length);
                var h = new FrameHeader();
                Assert.Equal(FrameStatus.Ok, Frame.TryDecode(buf, offset, n, h));
                Assert.Equal((ts, seq, rnd, (Opcode)op), (h.Timestamp, h.Sequence, h.Random, h.Op));
                Assert.Equal(payload, buf.AsSpan(h.PayloadOffset, h.PayloadLength).ToArray());
            }, iter: 2000);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(32)]
    public void Shorter_Than_Header_Is_TooShort(int length)
    {
        Assert.Equal(FrameStatus.TooShort, Frame.TryDecode(new byte[64], 0, length, new FrameHeader()));
    }

    [Theory]
    [InlineData(4)]   // claims less than it carries
    [InlineData(6)]   // claims more than it carries
    [InlineData(-1)]  // absurd length (all ones)
    public void Length_Field_Disagreeing_With_Size_Is_LengthMismatch(long claimed)
    {
        byte[] d = Convert.FromHexString(WorldDatagram);
        Frame.WriteUInt64(d, 25, (ulong)claimed);
        Assert.Equal(FrameStatus.LengthMismatch, Frame.TryDecode(d, 0, d.Length, new FrameHeader()));
    }

    [Theory]
    [InlineData(7)]   // LC_OP_MAX
    [InlineData(8)]
    [InlineData(255)]
    public void Any_Opcode_Decodes_With_Its_Value_As_Librecast_Accepts_It(int op)
    {
        // lc_msg_recv and lc_socket_listen deliver 7, 8 and 255 (docs/wire-notes.md): so do we.
        byte[] d = Convert.FromHexString(WorldDatagram);
        d[24] = (byte)op;
        var header = new FrameHeader();
        Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, d.Length, header));
        Assert.Equal(op, (int)header.Op);
        Assert.Equal(5, header.PayloadLength);
    }

    [Fact]
    public void Decode_Reads_Only_Inside_The_Given_Range()
    {
        // A valid frame followed by bytes that would make it "longer": decoding the exact range
        // must succeed, and a range cut one byte short must fail without reading past it.
        byte[] d = Convert.FromHexString(WorldDatagram + "ffff");
        Assert.Equal(FrameStatus.Ok, Frame.TryDecode(d, 0, 38, new FrameHeader()));
        Assert.Equal(FrameStatus.LengthMismatch, Frame.TryDecode(d, 0, 37, new FrameHeader()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Frame.TryDecode(d, 30, 20, new FrameHeader()));
    }

    [Fact]
    public void Random_Bytes_Never_Throw_And_Never_Decode_Inconsistently()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var h = new FrameHeader();
            FrameStatus s = Frame.TryDecode(bytes, 0, bytes.Length, h);
            if (s == FrameStatus.Ok) Assert.Equal(bytes.Length, Frame.HeaderSize + h.PayloadLength);
        }, iter: 20_000);
    }

    [Fact]
    public void Encode_Refuses_What_Does_Not_Fit()
    {
        byte[] payload = new byte[10];
        Assert.Throws<ArgumentOutOfRangeException>(() => Frame.Encode(new byte[42], 0, 0, 0, 0, Opcode.Data, payload, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Frame.Encode(new byte[70000], 0, 0, 0, 0, Opcode.Data, new byte[Frame.MaxPayload + 1], 0, Frame.MaxPayload + 1));
    }
}
