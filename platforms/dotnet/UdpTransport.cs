using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Librecast.Sockets;

/// <summary>
/// <see cref="ITransport"/> on a System.Net.Sockets IPv6 UDP socket, set up the way librecast
/// sets up its sockets (wildcard bind with SO_REUSEADDR and SO_REUSEPORT, IPv6 multicast options).
/// </summary>
public sealed unsafe class UdpTransport : ITransport, IBatchTransport, IMulticastInterfaces, IInterfaceSend
{
    // Linux option numbers System.Net does not name (all in LinuxNative). The IPv4 ones are used on
    // this same socket for IPv4-mapped groups (Ipv4Group, ::ffff:239.x.y.z): Linux accepts SOL_IP
    // options on an AF_INET6 UDP socket and sends to v4-mapped addresses as IPv4.
    private const int SolSocket = LinuxNative.SolSocket, SoReusePort = LinuxNative.SoReusePort;
    private const int IpprotoIpv6 = LinuxNative.SolIpv6, Ipv6MulticastAll = LinuxNative.Ipv6MulticastAll;
    private const int SolIp = LinuxNative.SolIp;
    private const int IpMulticastIf = LinuxNative.IpMulticastIf, IpMulticastTtl = LinuxNative.IpMulticastTtl, IpMulticastLoop = LinuxNative.IpMulticastLoop;
    private const int IpAddMembership = LinuxNative.IpAddMembership, IpDropMembership = LinuxNative.IpDropMembership, IpMulticastAll = LinuxNative.IpMulticastAll;

    private readonly System.Net.Sockets.Socket socket;
    private readonly byte[] lastGroup = new byte[GroupAddress.Size];
    private int lastPort = -1;
    private SocketAddress? lastAddress;
    private EndPoint anyEndPoint = new IPEndPoint(IPAddress.IPv6Any, 0);
    private readonly int fd;
    private readonly bool native = OperatingSystem.IsLinux();
    // Scratch for sendmmsg and for recvmmsg (separate: the sender and the listener are
    // different threads), pinned so the kernel can be given raw pointers; sized on first use.
    private Scratch sendScratch = new(0);
    private Scratch receiveScratch = new(0);
    private readonly Batch single = new(Array.Empty<byte>(), 1);
    private int chosenInterface; // IPV6_MULTICAST_IF as last set (0: none)

    /// <summary>Opens an unbound IPv6 UDP socket.</summary>
    /// <exception cref="LibrecastException">IPv6 is not available.</exception>
    public UdpTransport()
    {
        try
        {
            socket = new System.Net.Sockets.Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        }
        catch (SocketException e)
        {
            throw new LibrecastException($"cannot open an IPv6 UDP socket: {e.Message} (is IPv6 enabled on this host?)", e);
        }
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        // Destination address and interface of each datagram, so a socket can tell its channels apart.
        socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
        if (OperatingSystem.IsLinux())
        {
            // Each of these refines behaviour librecast also asks for; a kernel or emulator
            // without one (qemu-user lacks some) still gives a working socket, so none is fatal.
            TryOption(SolSocket, SoReusePort, 1);
            // Linux otherwise hands a wildcard-bound socket every group any socket on the host
            // joined on this port (Socket.Match filters those out anyway).
            TryOption(IpprotoIpv6, Ipv6MulticastAll, 0);
            // The same for IPv4-mapped groups (Ipv4Group); and IPV6_V6ONLY off, which IPv4
            // channels need (.NET turns it on for an IPv6 socket unless DualMode is set).
            TryOption(SolIp, IpMulticastAll, 0);
            try { socket.DualMode = true; }
            catch (SocketException) { /* no IPv4 on this host: IPv4 channels then fail to join, saying so */ }
            // The kernel's count of datagrams dropped on this socket, delivered with each one.
            TryOption(LinuxNative.SolSocket, LinuxNative.SoRxqOvfl, 1);
            RequestReceiveBuffer(ReceiveBufferBytes);
            // Segmentation offload: one sendmsg carries up to 64 equal datagrams. Asking for
            // segment size 0 (the per-socket default, off) is the probe: a kernel before 4.18
            // answers ENOPROTOOPT, and the publisher then sends with plain sendmmsg.
            gso = TryOption(LinuxNative.SolUdp, LinuxNative.UdpSegment, 0);
            gsoRefused = !gso;
        }
        fd = (int)socket.Handle;
        if (native)
        {
            // Bind poll(2) now: the first call of a P/Invoke allocates, and ReceiveBatch reaches it
            // only on its first EAGAIN, which in a flood can come long after the receive thread
            // is expected to allocate nothing (TransportTests' GRO test saw those 32 bytes).
            LinuxNative.PollFd pfd = new() { Fd = fd, Events = LinuxNative.PollIn };
            LinuxNative.Poll(&pfd, 1, 0);
        }
    }

