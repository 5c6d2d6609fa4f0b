using System;
using System.IO;
using Librecast.Sockets;

namespace Librecast.Gateway;

/// <summary>
/// <see cref="SocketsPlatform"/> with its randomness read from the kernel (<c>/dev/urandom</c>).
/// SocketsPlatform uses <c>RandomNumberGenerator</c>, which on Linux is OpenSSL, loaded with
/// dlopen at first use. The static lcgw image has no OpenSSL of its own: on an OpenWrt router
/// there is none ("No usable version of libssl was found", then abort, at the first message
/// published), and on a glibc host dlopen brings glibc's libssl and libc.so.6 into a statically
/// linked process, which crashed it (seen: SynchronizationLockException in a class constructor,
/// or SIGSEGV, on the first sensor publish). The kernel's source needs no library at all.
/// </summary>
internal sealed class GatewayPlatform : IPlatform, IDisposable
{
    private const string Source = "/dev/urandom";
    private readonly FileStream random;
    private readonly object gate = new();

    /// <summary>Opens the kernel's random source.</summary>
    /// <exception cref="IOException">/dev/urandom cannot be opened.</exception>
    public GatewayPlatform()
    {
        try
        {
            random = new FileStream(Source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 256);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException("cannot open " + Source + " (message nonces come from it): " + IoErrors.Describe(e), e);
        }
    }

    /// <inheritdoc/>
    public ITransport OpenTransport() => SocketsPlatform.Instance.OpenTransport();

    /// <inheritdoc/>
    public ulong NowNanoseconds() => SocketsPlatform.Instance.NowNanoseconds();

    /// <inheritdoc/>
    public void FillRandom(byte[] buffer, int offset, int count)
    {
        lock (gate)
        {
            // /dev/urandom never runs short, but Read may return less than asked: loop.
            while (count > 0)
            {
                int n = random.Read(buffer, offset, count);
                if (n <= 0) throw new IOException(Source + " returned no data");
                offset += n;
                count -= n;
            }
        }
    }

    /// <summary>Closes the random source.</summary>
    public void Dispose() => random.Dispose();
}
