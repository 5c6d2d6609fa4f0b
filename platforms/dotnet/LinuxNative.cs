using System;
using System.Runtime.InteropServices;

namespace Librecast.Sockets;

/// <summary>
/// The Linux system calls System.Net does not expose: sendmmsg and recvmmsg, many datagrams per
/// call. Struct layouts are the LP64 ones (x86-64 and arm64 alike).
/// </summary>
internal static unsafe partial class LinuxNative
{
    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int SolIp = 0, IpPktInfo = 8;
    public const int SolIpv6 = 41, Ipv6PktInfo = 50;
    public const int SolSocket = 1, SoRxqOvfl = 40, SoRcvBuf = 8, SoRcvBufForce = 33;
    /// <summary>SO_MEMINFO: the socket's memory counters, u32[SK_MEMINFO_VARS]; index 8 is drops.</summary>
    public const int SoMemInfo = 55, SkMemInfoDrops = 8, SkMemInfoVars = 9;
    public const int AfInet6 = 10;
    public const int SockaddrIn6Size = 28;
    /// <summary>Room for IPV6_PKTINFO (CMSG_SPACE(20) = 40) and SO_RXQ_OVFL (CMSG_SPACE(4) = 24).</summary>
    public const int ControlSize = 96;

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
    public static void WriteSockaddrIn6(byte[] sa, byte[] group, int groupOffset, int port)
    {
        Array.Clear(sa);
        sa[0] = AfInet6; // sa_family is host order: little-endian on every target we build
        sa[1] = 0;
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        Array.Copy(group, groupOffset, sa, 8, 16);
    }
}
