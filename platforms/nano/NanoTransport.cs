using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
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
    /// <c>lo</c> is index 1, always accepts a join, and the Wi-Fi station comes after it, with a
    /// higher index after every CLR-only restart (lwIP never reuses a number). So with interface 0
    /// (the default) the join is made on the station only: the first index from 2 up that lwIP
    /// accepts (<see cref="StationNetif"/>; index 1 only if no other does, an image without
    /// loopback), never on lo, and logged. A non-zero interface joins on that index only.</para>
    /// <para><b>MLD budget.</b> lwIP on the ESP32 has 4 MLD6 group slots (MEMP_NUM_MLD6_GROUP),
    /// one taken by the station's solicited-node group: <see cref="MaxIpv6Groups"/> (3) groups for
    /// the whole node, counted across its sockets: its command channel, the site's time channel
    /// and, with <c>nack</c>, the NACK group. A fourth join is refused here with that reason,
    /// rather than by lwIP with ENOMEM.</para>
    /// <para><b>IPv4-only images.</b> On a standard image (lwIP without IPv6) an AF_INET6 socket
    /// becomes an IPv4 one and IPv6 socket options go to the IPv4 level, so a join fails with a
    /// misleading error. The constructor therefore probes: an IPv6 socket that cannot bind to
    /// <c>[::]</c>, or whose local endpoint is IPv4, means the image has no IPv6, and it says so.</para>
    /// <para><b>ReuseAddress</b> needs lwIP's <c>SO_REUSE</c> (<c>CONFIG_LWIP_SO_REUSE</c>): asked for,
    /// never required.</para>
    /// </remarks>
    /// <remarks>
    /// <para>IPv6 hop limit, loopback and multicast interface: nanoFramework refuses
    /// <c>SocketOptionName.HopLimit</c> (21) but passes option numbers it does not know through
    /// to lwIP, and ESP-IDF's lwIP implements IPV6_MULTICAST_IF (0x300, a u8 netif index),
    /// IPV6_MULTICAST_HOPS (0x301) and IPV6_MULTICAST_LOOP (0x302), so those numbers are set at
    /// the IPv6 level; an image that refuses them keeps its defaults, and the first refusal is
    /// logged. IPv4 TTL and loopback likewise.</para>
    /// <para>Received datagrams carry no destination address (the core then attributes them to the
    /// one group the socket joined), and nanoFramework reports no MSG_TRUNC: each datagram is read
    /// into a buffer one byte larger than the caller's, so one that does not fit is flagged
    /// <see cref="DatagramInfo.Truncated"/> (the core counts it) instead of passing as whole.</para>
    /// </remarks>
    public sealed class NanoTransport : ITransport
    {
        /// <summary>Highest lwIP netif index tried when looking for the station.</summary>
        public const int MaxNetifIndex = StationNetif.MaxIndex;

        /// <summary>IPv6 groups lwIP on the ESP32 has room for (4 MLD6 slots, one the solicited-node group's).</summary>
        public const int MaxIpv6Groups = 3;

        /// <summary>ESP-IDF lwIP's IPV6_MULTICAST_IF (u8 netif index).</summary>
        public const int Ipv6MulticastIf = 0x300;

        /// <summary>ESP-IDF lwIP's IPV6_MULTICAST_HOPS.</summary>
        public const int Ipv6MulticastHops = 0x301;

        /// <summary>ESP-IDF lwIP's IPV6_MULTICAST_LOOP.</summary>
        public const int Ipv6MulticastLoop = 0x302;

        private static int ipv6Groups; // joined by every NanoTransport of this boot (lwIP's MLD6 slots are global)
        private static StationNetif? station;
        private static int optionRefusals;

        /// <summary>What <see cref="CheckIpv6"/> says when the image has no IPv6.</summary>
        public const string NoIpv6 = "this image has no IPv6; use the IPv4 mapping (Ipv6 = false in the board's Board.cs) or the ESP32_PSRAM_REV3_IPV6 image";

        private readonly UdpSocket socket;
        private readonly bool ipv6;
        private readonly int interfaceIndex;
        private readonly Probe probe;
        private int joinedIndex;   // the netif index of this socket's IPv6 joins, 0 if none
        private int groups;        // IPv6 groups this socket joined (lwIP leaves them when it closes)
        private byte[] scratch = new byte[0];
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
            probe = new Probe(this);
        }

        // lwIP's answer to one membership change on one index, for StationNetif.
        private sealed class Probe : INetifMembership
        {
            private readonly NanoTransport t;
            public Probe(NanoTransport t) { this.t = t; }

            public bool TryMembership(int index, bool join)
            {
                t.SetIndex(index);
                try
                {
                    t.socket.SetSocketOption(SocketOptionLevel.IPv6, join ? SocketOptionName.AddMembership : SocketOptionName.DropMembership, t.membership);
                    return true;
                }
                catch (SocketException)
                {
                    return false; // EADDRNOTAVAIL: no netif with that index
                }
            }
        }

        /// <summary>The lwIP netif index of this socket's IPv6 joins (the station's), 0 if none.</summary>
        public int JoinedOn { get { return joinedIndex; } }

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
            // IPv4: the default is the station. IPv6: the station's lwIP index once a join found it
            // (IPV6_MULTICAST_IF is a u8 netif index), or the one asked for.
            if (!ipv6) return;
            int index = interfaceIndex != 0 ? interfaceIndex : (station != null ? station.Known : 0);
            if (index > 0 && index <= 255) TryOption(SocketOptionLevel.IPv6, (SocketOptionName)Ipv6MulticastIf, index, "IPV6_MULTICAST_IF");
        }

        /// <inheritdoc/>
        public void SetHopLimit(int hops)
        {
            if (ipv6) TryOption(SocketOptionLevel.IPv6, (SocketOptionName)Ipv6MulticastHops, hops, "IPV6_MULTICAST_HOPS");
            else TryOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, hops, "IP_MULTICAST_TTL");
        }

        /// <inheritdoc/>
        public void SetLoopback(bool enabled)
        {
            if (ipv6) TryOption(SocketOptionLevel.IPv6, (SocketOptionName)Ipv6MulticastLoop, enabled ? 1 : 0, "IPV6_MULTICAST_LOOP");
            else TryOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, enabled ? 1 : 0, "IP_MULTICAST_LOOP");
        }

        private void TryOption(SocketOptionLevel level, SocketOptionName name, int value, string what)
        {
            try
            {
                socket.SetSocketOption(level, name, value);
            }
            catch (SocketException e)
            {
                // An image whose lwIP lacks the option (LWIP_MULTICAST_TX_OPTIONS off, or no IPv6
                // multicast options) refuses: its default stays. Said once per boot.
                if (Interlocked.Increment(ref optionRefusals) == 1)
                    Console.WriteLine("NanoTransport: this image refused " + what + " = " + value + " (" + e.Message + "); its default applies");
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
            if (!join)
            {
                if (joinedIndex == 0 && interfaceIndex == 0) return; // never joined
                SetIndex(interfaceIndex != 0 ? interfaceIndex : joinedIndex);
                SetMembership(SocketOptionLevel.IPv6, option, group, offset, verb);
                if (groups > 0)
                {
                    groups--;
                    Interlocked.Decrement(ref ipv6Groups);
                }
                return;
            }
            if (Interlocked.Increment(ref ipv6Groups) > MaxIpv6Groups)
            {
                Interlocked.Decrement(ref ipv6Groups);
                throw new LibrecastException("cannot join group " + GroupAddress.Format(group, offset) + ": lwIP on the ESP32 has room for " + MaxIpv6Groups +
                    " IPv6 groups (MEMP_NUM_MLD6_GROUP 4, one the solicited-node group's) and the node has joined them all");
            }
            int index;
            if (interfaceIndex != 0)
            {
                SetIndex(interfaceIndex);
                try
                {
                    SetMembership(SocketOptionLevel.IPv6, option, group, offset, verb);
                }
                catch (LibrecastException)
                {
                    Interlocked.Decrement(ref ipv6Groups);
                    throw;
                }
                index = interfaceIndex;
            }
            else
            {
                if (station == null) station = new StationNetif();
                index = station.Join(probe);
                if (index == 0)
                {
                    Interlocked.Decrement(ref ipv6Groups);
                    throw new LibrecastException("cannot join group " + GroupAddress.Format(group, offset) + ": no lwIP netif 1.." + MaxNetifIndex +
                        " accepted it (is Wi-Fi connected?)");
                }
            }
            joinedIndex = index;
            groups++;
            Console.WriteLine("NanoTransport: joined " + GroupAddress.Format(group, offset) + " on lwIP netif " + index +
                (interfaceIndex != 0 ? " (InterfaceIndex)" : index == 1 ? " (the only netif that accepted: no loopback netif in this image)" : " (the Wi-Fi station; lo is 1)") +
                "; " + ipv6Groups + " of " + MaxIpv6Groups + " IPv6 groups");
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
                // One byte more than the caller takes: a datagram that fills it did not fit (nanoFramework reports no MSG_TRUNC).
                if (scratch.Length < count + 1) scratch = new byte[count + 1];
                int n = socket.ReceiveFrom(scratch, 0, count + 1, SocketFlags.None, ref from);
                bool truncated = n > count;
                if (truncated) n = count;
                Array.Copy(scratch, 0, buffer, offset, n);
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
                info.Truncated = truncated;
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
            // lwIP left this socket's groups: their MLD slots are free again.
            if (groups > 0)
            {
                for (; groups > 0; groups--) Interlocked.Decrement(ref ipv6Groups); // nanoFramework has no Interlocked.Add
            }
        }
    }
}
