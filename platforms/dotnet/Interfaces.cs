using System;
using System.IO;
using System.Net.NetworkInformation;
using System.Text;

namespace Librecast.Sockets;

/// <summary>Network interface lookup by name or index, for choosing where multicast goes.</summary>
public static class Interfaces
{
    /// <summary>
    /// Resolves an interface given by name (<c>eth0</c>) or by index (<c>3</c>) to its index.
    /// Null or empty means 0, the default route.
    /// </summary>
    /// <exception cref="LibrecastException">No such interface; the message lists the ones that exist.</exception>
    public static int Resolve(string? nameOrIndex)
    {
        if (string.IsNullOrEmpty(nameOrIndex)) return 0;
        if (OperatingSystem.IsLinux()) return ResolveWithKernel(nameOrIndex);
        NetworkInterface[] all = NetworkInterface.GetAllNetworkInterfaces();
        bool numeric = int.TryParse(nameOrIndex, out int wanted);
        foreach (NetworkInterface ni in all)
        {
            int index = IndexOf(ni);
            if (index < 0) continue;
            if (ni.Name == nameOrIndex || (numeric && index == wanted)) return index;
        }
        throw Unknown(nameOrIndex);
    }

    // Linux: ask the kernel (if_nametoindex/if_indextoname: an ioctl on a socket, so it sees the
    // caller's network namespace). .NET's interface list reads more than it needs and fails
    // without /etc/resolv.conf, which a router at boot may lack; it is only used to list the
    // names in the error message.
    private static unsafe int ResolveWithKernel(string nameOrIndex)
    {
        byte* name = stackalloc byte[LinuxNative.IfNameSize];
        if (uint.TryParse(nameOrIndex, out uint wanted) && wanted > 0 && LinuxNative.IfIndexToName(wanted, name) != null)
            return (int)wanted;
        byte[] utf8 = Encoding.UTF8.GetBytes(nameOrIndex);
        if (utf8.Length < LinuxNative.IfNameSize && Array.IndexOf(utf8, (byte)0) < 0)
        {
            for (int i = 0; i < utf8.Length; i++) name[i] = utf8[i];
            name[utf8.Length] = 0;
            uint index = LinuxNative.IfNameToIndex(name);
            if (index > 0) return (int)index;
        }
        throw Unknown(nameOrIndex);
    }

    // The error for a name or index that is not there, listing the interfaces that are.
    private static LibrecastException Unknown(string nameOrIndex)
    {
        string names;
        try
        {
            var list = new StringBuilder();
            foreach (NetworkInterface ni in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (list.Length > 0) list.Append(", ");
                list.Append(ni.Name);
            }
            names = list.Length == 0 ? "none" : list.ToString();
        }
        catch (Exception e) when (e is NetworkInformationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            names = "cannot list them: " + SystemErrors.Describe(e);
        }
        return new LibrecastException($"unknown interface '{nameOrIndex}' (interfaces here: {names})");
    }

    private static int IndexOf(NetworkInterface ni)
    {
        try
        {
            return ni.GetIPProperties().GetIPv6Properties()?.Index ?? -1;
        }
        catch (NetworkInformationException)
        {
            return -1; // IPv6 disabled on this interface
        }
    }
}
