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
    /// ipv6_mreq (group, lwIP netif index).
    /// </summary>
    /// <remarks>
    /// <para><b>Which netif.</b> nanoFramework exposes no lwIP netif index (its
    /// <c>NetworkInterface</c> and <c>WifiAdapter.NetworkInterface</c> number its own
    /// configuration blocks), and lwIP numbers netifs in the order they are added: on an image
    /// with a loopback netif (<c>CONFIG_LWIP_NETIF_LOOPBACK</c> is not turned off in
    /// nf-interpreter's <c>sdkconfig.default_rev3_ipv6.esp32</c>, and ESP-IDF's default is on)
    /// <c>lo</c> is index 1 and the Wi-Fi station comes after it. So with interface 0 (the
    /// default) a join is made on every index from 1 to <see cref="MaxNetifIndex"/> that the
    /// stack accepts (lwIP answers EADDRNOTAVAIL for an index with no netif), and the indexes
    /// used are logged: the station is always among them. A non-zero interface joins on that
    /// index only.</para>
    /// <para><b>IPv4-only images.</b> On a standard image (lwIP without IPv6) an AF_INET6 socket
    /// becomes an IPv4 one and IPv6 socket options go to the IPv4 level, so a join fails with a
    /// misleading error. The constructor therefore probes: an IPv6 socket that cannot bind to
    /// <c>[::]</c>, or whose local endpoint is IPv4, means the image has no IPv6, and it says so.</para>
    /// <para><b>ReuseAddress</b> needs lwIP's <c>SO_REUSE</c> (<c>CONFIG_LWIP_SO_REUSE</c>): asked for,
    /// never required.</para>
    /// </remarks>
    /// <remarks>
    /// What lwIP on the ESP32 does not offer is skipped and said here rather than faked: IPv6
    /// hop limit and multicast interface cannot be set (the stack's defaults apply: one netif,
    /// the default hop limit), and received datagrams carry no destination address (the core
    /// then attributes them to the one group the node joined). IPv4 TTL and loopback are asked
    /// for; if the image refuses, the defaults stay and nothing breaks.
    /// </remarks>
    public sealed class NanoTransport : ITransport
    {
        /// <summary>Highest lwIP netif index tried when joining on "every netif".</summary>
        public const int MaxNetifIndex = 8;

        /// <summary>What <see cref="CheckIpv6"/> says when the image has no IPv6.</summary>
        public const string NoIpv6 = "this image has no IPv6; use the IPv4 mapping (Ipv6 = false in the board's Board.cs) or the ESP32_PSRAM_REV3_IPV6 image";

        private readonly UdpSocket socket;
        private readonly bool ipv6;
        private readonly int interfaceIndex;
        private readonly bool[] joinedOn = new bool[MaxNetifIndex + 1];
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
            if (ipv6) CheckIpv6();
            try
            {
                socket = new UdpSocket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            }
            catch (SocketException e)
            {
                throw new LibrecastException(ipv6
                    ? NoIpv6 + " (cannot open an IPv6 UDP socket: " + e.Message + ")"
                    : "cannot open a UDP socket: " + e.Message, e);
            }
            from = ipv6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        }

        /// <summary>The lwIP netif indexes the last IPv6 join was made on, for the log ("1, 2").</summary>
        public string JoinedOn
        {
            get
            {
                string list = "";
                for (int i = 1; i <= MaxNetifIndex; i++)
                    if (joinedOn[i]) list = list.Length == 0 ? i.ToString() : list + ", " + i;
                return list;
            }
        }

        /// <summary>
        /// Throws if this firmware image has no IPv6: an IPv6 UDP socket that cannot be created or
        /// bound to [::]:0, or that reports an IPv4 local endpoint (what lwIP built without IPv6 makes
        /// of an AF_INET6 socket).
        /// </summary>
        /// <exception cref="LibrecastException">No IPv6 (the message says what to do instead).</exception>
        public static void CheckIpv6()
        {
            UdpSocket? probe = null;
            try
            {
                probe = new UdpSocket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
                probe.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
                EndPoint local = probe.LocalEndPoint;
                IPEndPoint? ip = local as IPEndPoint;
                if (ip != null && ip.AddressFamily != AddressFamily.InterNetworkV6) throw new LibrecastException(NoIpv6);
            }
            catch (SocketException e)
            {
                throw new LibrecastException(NoIpv6 + " (an IPv6 socket failed: " + e.Message + ")", e);
            }
            finally
            {
                if (probe != null) probe.Close();
            }
        }

        /// <inheritdoc/>
        public void Bind(int port)
        {
            try
            {
                // Best effort: lwIP built without SO_REUSE refuses, and one node needs no sharing.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            catch (SocketException)
            {
            }
            try
            {
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
            if (!ipv6)
            {
                // struct ip_mreq: group, then the local address (0.0.0.0: the default interface).
                Array.Copy(group, offset + 12, membership, 0, 4);
                for (int i = 4; i < 8; i++) membership[i] = 0;
                SetMembership(SocketOptionLevel.IP, option, group, offset, verb);
                return;
            }
            // struct ipv6_mreq: 16-byte group, then the netif index (little-endian u32, not 0).
            Array.Copy(group, offset, membership, 0, 16);
            bool join = option == SocketOptionName.AddMembership;
            if (interfaceIndex != 0)
            {
                SetIndex(interfaceIndex);
                SetMembership(SocketOptionLevel.IPv6, option, group, offset, verb);
                if (interfaceIndex <= MaxNetifIndex) joinedOn[interfaceIndex] = join;
                return;
            }
            int done = 0;
            string? refusal = null;
            for (int index = 1; index <= MaxNetifIndex; index++)
            {
                if (!join && !joinedOn[index]) continue;
                SetIndex(index);
                try
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, option, membership);
                    joinedOn[index] = join;
                    done++;
                }
                catch (SocketException e)
                {
                    if (refusal == null) refusal = e.Message; // EADDRNOTAVAIL: no netif with that index
                }
            }
            if (done == 0)
                throw new LibrecastException("cannot " + verb + " group " + GroupAddress.Format(group, offset) + " on any lwIP netif 1.." + MaxNetifIndex +
                    ": " + refusal + " (is Wi-Fi connected?)");
            if (join) Console.WriteLine("NanoTransport: joined " + GroupAddress.Format(group, offset) + " on lwIP netif " + JoinedOn +
                " (the Wi-Fi station is one of them; set InterfaceIndex to use one only)");
        }

        private void SetIndex(int index)
        {
            membership[16] = (byte)index;
            membership[17] = (byte)(index >> 8);
            membership[18] = (byte)(index >> 16);
            membership[19] = (byte)(index >> 24);
        }

        private void SetMembership(SocketOptionLevel level, SocketOptionName option, byte[] group, int offset, string verb)
        {
            try
            {
                socket.SetSocketOption(level, option, membership);
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
