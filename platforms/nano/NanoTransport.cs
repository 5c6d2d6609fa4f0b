using System;
using System.Net;
using System.Net.Sockets;
using Librecast;
using UdpSocket = System.Net.Sockets.Socket;

namespace Librecast.Nano
{
    /// <summary>
    /// The core's <see cref="ITransport"/> on a nanoFramework UDP socket (lwIP underneath).
    /// IPv4 mode (every ESP32 image): an AF_INET socket, groups are the core's IPv4-mapped
    /// ::ffff:239.x.y.z, joined with IP_ADD_MEMBERSHIP (8 bytes: group, local address).
    /// IPv6 mode (ESP32_PSRAM_REV3_IPV6 image): an AF_INET6 socket joined with a 20-byte
    /// ipv6_mreq (group, netif index).
    /// </summary>
    /// <remarks>
    /// What lwIP on the ESP32 does not offer is skipped and said here rather than faked: IPv6
    /// hop limit and multicast interface cannot be set (the stack's defaults apply: one netif,
    /// the default hop limit), and received datagrams carry no destination address (the core
    /// then attributes them to the one group the node joined). IPv4 TTL and loopback are asked
    /// for; if the image refuses, the defaults stay and nothing breaks.
    /// </remarks>
    public sealed class NanoTransport : ITransport
    {
        private readonly UdpSocket socket;
        private readonly bool ipv6;
        private readonly int interfaceIndex;
        private readonly byte[] lastGroup = new byte[GroupAddress.Size];
        private readonly byte[] membership;
        private int lastPort = -1;
        private IPEndPoint? destination;
        private EndPoint from;

        /// <summary>Opens a UDP socket for IPv6 (<paramref name="ipv6"/>) or IPv4 multicast.</summary>
        /// <exception cref="LibrecastException">The firmware has no such socket (IPv6 on a standard image).</exception>
        public NanoTransport(bool ipv6, int interfaceIndex)
        {
            this.ipv6 = ipv6;
            this.interfaceIndex = interfaceIndex;
            membership = new byte[ipv6 ? 20 : 8];
            try
            {
                socket = new UdpSocket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            }
            catch (SocketException e)
            {
                throw new LibrecastException(ipv6
                    ? "cannot open an IPv6 UDP socket: this firmware image has no IPv6 (flash ESP32_PSRAM_REV3_IPV6, or set Ipv6 = false in the board config)"
                    : "cannot open a UDP socket: " + e.Message, e);
            }
            from = ipv6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        }

        /// <inheritdoc/>
        public void Bind(int port)
        {
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            }
            catch (SocketException e)
            {
                throw new LibrecastException("cannot bind UDP port " + port + ": " + e.Message, e);
            }
        }

        /// <inheritdoc/>
        public void SetInterface(int interfaceIndex)
        {
            // One Wi-Fi netif: the stack's default route is it. (lwIP on the ESP32 cannot set the
            // IPv6 multicast interface; for IPv4 the default is the station interface too.)
        }

        /// <inheritdoc/>
        public void SetHopLimit(int hops)
        {
            if (ipv6) return; // not settable on ESP32 lwIP; the stack default applies
            TryOption(SocketOptionName.MulticastTimeToLive, hops);
        }

        /// <inheritdoc/>
        public void SetLoopback(bool enabled)
        {
            if (ipv6) return;
            TryOption(SocketOptionName.MulticastLoopback, enabled ? 1 : 0);
        }

        private void TryOption(SocketOptionName name, int value)
        {
            try
            {
                socket.SetSocketOption(SocketOptionLevel.IP, name, value);
            }
            catch (SocketException)
            {
                // An image built without LWIP_MULTICAST_TX_OPTIONS refuses: keep its default.
            }
        }

        /// <inheritdoc/>
        public void Join(byte[] group, int offset, int interfaceIndex)
        {
            Membership(SocketOptionName.AddMembership, group, offset, "join");
        }

        /// <inheritdoc/>
        public void Leave(byte[] group, int offset, int interfaceIndex)
        {
            Membership(SocketOptionName.DropMembership, group, offset, "leave");
        }

