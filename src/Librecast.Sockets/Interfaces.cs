using System;
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
        NetworkInterface[] all = NetworkInterface.GetAllNetworkInterfaces();
        bool numeric = int.TryParse(nameOrIndex, out int wanted);
        foreach (NetworkInterface ni in all)
        {
            int index = IndexOf(ni);
            if (index < 0) continue;
            if (ni.Name == nameOrIndex || (numeric && index == wanted)) return index;
        }
        var names = new StringBuilder();
        foreach (NetworkInterface ni in all)
        {
            if (names.Length > 0) names.Append(", ");
            names.Append(ni.Name);
        }
        throw new LibrecastException($"unknown interface '{nameOrIndex}' (interfaces here: {(names.Length == 0 ? "none" : names.ToString())})");
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