    // UDP GSO: on after a successful probe; off for good if the kernel answers EIO (the device
    // cannot checksum segments); and for datagrams of gsoRefusedFrom bytes or more once the kernel
    // refused that size with EMSGSIZE or EINVAL (a segment larger than the path MTU: measured on
    // 6.18, IPv6 says EMSGSIZE).
    private bool gso;
    private bool gsoRefused; // by the kernel (probe or EIO), not by DisableGso: every send counts as a fallback
    private int gsoRefusedFrom = int.MaxValue;

    /// <summary>Whether sends use UDP segmentation offload (the kernel accepted UDP_SEGMENT at start and has not refused it since).</summary>
    public bool Gso => gso;

    /// <summary>Datagrams this socket sent as segments of a UDP GSO send, since it was opened (the sender thread's count).</summary>
    public long SegmentedDatagrams { get; private set; }

    /// <summary>Turns UDP segmentation offload off for this socket (sendmmsg of single datagrams, as before GSO).</summary>
    public void DisableGso() => gso = false;

    /// <summary>
    /// Receive buffer asked of the kernel: bursts of small datagrams need far more than Linux's
    /// default 208 KiB (each queued datagram costs ~1 KiB of buffer however small it is).
    /// </summary>
    public const int ReceiveBufferBytes = 8 << 20;

    private bool TryOption(int level, int name, int value)
    {
        try
        {
            socket.SetRawSocketOption(level, name, BitConverter.GetBytes(value));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // SO_RCVBUFFORCE (root, or CAP_NET_ADMIN) may exceed net.core.rmem_max; otherwise the
    // kernel caps SO_RCVBUF at rmem_max silently. Either way no error: it is a request.
    private void RequestReceiveBuffer(int bytes)
    {
        byte[] value = BitConverter.GetBytes(bytes);
        try
        {
            socket.SetRawSocketOption(LinuxNative.SolSocket, LinuxNative.SoRcvBufForce, value);
        }
        catch (SocketException)
        {
            try { socket.SetRawSocketOption(LinuxNative.SolSocket, LinuxNative.SoRcvBuf, value); }
            catch (SocketException) { /* keep the default */ }
        }
    }

    /// <inheritdoc/>
    public void Bind(int port)
    {
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        }
        catch (SocketException e)
        {
            throw new LibrecastException($"cannot bind UDP port {port}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void SetInterface(int interfaceIndex)
    {
        chosenInterface = interfaceIndex;
        Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, interfaceIndex),
            $"cannot send multicast via interface {interfaceIndex}");
        // struct ip_mreqn { group (unused here), address 0.0.0.0, ifindex }.
        if (native) Option(() => socket.SetRawSocketOption(SolIp, IpMulticastIf, IpMreqn(null, 0, interfaceIndex)),
            $"cannot send IPv4 multicast via interface {interfaceIndex}");
    }

    /// <inheritdoc/>
    public void SetHopLimit(int hops)
    {
        Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, hops),
            $"cannot set hop limit {hops}");
        if (native) Option(() => socket.SetRawSocketOption(SolIp, IpMulticastTtl, BitConverter.GetBytes(hops)),
            $"cannot set IPv4 multicast TTL {hops}");
    }