        private void Membership(SocketOptionName option, byte[] group, int offset, string verb)
        {
            CheckFamily(group, offset);
            if (ipv6)
            {
                // struct ipv6_mreq: 16-byte group, then the netif index (little-endian u32,
                // must not be 0 on ESP32 lwIP).
                Array.Copy(group, offset, membership, 0, 16);
                int index = interfaceIndex == 0 ? 1 : interfaceIndex;
                membership[16] = (byte)index;
                membership[17] = (byte)(index >> 8);
                membership[18] = (byte)(index >> 16);
                membership[19] = (byte)(index >> 24);
            }
            else
            {
                // struct ip_mreq: group, then the local address (0.0.0.0: the default interface).
                Array.Copy(group, offset + 12, membership, 0, 4);
                for (int i = 4; i < 8; i++) membership[i] = 0;
            }
            try
            {
                socket.SetSocketOption(ipv6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP, option, membership);
            }
            catch (SocketException e)
            {
                throw new LibrecastException("cannot " + verb + " group " + GroupAddress.Format(group, offset) + ": " + e.Message +
                    " (is Wi-Fi connected?)", e);
            }
        }

        private void CheckFamily(byte[] group, int offset)
        {
            bool mapped = Ipv4Group.IsMapped(group, offset);
            if (ipv6 == mapped)
                throw new LibrecastException(ipv6
                    ? "group " + GroupAddress.Format(group, offset) + " is IPv4 but this transport speaks IPv6: use Context.CreateChannel"
                    : "group " + GroupAddress.Format(group, offset) + " is IPv6 but this transport speaks IPv4: use Context.CreateIpv4Channel, or an IPv6 firmware image");
        }

        /// <inheritdoc/>
        public int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port)
        {
            IPEndPoint to = Destination(group, groupOffset, port);
            try
            {
                return socket.SendTo(buffer, offset, count, SocketFlags.None, to);
            }
            catch (SocketException e)
            {
                throw new LibrecastException("cannot send to " + GroupAddress.Format(group, groupOffset) + " port " + port + ": " + e.Message +
                    " (is Wi-Fi connected?)", e);
            }
        }

        // The node talks to one telemetry channel: the endpoint is built once and reused.
        private IPEndPoint Destination(byte[] group, int offset, int port)
        {
            if (destination == null || port != lastPort || !GroupAddress.Equal(lastGroup, 0, group, offset))
            {
                CheckFamily(group, offset);
                byte[] address = new byte[ipv6 ? 16 : 4];
                Array.Copy(group, ipv6 ? offset : offset + 12, address, 0, address.Length);
                destination = new IPEndPoint(new IPAddress(address), port);
                Array.Copy(group, offset, lastGroup, 0, GroupAddress.Size);
                lastPort = port;
            }
            return destination;
        }

        /// <inheritdoc/>
        public int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info)
        {
            try
            {
                // Poll takes microseconds; negative waits forever.
                int micro = timeoutMs < 0 ? -1 : (timeoutMs > 2000000 ? 2000000000 : timeoutMs * 1000);
                if (!socket.Poll(micro, SelectMode.SelectRead)) return -1;
                int n = socket.ReceiveFrom(buffer, offset, count, SocketFlags.None, ref from);
                IPEndPoint source = (IPEndPoint)from;
                byte[] address = source.Address.GetAddressBytes();
                if (address.Length == 4)
                {
                    for (int i = 0; i < 10; i++) info.Source[i] = 0;
                    info.Source[10] = 0xff;
                    info.Source[11] = 0xff;
                    Array.Copy(address, 0, info.Source, 12, 4);
                }
                else Array.Copy(address, 0, info.Source, 0, 16);
                info.SourcePort = source.Port;
                info.HasDestination = false;
                info.InterfaceIndex = 0;
                info.Truncated = false;
                return n;
            }
            catch (SocketException e)
            {
                throw new LibrecastException("receive failed: " + e.Message, e);
            }
        }

        /// <summary>Closes the socket (lwIP leaves its groups).</summary>
        public void Dispose()
        {
            socket.Close();
        }
    }
}
