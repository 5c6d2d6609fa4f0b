using System;

namespace Librecast.Sockets;

/// <summary>
/// The shape of a Linux <c>struct cmsghdr</c> on one target: <c>{ size_t cmsg_len; int
/// cmsg_level; int cmsg_type; }</c>, data aligned to <c>sizeof(size_t)</c>. 16 bytes, 8-aligned on
/// 64-bit Linux (x86-64, arm64); 12 bytes, 4-aligned on 32-bit (Raspberry Pi OS armhf).
/// </summary>
internal readonly struct CmsgLayout(int headerSize, int alignment)
{
    /// <summary>LP64: x86-64, arm64.</summary>
    public static readonly CmsgLayout Lp64 = new(16, 8);

    /// <summary>ILP32: 32-bit ARM, x86.</summary>
    public static readonly CmsgLayout Ilp32 = new(12, 4);

    /// <summary>This process's layout.</summary>
    public static readonly CmsgLayout Native = IntPtr.Size == 8 ? Lp64 : Ilp32;

    /// <summary>CMSG_ALIGN(sizeof(struct cmsghdr)): where the data starts.</summary>
    public int HeaderSize { get; } = headerSize;

    /// <summary>sizeof(size_t): what lengths round up to.</summary>
    public int Alignment { get; } = alignment;

    public int Align(long n) => (int)((n + Alignment - 1) & ~(long)(Alignment - 1));

    /// <summary>CMSG_LEN(data): the value of cmsg_len.</summary>
    public int Len(int data) => HeaderSize + data;

    /// <summary>CMSG_SPACE(data): the room one control message takes.</summary>
    public int Space(int data) => HeaderSize + Align(data);
}

/// <summary>
/// Reads and writes the control messages of recvmmsg/sendmmsg with the target's cmsghdr layout
/// (<see cref="CmsgLayout"/>): IPV6_PKTINFO / IP_PKTINFO (destination group and arrival
/// interface), SO_RXQ_OVFL (the kernel's drop count), UDP_GRO (segment size of a coalesced
/// receive) in; UDP_SEGMENT (GSO segment size) out.
/// </summary>
internal static unsafe class ControlMessages
{
    /// <summary>Room a receive needs: IPV6_PKTINFO (20), SO_RXQ_OVFL (4), UDP_GRO (4), with slack, on either layout.</summary>
    public const int ReceiveSpace = 96;

    /// <summary>
    /// Parses <paramref name="length"/> bytes of control messages at <paramref name="control"/>
    /// into <paramref name="info"/> (destination, interface, segment size; all cleared first) and
    /// <paramref name="kernelDrops"/> (left alone if absent). Returns whether a destination was
    /// found. Stops at the first malformed header; never reads past <paramref name="length"/>.
    /// </summary>
    public static bool Parse(byte* control, int length, CmsgLayout layout, DatagramInfo info, ref int kernelDrops)
    {
        byte[] destination = info.Destination;
        Array.Clear(destination);
        info.InterfaceIndex = 0;
        info.SegmentSize = 0;
        bool found = false;
        int h = layout.HeaderSize;
        int offset = 0;
        while (offset + h <= length)
        {
            byte* cmsg = control + offset;
            long cmsgLength = h == 16 ? *(long*)cmsg : *(uint*)cmsg;
            int level = *(int*)(cmsg + layout.Alignment);
            int type = *(int*)(cmsg + layout.Alignment + 4);
            if (cmsgLength < h || cmsgLength > length - offset) return found;
            long dataLength = cmsgLength - h;
            byte* data = cmsg + h;
            if (level == LinuxNative.SolIpv6 && type == LinuxNative.Ipv6PktInfo && dataLength >= 20)
            {
                for (int b = 0; b < 16; b++) destination[b] = data[b];
                info.InterfaceIndex = *(int*)(data + 16); // struct in6_pktinfo { in6_addr; int ifindex; }
                found = true;
            }
            else if (level == LinuxNative.SolIp && type == LinuxNative.IpPktInfo && dataLength >= 12)
            {
                // IPv4 on this dual-stack socket: the group as ::ffff:a.b.c.d.
                Array.Clear(destination);
                destination[10] = 0xff;
                destination[11] = 0xff;
                for (int b = 0; b < 4; b++) destination[12 + b] = data[8 + b];
                info.InterfaceIndex = *(int*)data; // struct in_pktinfo { int ifindex; spec_dst; addr; }
                found = true;
            }
            else if (level == LinuxNative.SolSocket && type == LinuxNative.SoRxqOvfl && dataLength >= 4)
                kernelDrops = *(int*)data;
            else if (level == LinuxNative.SolUdp && type == LinuxNative.UdpGro && dataLength >= 4)
                info.SegmentSize = *(int*)data;
            offset += layout.Align(cmsgLength);
        }
        return found;
    }