    /// <inheritdoc/>
    public void SetLoopback(bool enabled)
    {
        Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, enabled),
            "cannot set multicast loopback");
        // IPv4's default is on, unlike librecast's: set it as well.
        if (native) Option(() => socket.SetRawSocketOption(SolIp, IpMulticastLoop, BitConverter.GetBytes(enabled ? 1 : 0)),
            "cannot set IPv4 multicast loopback");
    }

    private static byte[] IpMreqn(byte[]? group, int offset, int interfaceIndex)
    {
        var mreqn = new byte[12];
        if (group != null) Array.Copy(group, offset + 12, mreqn, 0, 4);
        BitConverter.TryWriteBytes(mreqn.AsSpan(8), interfaceIndex);
        return mreqn;
    }

    /// <inheritdoc/>
    public void Join(byte[] group, int offset, int interfaceIndex) => Membership(SocketOptionName.AddMembership, group, offset, interfaceIndex, "join");

    /// <inheritdoc/>
    public void Leave(byte[] group, int offset, int interfaceIndex) => Membership(SocketOptionName.DropMembership, group, offset, interfaceIndex, "leave");

    private void Membership(SocketOptionName option, byte[] group, int offset, int interfaceIndex, string verb)
    {
        var address = new IPAddress(group.AsSpan(offset, GroupAddress.Size));
        bool ipv4 = Ipv4Group.IsMapped(group, offset);
        if (ipv4 && !native)
            throw new LibrecastException($"cannot {verb} IPv4 group {Ipv4Group.Format(group, offset)}: IPv4-mapped channels need Linux");
        try
        {
            if (ipv4)
            {
                socket.SetRawSocketOption(SolIp, option == SocketOptionName.AddMembership ? IpAddMembership : IpDropMembership,
                    IpMreqn(group, offset, interfaceIndex));
                // Linux (seen on 6.18) early-demuxes an IPv4 multicast datagram to its one joined
                // socket, then re-picks a socket from that socket's SO_REUSEPORT group by hash,
                // ignoring membership: with another socket on port 4242 (a sender, say) about half
                // the groups are lost. Out of the reuseport group, the joined socket keeps them.
                // SO_REUSEADDR still lets other sockets share the port (docs/ipv4-mapping.md).
                if (option == SocketOptionName.AddMembership)
                    socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(0));
            }
            else
                socket.SetSocketOption(SocketOptionLevel.IPv6, option, new IPv6MulticastOption(address, interfaceIndex));
        }
        catch (SocketException e)
        {
            string hint = interfaceIndex == 0 ? " (no interface chosen and no default route: choose one, e.g. --interface eth0)" : "";
            throw new LibrecastException($"cannot {verb} group {address} on interface {interfaceIndex}: {e.Message}{hint}", e);
        }
    }

    /// <inheritdoc/>
    public int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port)
    {
        SocketAddress destination = Destination(group, groupOffset, port);
        try
        {
            return socket.SendTo(buffer.AsSpan(offset, count), SocketFlags.None, destination);
        }
        catch (SocketException e)
        {
            string hint = e.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable
                ? " (no route for multicast: choose an interface, e.g. --interface eth0)" : "";
            throw new LibrecastException($"cannot send to [{GroupAddress.Format(group, groupOffset)}]:{port}: {e.Message}{hint}", e);
        }
    }

    /// <inheritdoc/>
    public int SendVia(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port, int interfaceIndex)
    {
        if (interfaceIndex == 0 || Ipv4Group.IsMapped(group, groupOffset)) return Send(buffer, offset, count, group, groupOffset, port);
        if (offset < 0 || count < 0 || offset > buffer.Length - count) throw new ArgumentOutOfRangeException(nameof(count));
        if (!native) return SendViaOption(buffer, offset, count, group, groupOffset, port, interfaceIndex);
        // One sendmsg with IPV6_PKTINFO naming the interface, all of it on the stack: no
        // allocation, and no socket option changed under a concurrent sender.
        byte* sa = stackalloc byte[LinuxNative.SockaddrIn6Size];
        LinuxNative.WriteSockaddrIn6(sa, group, groupOffset, port);
        byte* control = stackalloc byte[64];
        LinuxNative.IoVec iov;
        LinuxNative.MMsgHdr h = default;
        fixed (byte* p = buffer)
        {
            iov.Base = p + offset;
            iov.Length = (nuint)count;
            h.Header.Name = sa;
            h.Header.NameLength = LinuxNative.SockaddrIn6Size;
            h.Header.Iov = &iov;
            h.Header.IovLength = 1;
            h.Header.Control = control;
            h.Header.ControlLength = (nuint)ControlMessages.WritePacketInfo(control, CmsgLayout.Native, interfaceIndex);
            while (true)
            {
                if (LinuxNative.SendMMsg(fd, &h, 1, 0) == 1) return count;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EIntr) continue;
                if (errno == LinuxNative.EAgain)
                {
                    socket.Poll(TimeSpan.FromMilliseconds(10), SelectMode.SelectWrite);
                    continue;
                }
                throw SendFailed(group, groupOffset, port, interfaceIndex, errno);
            }
        }
    }

    // Without sendmsg: choose the interface, send, choose the socket's own again.
    private int SendViaOption(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port, int interfaceIndex)
    {
        lock (socket)
        {
            Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, interfaceIndex),
                $"cannot send multicast via interface {InterfaceName(interfaceIndex)}");
            try { return Send(buffer, offset, count, group, groupOffset, port); }
            finally
            {
                Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, chosenInterface),
                    $"cannot send multicast via interface {chosenInterface}");
            }
        }
    }

    // "lc1 (5)" for messages; the index alone if it has no name (gone since).
    private static string InterfaceName(int index)
    {
        if (!OperatingSystem.IsLinux()) return index.ToString();
        byte* name = stackalloc byte[LinuxNative.IfNameSize];
        byte* got = LinuxNative.IfIndexToName((uint)index, name);
        return got == null ? index.ToString() : $"{Marshal.PtrToStringUTF8((IntPtr)got)} ({index})";
    }

    // Senders usually talk to one channel, so the serialized destination is cached: no
    // allocation per send for the same group and port.
    private SocketAddress Destination(byte[] group, int offset, int port)
    {
        if (lastAddress == null || port != lastPort || !GroupAddress.Equal(lastGroup, 0, group, offset))
        {
            lastAddress = new IPEndPoint(new IPAddress(group.AsSpan(offset, GroupAddress.Size)), port).Serialize();
            Array.Copy(group, offset, lastGroup, 0, GroupAddress.Size);
            lastPort = port;
        }
        return lastAddress;
    }

    /// <inheritdoc/>
    public int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info)
    {
        if (!native) return ReceiveManaged(buffer, offset, count, timeoutMs, info);
        fixed (byte* p = buffer)
        {
            // One datagram through the batch path: no allocation, destination from IPV6_PKTINFO.
            single.Infos[0] = info; // written in place by the receive
            int n = ReceiveNative(p, single, offset, count, timeoutMs);
            if (n == 0) return -1;
            return single.Lengths[0];
        }
    }

    private int ReceiveManaged(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info)
    {
        try
        {
            if (timeoutMs >= 0 && !socket.Poll(TimeSpan.FromMilliseconds(timeoutMs), SelectMode.SelectRead)) return -1;
            SocketFlags flags = SocketFlags.None;
            int n = socket.ReceiveMessageFrom(buffer, offset, count, ref flags, ref anyEndPoint, out IPPacketInformation packet);
            var source = (IPEndPoint)anyEndPoint;
            source.Address.TryWriteBytes(info.Source, out _);
            info.SourcePort = source.Port;
            info.HasDestination = packet.Address != null && packet.Address.AddressFamily == AddressFamily.InterNetworkV6
                && packet.Address.TryWriteBytes(info.Destination, out _);
            info.InterfaceIndex = packet.Interface;
            info.Truncated = (flags & SocketFlags.Truncated) != 0;
            return n;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
        {
            info.HasDestination = false;
            info.Truncated = true;
            return count;
        }
        catch (SocketException e)
        {
            throw new LibrecastException($"receive failed: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public byte[] AllocateSlab(int bytes) => GC.AllocateArray<byte>(bytes, pinned: true);

    private sealed class Scratch(int capacity)
    {
        public readonly LinuxNative.MMsgHdr[] Headers = GC.AllocateArray<LinuxNative.MMsgHdr>(capacity, pinned: true);
        public readonly LinuxNative.IoVec[] Iovecs = GC.AllocateArray<LinuxNative.IoVec>(capacity, pinned: true);
        public readonly byte[] Names = GC.AllocateArray<byte>(capacity * LinuxNative.SockaddrIn6Size, pinned: true);
        public readonly byte[] Controls = GC.AllocateArray<byte>(capacity * LinuxNative.ControlSize, pinned: true);
        public readonly int[] Runs = new int[capacity];
    }

    private static Scratch Ensure(ref Scratch scratch, int capacity)
    {
        if (scratch.Headers.Length < capacity) scratch = new Scratch(capacity);
        return scratch;
    }

    // The destination of send header `h`: a sockaddr_in6 for [group]:port of `channel`, written
    // into the send scratch's pinned names (28 bytes per header). Per header, not kept on the
    // channel: a 16-byte copy and a few stores per run of datagrams, nothing allocated.
    private static byte* NameFor(Scratch scratch, byte* names, int h, Channel channel)
    {
        int at = h * LinuxNative.SockaddrIn6Size;
        byte* sa = names + at;
        new Span<byte>(sa, LinuxNative.SockaddrIn6Size).Clear();
        sa[0] = LinuxNative.AfInet6; // sa_family is host order: little-endian on every target we build
        sa[2] = (byte)(channel.Port >> 8);
        sa[3] = (byte)channel.Port;
        channel.CopyGroupTo(scratch.Names, at + 8);
        return sa;
    }

    /// <inheritdoc/>
    public int SendBatch(Batch batch, int start)
    {
        int n = batch.Count - start;
        if (n <= 0) return 0;
        if (!native)
        {
            Channel c = batch.Channels[start];
            byte[] group = new byte[GroupAddress.Size];
            c.CopyGroupTo(group, 0);
            SendVia(batch.Slab, batch.Offsets[start], batch.Lengths[start], group, 0, c.Port, batch.Interface);
            return 1;
        }
        batch.Segmented = 0;
        if (gso) return SendSegmented(batch, start, n);
        int each = SendEach(batch, start, n);
        if (gsoRefused) batch.GsoFallbacks += each; // visible: gso_fallbacks in the counters
        return each;
    }

    // Largest UDP payload of one GSO send: IPv4's limit (65535 - 20 - 8), which also fits IPv6.
    private const int MaxGsoBytes = 65507;

    // One sendmsg per run of consecutive datagrams to one channel of one size (the last of a run
    // may be shorter) that lie back to back in the slab, carrying a UDP_SEGMENT control message:
    // one iovec points at the run where it lies (the publisher's SendRing packs datagrams in
    // claim order, so a run to one channel is contiguous unless the ring wrapped), and the kernel
    // cuts it back into those datagrams, each its own librecast frame as stamped. One iovec per
    // run, not per datagram: the kernel copies a 97-byte iovec at a time far slower than one
    // block (measured: _copy_from_iter 13.5% of lc send's profile with an iovec per datagram,
    // docs/performance.md). All runs go in one sendmmsg.
    private int SendSegmented(Batch batch, int start, int n)
    {
        Scratch scratch = Ensure(ref sendScratch, batch.Capacity);
        CmsgLayout layout = CmsgLayout.Native;
        int[] runs = scratch.Runs;
        int via = batch.Interface;
        fixed (byte* slab = batch.Slab)
        fixed (LinuxNative.MMsgHdr* h = scratch.Headers)
        fixed (LinuxNative.IoVec* v = scratch.Iovecs)
        fixed (byte* control = scratch.Controls)
        fixed (byte* names = scratch.Names)
        {
            int headers = 0;
            for (int i = 0; i < n;)
            {
                int k = start + i;
                Channel c = batch.Channels[k];
                int size = batch.Lengths[k];
                int run = 1;
                int runBytes = size;
                if (size < gsoRefusedFrom && size > 0)
                {
                    while (i + run < n && run < LinuxNative.UdpMaxSegments && runBytes + size <= MaxGsoBytes
                           && batch.Channels[k + run] == c && batch.Lengths[k + run] <= size && batch.Lengths[k + run] > 0
                           && batch.Offsets[k + run] == batch.Offsets[k] + runBytes)
                    {
                        runBytes += batch.Lengths[k + run];
                        run++;
                        if (batch.Lengths[k + run - 1] < size) break; // a shorter one ends the run
                    }
                }
                v[i].Base = slab + batch.Offsets[k];
                v[i].Length = (nuint)runBytes;
                h[headers].Header = default;
                h[headers].Header.Name = NameFor(scratch, names, headers, c);
                h[headers].Header.NameLength = LinuxNative.SockaddrIn6Size;
                h[headers].Header.Iov = v + i;
                h[headers].Header.IovLength = 1;
                byte* cmsg = control + headers * LinuxNative.ControlSize;
                int controlLength = run > 1 ? ControlMessages.WriteSegment(cmsg, layout, size) : 0;
                if (via != 0) controlLength += ControlMessages.WritePacketInfo(cmsg + controlLength, layout, via);
                if (controlLength > 0)
                {
                    h[headers].Header.Control = cmsg;
                    h[headers].Header.ControlLength = (nuint)controlLength;
                }
                runs[headers++] = run;
                i += run;
            }
            while (true)
            {
                int sent = LinuxNative.SendMMsg(fd, h, (uint)headers, 0);
                if (sent > 0)
                {
                    int datagrams = 0;
                    for (int r = 0; r < sent; r++)
                    {
                        datagrams += runs[r];
                        if (runs[r] > 1) batch.Segmented += runs[r];
                        else if (batch.Lengths[start + datagrams - 1] >= gsoRefusedFrom) batch.GsoFallbacks++; // sent alone: refused at this size
                    }
                    SegmentedDatagrams += batch.Segmented;
                    return datagrams;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EIntr) continue;
                if (errno == LinuxNative.EAgain)
                {
                    socket.Poll(TimeSpan.FromMilliseconds(10), SelectMode.SelectWrite);
                    continue;
                }
                if (runs[0] > 1 && errno is LinuxNative.EInval or LinuxNative.EMsgSize or LinuxNative.EIo)
                {
                    // Refused: EIO, the device cannot offload (GSO off for good); EMSGSIZE (IPv6)
                    // or EINVAL (IPv4), a segment larger than the path MTU, which single datagrams
                    // pass by fragmenting (off from this size up). This run goes as single
                    // datagrams now, counted in GsoFallbacks.
                    if (errno == LinuxNative.EIo) { gso = false; gsoRefused = true; }
                    else gsoRefusedFrom = Math.Min(gsoRefusedFrom, batch.Lengths[start]);
                    int each = SendEach(batch, start, runs[0]);
                    batch.GsoFallbacks += each;
                    return each;
                }
                throw SendFailed(batch.Channels[start], via, errno);
            }
        }
    }

    private int SendEach(Batch batch, int start, int n)
    {
        Scratch scratch = Ensure(ref sendScratch, batch.Capacity);
        fixed (byte* slab = batch.Slab)
        fixed (LinuxNative.MMsgHdr* h = scratch.Headers)
        fixed (LinuxNative.IoVec* v = scratch.Iovecs)
        fixed (byte* control = scratch.Controls)
        fixed (byte* names = scratch.Names)
        {
            int via = batch.Interface;
            for (int i = 0; i < n; i++)
            {
                int k = start + i;
                v[i].Base = slab + batch.Offsets[k];
                v[i].Length = (nuint)batch.Lengths[k];
                h[i].Header = default;
                h[i].Header.Name = NameFor(scratch, names, i, batch.Channels[k]);
                h[i].Header.NameLength = LinuxNative.SockaddrIn6Size;
                h[i].Header.Iov = v + i;
                h[i].Header.IovLength = 1;
                if (via != 0)
                {
                    byte* cmsg = control + i * LinuxNative.ControlSize;
                    h[i].Header.Control = cmsg;
                    h[i].Header.ControlLength = (nuint)ControlMessages.WritePacketInfo(cmsg, CmsgLayout.Native, via);
                }
            }
            while (true)
            {
                int sent = LinuxNative.SendMMsg(fd, h, (uint)n, 0);
                if (sent > 0) return sent;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EIntr) continue;
                if (errno == LinuxNative.EAgain)
                {
                    socket.Poll(TimeSpan.FromMilliseconds(10), SelectMode.SelectWrite);
                    continue;
                }
                throw SendFailed(batch.Channels[start], via, errno);
            }
        }
    }

    private static LibrecastException SendFailed(Channel c, int via, int errno)
    {
        byte[] group = new byte[GroupAddress.Size];
        c.CopyGroupTo(group, 0);
        return SendFailed(group, 0, c.Port, via, errno);
    }

    private static LibrecastException SendFailed(byte[] group, int groupOffset, int port, int via, int errno)
    {
        string error = Marshal.GetPInvokeErrorMessage(errno);
        string hint = errno is 101 or 113 && via == 0 ? " (no route for multicast: choose an interface, e.g. --interface eth0)" : "";
        string by = via == 0 ? "" : " via interface " + InterfaceName(via);
        return new LibrecastException($"cannot send to [{GroupAddress.Format(group, groupOffset)}]:{port}{by}: {error}{hint}");
    }

    /// <inheritdoc/>
    public int ReadKernelDrops()
    {
        if (!native) return -1;
        // getsockopt directly: called on the receive thread on every quiet poll, allocation-free.
        uint* info = stackalloc uint[LinuxNative.SkMemInfoVars];
        uint length = 4 * LinuxNative.SkMemInfoVars;
        if (LinuxNative.GetSockOpt(fd, LinuxNative.SolSocket, LinuxNative.SoMemInfo, info, &length) != 0) return -1;
        return length >= 4 * (LinuxNative.SkMemInfoDrops + 1) ? (int)info[LinuxNative.SkMemInfoDrops] : -1;
    }

    /// <inheritdoc/>
    public int ReceiveBatch(Batch batch, int timeoutMs)
    {
        if (!native)
        {
            // One datagram per call without recvmmsg.
            int len = ReceiveManaged(batch.Slab, batch.Offsets[0], batch.Lengths[0], timeoutMs, batch.Infos[0]);
            if (len < 0) return 0;
            batch.Lengths[0] = len;
            return 1;
        }
        fixed (byte* slab = batch.Slab)
        {
            return ReceiveNative(slab, batch, -1, -1, timeoutMs);
        }
    }

    // Receives into batch slices (or, with singleOffset >= 0, into one caller buffer at p).
    private int ReceiveNative(byte* p, Batch batch, int singleOffset, int singleCount, int timeoutMs)
    {
        int n = singleOffset >= 0 ? 1 : batch.Count;
        if (n <= 0) return 0;
        Scratch scratch = Ensure(ref receiveScratch, n);
        fixed (LinuxNative.MMsgHdr* h = scratch.Headers)
        fixed (LinuxNative.IoVec* v = scratch.Iovecs)
        fixed (byte* name = scratch.Names)
        fixed (byte* control = scratch.Controls)
        {
            for (int i = 0; i < n; i++)
            {
                v[i].Base = singleOffset >= 0 ? p + singleOffset : p + batch.Offsets[i];
                v[i].Length = (nuint)(singleOffset >= 0 ? singleCount : batch.Lengths[i]);
                h[i].Header = default;
                h[i].Header.Name = name + i * LinuxNative.SockaddrIn6Size;
                h[i].Header.NameLength = LinuxNative.SockaddrIn6Size;
                h[i].Header.Iov = v + i;
                h[i].Header.IovLength = 1;
                h[i].Header.Control = control + i * LinuxNative.ControlSize;
                h[i].Header.ControlLength = LinuxNative.ControlSize;
            }
            int got;
            while (true)
            {
                // Take what is queued first; wait (poll(2) directly: no allocation, one call less
                // per batch under load) only when nothing is.
                got = LinuxNative.RecvMMsg(fd, h, (uint)n, LinuxNative.MsgDontWait, null);
                if (got > 0) break;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LinuxNative.EAgain || errno == LinuxNative.EIntr)
                {
                    LinuxNative.PollFd pfd = new() { Fd = fd, Events = LinuxNative.PollIn };
                    int ready = LinuxNative.Poll(&pfd, 1, timeoutMs < 0 ? -1 : timeoutMs);
                    if (ready == 0) return 0;
                    if (ready < 0)
                    {
                        int pollErrno = Marshal.GetLastPInvokeError();
                        if (pollErrno != LinuxNative.EIntr) throw new LibrecastException($"receive failed: {Marshal.GetPInvokeErrorMessage(pollErrno)}");
                    }
                    continue;
                }
                throw new LibrecastException($"receive failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            int drops = batch.KernelDrops;
            for (int i = 0; i < got; i++)
            {
                byte* sa = name + i * LinuxNative.SockaddrIn6Size;
                DatagramInfo info = batch.Infos[i];
                batch.Lengths[singleOffset >= 0 ? 0 : i] = (int)h[i].Length;
                info.SourcePort = (sa[2] << 8) | sa[3];
                byte[] source = info.Source;
                for (int b = 0; b < 16; b++) source[b] = sa[8 + b];
                info.Truncated = (h[i].Header.Flags & LinuxNative.MsgTrunc) != 0;
                info.HasDestination = ControlMessages.Parse(h[i].Header.Control, (int)h[i].Header.ControlLength, CmsgLayout.Native, info, ref drops);
            }
            batch.KernelDrops = drops;
            return got;
        }
    }

    /// <inheritdoc/>
    public bool TryEnableGro() => native && TryOption(LinuxNative.SolUdp, LinuxNative.UdpGro, 1);

    /// <inheritdoc/>
    public int ListMulticastInterfaces(int[] indices)
    {
        if (!native) return 0;
        LinuxNative.IfAddrs* list;
        if (LinuxNative.GetIfAddrs(&list) != 0) return 0;
        int count = 0;
        try
        {
            // One entry per address: an interface is listed once, for its first IPv6 address.
            Span<int> seen = stackalloc int[256];
            for (LinuxNative.IfAddrs* a = list; a != null; a = a->Next)
            {
                if (a->Address == null || *(ushort*)a->Address != LinuxNative.AfInet6) continue;
                if ((a->Flags & (LinuxNative.IffUp | LinuxNative.IffMulticast)) != (LinuxNative.IffUp | LinuxNative.IffMulticast)) continue;
                int index = (int)LinuxNative.IfNameToIndex(a->Name);
                if (index <= 0 || seen[..Math.Min(count, seen.Length)].Contains(index)) continue;
                if (count < seen.Length) seen[count] = index;
                if (count < indices.Length) indices[count] = index;
                count++;
            }
        }
        finally
        {
            LinuxNative.FreeIfAddrs(list);
        }
        return count;
    }

    /// <summary>Closes the socket; the kernel leaves its groups.</summary>
    public void Dispose() => socket.Dispose();

    private static void Option(Action set, string what)
    {
        try
        {
            set();
        }
        catch (SocketException e)
        {
            throw new LibrecastException($"{what}: {e.Message}", e);
        }
    }
}
