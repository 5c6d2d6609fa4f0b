using System;
using System.Runtime.InteropServices;

namespace Librecast.Sockets;

/// <summary>
/// The Linux system calls System.Net does not expose (sendmmsg and recvmmsg, many datagrams per
/// call; getifaddrs; clock_gettime) and every Linux constant the platform uses, in one place.
/// Structs are declared with pointer-sized fields, so they take the target's layout (LP64 on
/// x86-64 and arm64, ILP32 on 32-bit ARM); control messages are parsed by <see cref="ControlMessages"/>
/// with the target's <see cref="CmsgLayout"/>. The numbers are the same on every Linux architecture .NET supports.
/// </summary>
internal static unsafe partial class LinuxNative
{
    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int EIo = 5;
    public const int EInval = 22;
    public const int ENoProtoOpt = 92;
    public const int EMsgSize = 90;
    public const int SolIp = 0, IpPktInfo = 8;
    public const int IpMulticastIf = 32, IpMulticastTtl = 33, IpMulticastLoop = 34;
    public const int IpAddMembership = 35, IpDropMembership = 36, IpMulticastAll = 49;
    public const int SolIpv6 = 41, Ipv6PktInfo = 50, Ipv6MulticastAll = 29;
    public const int SolSocket = 1, SoReusePort = 15, SoRxqOvfl = 40, SoRcvBuf = 8, SoRcvBufForce = 33;
    /// <summary>SOL_UDP options: UDP_SEGMENT (GSO segment size, Linux 4.18), UDP_GRO (Linux 5.0).</summary>
    public const int SolUdp = 17, UdpSegment = 103, UdpGro = 104;
    /// <summary>Most segments one UDP GSO send may carry (UDP_MAX_SEGMENTS before Linux 6.9, which allows 128).</summary>
    public const int UdpMaxSegments = 64;
    public const int IffUp = 0x1, IffMulticast = 0x1000;
    public const int ClockRealtime = 0;
    /// <summary>SO_MEMINFO: the socket's memory counters, u32[SK_MEMINFO_VARS]; index 8 is drops.</summary>
    public const int SoMemInfo = 55, SkMemInfoDrops = 8, SkMemInfoVars = 9;
    public const int AfInet6 = 10;
    public const int SockaddrIn6Size = 28;
    /// <summary>Control buffer per message: receive (IPV6_PKTINFO, SO_RXQ_OVFL, UDP_GRO) or send (UDP_SEGMENT).</summary>
    public const int ControlSize = ControlMessages.ReceiveSpace;

    [StructLayout(LayoutKind.Sequential)]
    public struct IfAddrs
    {
        public IfAddrs* Next;
        public byte* Name;
        public uint Flags;
        public byte* Address;
        public byte* Netmask;
        public byte* BroadcastOrDestination;
        public void* Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public nint Seconds;      // time_t: 64-bit on 64-bit targets (32-bit ARM glibc: 32 unless _TIME_BITS=64)
        public nint Nanoseconds;
    }

    public const short PollIn = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "getifaddrs", SetLastError = true)]
    public static partial int GetIfAddrs(IfAddrs** list);

    [LibraryImport("libc", EntryPoint = "freeifaddrs")]
    public static partial void FreeIfAddrs(IfAddrs* list);

    /// <summary>madvise advice: fault the range's pages in writable now, changing no byte (Linux 5.14).</summary>
    public const int MadvPopulateWrite = 23;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    public static partial int MAdvise(void* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    public static partial int ClockGetTime(int clock, TimeSpec* time);

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", SetLastError = true)]
    public static partial uint IfNameToIndex(byte* name);

    [LibraryImport("libc", EntryPoint = "if_indextoname", SetLastError = true)]
    public static partial byte* IfIndexToName(uint index, byte* name);

    /// <summary>IFNAMSIZ: interface names are at most 15 bytes plus the NUL.</summary>
    public const int IfNameSize = 16;

    /// <summary>Writes a sockaddr_in6 for [group]:port into 28 bytes at <paramref name="sa"/>.</summary>
    public static void WriteSockaddrIn6(byte* sa, byte[] group, int groupOffset, int port)
    {
        new Span<byte>(sa, SockaddrIn6Size).Clear();
        sa[0] = AfInet6;
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        for (int i = 0; i < 16; i++) sa[8 + i] = group[groupOffset + i];
    }
}
