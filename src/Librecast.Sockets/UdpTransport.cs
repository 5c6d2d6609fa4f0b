using System;
using System.Net;
using System.Net.Sockets;

namespace Librecast.Sockets;

/// <summary>
/// <see cref="ITransport"/> on a System.Net.Sockets IPv6 UDP socket, set up the way librecast
/// sets up its sockets (wildcard bind with SO_REUSEADDR and SO_REUSEPORT, IPv6 multicast options).
/// </summary>
public sealed class UdpTransport : ITransport
{
    // Linux option numbers System.Net does not name.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int IpprotoIpv6 = 41;
    private const int Ipv6MulticastAll = 29;

    private readonly System.Net.Sockets.Socket socket;
    private readonly byte[] lastGroup = new byte[GroupAddress.Size];
    private int lastPort = -1;
    private SocketAddress? lastAddress;
    private EndPoint anyEndPoint = new IPEndPoint(IPAddress.IPv6Any, 0);

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
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            // Linux otherwise hands a wildcard-bound socket every group any socket on the host
            // joined on this port; we want only our own joins.
            socket.SetRawSocketOption(IpprotoIpv6, Ipv6MulticastAll, BitConverter.GetBytes(0));
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
    public void SetInterface(int interfaceIndex) =>
        Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, interfaceIndex),
            $"cannot send multicast via interface {interfaceIndex}");

    /// <inheritdoc/>
    public void SetHopLimit(int hops) =>
        Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, hops),
            $"cannot set hop limit {hops}");

    /// <inheritdoc/>
    public void SetLoopback(bool enabled) =>
        Option(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, enabled),
            "cannot set multicast loopback");

    /// <inheritdoc/>
    public void Join(byte[] group, int offset, int interfaceIndex) => Membership(SocketOptionName.AddMembership, group, offset, interfaceIndex, "join");

    /// <inheritdoc/>
    public void Leave(byte[] group, int offset, int interfaceIndex) => Membership(SocketOptionName.DropMembership, group, offset, interfaceIndex, "leave");

    private void Membership(SocketOptionName option, byte[] group, int offset, int interfaceIndex, string verb)
    {
        var address = new IPAddress(group.AsSpan(offset, GroupAddress.Size));
        try
        {
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
