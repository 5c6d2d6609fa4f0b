using System;
using System.Security.Cryptography;

namespace Librecast.Sockets;

/// <summary>The .NET platform for the core: System.Net.Sockets UDP, the system clock, the OS random source.</summary>
public sealed class SocketsPlatform : IPlatform
{
    /// <summary>One shared instance; the platform holds no state.</summary>
    public static readonly SocketsPlatform Instance = new();

    /// <inheritdoc/>
    public ITransport OpenTransport() => new UdpTransport();

    /// <inheritdoc/>
    public ulong NowNanoseconds() => (ulong)(DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100UL;

    /// <inheritdoc/>
    public void FillRandom(byte[] buffer, int offset, int count) => RandomNumberGenerator.Fill(buffer.AsSpan(offset, count));
}
