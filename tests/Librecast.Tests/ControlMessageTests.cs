using System;
using Librecast.Sockets;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// recvmmsg's control messages read with the target's cmsghdr layout: 64-bit Linux (16-byte
/// header, 8-aligned) and 32-bit ARM Linux (12-byte header, 4-aligned), built here byte by byte
/// as each kernel lays them out.
/// </summary>
public class ControlMessageTests
{
    private static readonly byte[] Group = Convert.FromHexString("ff1ed84e4290e72b1a143f0205077be4");

    // Appends one control message as the kernel writes it for this layout; returns the new end.
    private static int Put(byte[] buffer, int at, CmsgLayout layout, int level, int type, byte[] data)
    {
        int len = layout.HeaderSize + data.Length;
        if (layout.HeaderSize == 16) BitConverter.TryWriteBytes(buffer.AsSpan(at), (long)len);
        else BitConverter.TryWriteBytes(buffer.AsSpan(at), len);
        BitConverter.TryWriteBytes(buffer.AsSpan(at + layout.Alignment), level);
        BitConverter.TryWriteBytes(buffer.AsSpan(at + layout.Alignment + 4), type);
        data.CopyTo(buffer, at + layout.HeaderSize);
        return at + layout.Space(data.Length);
    }

    private static byte[] PktInfo(int ifindex)
    {
        byte[] d = new byte[20];
        Group.CopyTo(d, 0);
        BitConverter.TryWriteBytes(d.AsSpan(16), ifindex);
        return d;
    }

    public static TheoryData<string> Layouts => new() { "lp64", "ilp32" };

    private static CmsgLayout Of(string name) => name == "lp64" ? CmsgLayout.Lp64 : CmsgLayout.Ilp32;

    [Theory]
    [MemberData(nameof(Layouts))]
    public void PktInfo_Overflow_And_Gro_Are_Read_On_Either_Layout(string name)
    {
        CmsgLayout layout = Of(name);
        byte[] control = new byte[ControlMessages.ReceiveSpace];
        int end = Put(control, 0, layout, 1, 40, BitConverter.GetBytes(1234));   // SO_RXQ_OVFL
        end = Put(control, end, layout, 41, 50, PktInfo(7));                      // IPV6_PKTINFO
        end = Put(control, end, layout, 17, 104, BitConverter.GetBytes(97));     // UDP_GRO
        var info = new DatagramInfo();
        int drops = -1;
        Assert.True(ControlMessages.Parse(control, end, layout, info, ref drops));
        Assert.Equal(Group, info.Destination);
        Assert.Equal(7, info.InterfaceIndex);
        Assert.Equal(1234, drops);
        Assert.Equal(97, info.SegmentSize);
    }

    [Fact]
    public void The_Two_Layouts_Really_Differ_And_Reading_One_As_The_Other_Finds_Nothing_Wrong()
    {
        // What the issue feared: a 32-bit kernel's control block read with 64-bit offsets. Here
        // it must not yield the group (the parser with the right layout does).
        byte[] control = new byte[ControlMessages.ReceiveSpace];
        int end = Put(control, 0, CmsgLayout.Ilp32, 41, 50, PktInfo(3));
        Assert.Equal(12 + 20, end);
        var info = new DatagramInfo();
        int drops = -1;
        Assert.False(ControlMessages.Parse(control, end, CmsgLayout.Lp64, info, ref drops));
        Assert.True(ControlMessages.Parse(control, end, CmsgLayout.Ilp32, info, ref drops));
        Assert.Equal(3, info.InterfaceIndex);
        Assert.Equal(IntPtr.Size == 8 ? CmsgLayout.Lp64.HeaderSize : 12, CmsgLayout.Native.HeaderSize);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_Length_Past_The_Buffer_Stops_The_Parse(string name)
    {
        CmsgLayout layout = Of(name);
        byte[] control = new byte[64];
        int end = Put(control, 0, layout, 41, 50, PktInfo(5));
        if (layout.HeaderSize == 16) BitConverter.TryWriteBytes(control.AsSpan(0), 4000L);
        else BitConverter.TryWriteBytes(control.AsSpan(0), 4000);
        var info = new DatagramInfo();
        int drops = -1;
        Assert.False(ControlMessages.Parse(control, end, layout, info, ref drops));
        Assert.Equal(0, info.InterfaceIndex);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Udp_Segment_Is_Written_As_The_Kernel_Expects(string name)
    {
        CmsgLayout layout = Of(name);
        byte[] control = new byte[32];
        int space = ControlMessages.WriteSegment(control, layout, 97);
        Assert.Equal(layout.HeaderSize == 16 ? 24 : 16, space); // CMSG_SPACE(sizeof(uint16_t))
        long len = layout.HeaderSize == 16 ? BitConverter.ToInt64(control, 0) : BitConverter.ToInt32(control, 0);
        Assert.Equal(layout.HeaderSize + 2, len);                  // CMSG_LEN(2)
        Assert.Equal(17, BitConverter.ToInt32(control, layout.Alignment));      // SOL_UDP
        Assert.Equal(103, BitConverter.ToInt32(control, layout.Alignment + 4)); // UDP_SEGMENT
        Assert.Equal(97, BitConverter.ToUInt16(control, layout.HeaderSize));
    }
}
