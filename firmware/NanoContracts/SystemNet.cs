// Contract for nanoFramework.System.Net 1.11.60 (assembly System.Net): only what the node calls.
using System;

namespace System.Net
{
    public abstract class EndPoint
    {
    }

    public class IPAddress
    {
        public static readonly IPAddress Any = null;
        public static readonly IPAddress IPv6Any = null;
        public IPAddress(byte[] address) { throw new NotImplementedException(); }
        public byte[] GetAddressBytes() { throw new NotImplementedException(); }
    }

    public class IPEndPoint : EndPoint
    {
        public IPEndPoint(IPAddress address, int port) { throw new NotImplementedException(); }
        public IPAddress Address { get { throw new NotImplementedException(); } }
        public int Port { get { throw new NotImplementedException(); } }
    }
}

namespace System.Net.Sockets
{
    public enum AddressFamily { InterNetwork = 2, InterNetworkV6 = 23 }
    public enum SocketType { Dgram = 2 }
    public enum ProtocolType { IP = 0, IPv6 = 41, Udp = 17 }
    public enum SocketFlags { None = 0 }
    public enum SelectMode { SelectRead = 0, SelectWrite = 1, SelectError = 2 }
    public enum SocketOptionLevel { Socket = 0xffff, IP = 0, IPv6 = 41, Udp = 17 }

    public enum SocketOptionName
    {
        ReuseAddress = 0x0004,
        MulticastTimeToLive = 10,
        MulticastLoopback = 11,
        AddMembership = 12,
        DropMembership = 13,
    }

    public class SocketException : Exception
    {
        public int ErrorCode { get { throw new NotImplementedException(); } }
    }

    public class Socket : IDisposable
    {
        public Socket(AddressFamily addressFamily, SocketType socketType, ProtocolType protocolType) { throw new NotImplementedException(); }
        public void Bind(EndPoint localEP) { throw new NotImplementedException(); }
        public void SetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName, int optionValue) { throw new NotImplementedException(); }
        public void SetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName, bool optionValue) { throw new NotImplementedException(); }
        public void SetSocketOption(SocketOptionLevel optionLevel, SocketOptionName optionName, byte[] optionValue) { throw new NotImplementedException(); }
        public int SendTo(byte[] buffer, int offset, int size, SocketFlags socketFlags, EndPoint remoteEP) { throw new NotImplementedException(); }
        public int ReceiveFrom(byte[] buffer, int offset, int size, SocketFlags socketFlags, ref EndPoint remoteEP) { throw new NotImplementedException(); }
        public bool Poll(int microSeconds, SelectMode mode) { throw new NotImplementedException(); }
        public void Close() { throw new NotImplementedException(); }
        public void Dispose() { throw new NotImplementedException(); }
    }
}
