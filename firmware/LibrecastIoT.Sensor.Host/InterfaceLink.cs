using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace LibrecastIoT.Sensor;

/// <summary>
/// The host twin's stand-in for the ESP32's Wi-Fi: the state of a Linux network interface
/// (IFF_UP and IFF_RUNNING, read with SIOCGIFFLAGS). <c>ip link set IF down</c> is the twin's
/// "Wi-Fi lost": the node closes its socket, and re-joins when the interface is back.
/// </summary>
public sealed class InterfaceLink(string name) : INetworkLink
{
    private const ulong SIOCGIFFLAGS = 0x8913;
    private const short IFF_UP = 0x1, IFF_RUNNING = 0x40;
    private string state = "not checked yet";

    /// <inheritdoc/>
    public bool IsUp()
    {
        short flags = Flags();
        if (flags < 0) { state = $"interface {name} is gone"; return false; }
        bool up = (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
        state = up ? $"interface {name} up" : $"interface {name} down";
        return up;
    }

    /// <inheritdoc/>
    public bool WaitUp(int timeoutMs)
    {
        long end = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            if (IsUp()) return true;
            if (Environment.TickCount64 >= end) return false;
            Thread.Sleep(100);
        }
    }

    /// <inheritdoc/>
    public string Describe() => state;

    private short Flags()
    {
        int fd = socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
        if (fd < 0) return -1;
        try
        {
            var ifr = new byte[40]; // struct ifreq: char ifr_name[16]; short ifr_flags; ...
            byte[] n = System.Text.Encoding.ASCII.GetBytes(name);
            Array.Copy(n, ifr, Math.Min(n.Length, 15));
            if (ioctl(fd, SIOCGIFFLAGS, ifr) != 0) return -1;
            return BitConverter.ToInt16(ifr, 16);
        }
        finally
        {
            close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)] private static extern int socket(int domain, int type, int protocol);
    [DllImport("libc", SetLastError = true)] private static extern int ioctl(int fd, ulong request, byte[] ifr);
    [DllImport("libc")] private static extern int close(int fd);
}
