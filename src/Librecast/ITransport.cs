using System;

namespace Librecast
{
    /// <summary>
    /// One UDP socket as the core sees it: IPv6 multicast, addresses as 16-byte arrays,
    /// interfaces as indices. Implementations throw <see cref="LibrecastException"/> with a
    /// message a user can act on.
    /// </summary>
    public interface ITransport : IDisposable
    {
        /// <summary>Binds to the wildcard address on <paramref name="port"/> with address reuse.</summary>
        void Bind(int port);

        /// <summary>Selects the interface for outgoing multicast (0 = the default route).</summary>
        void SetInterface(int interfaceIndex);

        /// <summary>Sets the multicast hop limit (librecast's default is 255).</summary>
        void SetHopLimit(int hops);

        /// <summary>Turns multicast loopback on or off (librecast's default is off).</summary>
        void SetLoopback(bool enabled);

        /// <summary>Joins the group (16 bytes at <paramref name="group"/>[offset]) on an interface (0 = default).</summary>
        void Join(byte[] group, int offset, int interfaceIndex);

        /// <summary>Leaves a group previously joined.</summary>
        void Leave(byte[] group, int offset, int interfaceIndex);

        /// <summary>Sends one datagram to [group]:port; returns the bytes sent.</summary>
        int Send(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port);

        /// <summary>
        /// Waits up to <paramref name="timeoutMs"/> (negative: forever) for one datagram and
        /// receives it into <paramref name="buffer"/>; fills <paramref name="info"/>.
        /// </summary>
        /// <returns>The datagram length, or -1 if the time ran out.</returns>
        int Receive(byte[] buffer, int offset, int count, int timeoutMs, DatagramInfo info);
    }

    /// <summary>
    /// Optional transport capability: the interfaces a group is joined on when the socket chose
    /// none (<c>Socket.Bind(0)</c>), as librecast joins every multicast-capable interface then.
    /// </summary>
    public interface IMulticastInterfaces
    {
        /// <summary>
        /// Writes the indices of the interfaces that are up, multicast-capable and have an IPv6
        /// address into <paramref name="indices"/> (as many as fit) and returns how many there are.
        /// </summary>
        int ListMulticastInterfaces(int[] indices);
    }

    /// <summary>
    /// Optional transport capability: one datagram out of a named interface whatever the socket
    /// chose, without changing the socket (Linux: IPV6_PKTINFO on the send). An unbound socket of
    /// the 0.9+ wire sends a copy on every multicast interface through it, as librecast does.
    /// </summary>
    public interface IInterfaceSend
    {
        /// <summary>
        /// Sends one datagram to [group]:port out of interface <paramref name="interfaceIndex"/>
        /// (0: the socket's own choice, as <see cref="ITransport.Send"/>); returns the bytes sent.
        /// </summary>
        /// <exception cref="LibrecastException">The send failed; the message names the interface.</exception>
        int SendVia(byte[] buffer, int offset, int count, byte[] group, int groupOffset, int port, int interfaceIndex);
    }
}