    /// <summary>Managed form of <see cref="Parse(byte*, int, CmsgLayout, DatagramInfo, ref int)"/>, for tests.</summary>
    public static bool Parse(byte[] control, int length, CmsgLayout layout, DatagramInfo info, ref int kernelDrops)
    {
        fixed (byte* p = control) return Parse(p, length, layout, info, ref kernelDrops);
    }

    /// <summary>Writes one UDP_SEGMENT control message (u16 segment size) at <paramref name="control"/>; returns its CMSG_SPACE.</summary>
    public static int WriteSegment(byte* control, CmsgLayout layout, int segmentSize)
    {
        int space = layout.Space(2);
        new Span<byte>(control, space).Clear();
        if (layout.HeaderSize == 16) *(long*)control = layout.Len(2);
        else *(uint*)control = (uint)layout.Len(2);
        *(int*)(control + layout.Alignment) = LinuxNative.SolUdp;
        *(int*)(control + layout.Alignment + 4) = LinuxNative.UdpSegment;
        *(ushort*)(control + layout.HeaderSize) = (ushort)segmentSize;
        return space;
    }

    /// <summary>
    /// Writes one IPV6_PKTINFO control message (source :: = the kernel's choice, interface
    /// <paramref name="interfaceIndex"/>) at <paramref name="control"/>: the datagram leaves by
    /// that interface whatever IPV6_MULTICAST_IF says. Returns its CMSG_SPACE.
    /// </summary>
    public static int WritePacketInfo(byte* control, CmsgLayout layout, int interfaceIndex)
    {
        int space = layout.Space(PacketInfoSize);
        new Span<byte>(control, space).Clear();
        if (layout.HeaderSize == 16) *(long*)control = layout.Len(PacketInfoSize);
        else *(uint*)control = (uint)layout.Len(PacketInfoSize);
        *(int*)(control + layout.Alignment) = LinuxNative.SolIpv6;
        *(int*)(control + layout.Alignment + 4) = LinuxNative.Ipv6PktInfo;
        *(int*)(control + layout.HeaderSize + 16) = interfaceIndex; // struct in6_pktinfo { in6_addr; int ifindex; }
        return space;
    }

    /// <summary>sizeof(struct in6_pktinfo).</summary>
    public const int PacketInfoSize = 20;

    /// <summary>Managed form of <see cref="WritePacketInfo(byte*, CmsgLayout, int)"/>, for tests.</summary>
    public static int WritePacketInfo(byte[] control, CmsgLayout layout, int interfaceIndex)
    {
        fixed (byte* p = control) return WritePacketInfo(p, layout, interfaceIndex);
    }

    /// <summary>Managed form of <see cref="WriteSegment(byte*, CmsgLayout, int)"/>, for tests.</summary>
    public static int WriteSegment(byte[] control, CmsgLayout layout, int segmentSize)
    {
        fixed (byte* p = control) return WriteSegment(p, layout, segmentSize);
    }
}
