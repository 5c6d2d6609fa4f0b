using System;
using System.IO;
using System.Security.Cryptography;

namespace Librecast.Sockets;

/// <summary>The .NET platform for the core: System.Net.Sockets UDP, the system clock, the kernel's random source.</summary>
public sealed class SocketsPlatform : IPlatform
{
    /// <summary>One shared instance.</summary>
    public static readonly SocketsPlatform Instance = new();

    private const string KernelRandom = "/dev/urandom";
    private readonly object randomGate = new();
    private FileStream? random;

    /// <inheritdoc/>
    public ITransport OpenTransport() => new UdpTransport();

    /// <summary>
    /// Wall clock in full nanoseconds, as librecast stamps its frames: CLOCK_REALTIME on Linux
    /// (a vDSO call, no system call); elsewhere DateTime's 100 ns ticks.
    /// </summary>
    public unsafe ulong NowNanoseconds()
    {
        if (OperatingSystem.IsLinux())
        {
            LinuxNative.TimeSpec t;
            if (LinuxNative.ClockGetTime(LinuxNative.ClockRealtime, &t) == 0)
                return (ulong)t.Seconds * 1_000_000_000UL + (ulong)t.Nanoseconds;
        }
        return (ulong)(DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100UL;
    }

    /// <inheritdoc/>
    public long MonotonicMilliseconds() => Environment.TickCount64;

    /// <summary>
    /// Cryptographic random bytes (nonces, the frame's rnd). On Linux straight from the kernel's
    /// <c>/dev/urandom</c>, read through a 4 KiB buffer (one system call per 256 encrypted
    /// messages): .NET's <see cref="RandomNumberGenerator"/> is OpenSSL there, loaded with dlopen
    /// on first use, which a static image for a router cannot do (OpenWrt has no libssl: abort;
    /// on glibc it pulls a second libc into the static process). Elsewhere RandomNumberGenerator.
    /// </summary>
    /// <exception cref="LibrecastException">/dev/urandom cannot be read.</exception>
    public void FillRandom(byte[] buffer, int offset, int count)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomNumberGenerator.Fill(buffer.AsSpan(offset, count));
            return;
        }
        lock (randomGate)
        {
            try
            {
                random ??= new FileStream(KernelRandom, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096);
                // /dev/urandom never runs short, but Read may return less than asked: loop.
                while (count > 0)
                {
                    int n = random.Read(buffer, offset, count);
                    if (n <= 0) throw new IOException(KernelRandom + " returned no data");
                    offset += n;
                    count -= n;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LibrecastException("cannot read random bytes from " + KernelRandom + ": " + SystemErrors.Describe(e));
            }
        }
    }
}
