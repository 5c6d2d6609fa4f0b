using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace Librecast.Cli;

/// <summary>
/// lc's standard output, standard error and Ctrl-C, in place of <see cref="System.Console"/> (this
/// class's name hides it everywhere in lc, so lc's code reads as before). System.Console on Linux
/// brings its terminal layer into the image even when it only writes lines: terminfo parsing, key
/// decoding, cursor-position tracking on every write, code-page tables; and its Ctrl-C event the
/// runtime's signal thread and thread pool. lc needs none of the terminal layer: that was 50 KB of
/// the static image (docs/deploy.md, "Where the bytes go").
/// Output is UTF-8 (as lc's --help says of payloads), written with write(2) at the file's shared
/// offset (so <c>lc ... &gt;log 2&gt;&amp;1</c> interleaves lines, as with System.Console), one write
/// per call. A failed write to stdout throws <see cref="OutputException"/> (the caller reports it
/// on stderr and exits 1); a failed write to stderr is dropped, as there is nowhere left to say so.
/// </summary>
internal static partial class Console
{
    private const int StdOut = 1, StdErr = 2;

    /// <summary>Standard output, UTF-8, flushed after every call, safe to use from several threads.</summary>
    public static TextWriter Out { get; } = Writer(StdOut);

    /// <summary>Standard error, as <see cref="Out"/>; its write errors are ignored.</summary>
    public static TextWriter Error { get; } = Writer(StdErr);

    /// <summary>Standard output as bytes, unbuffered (each Write is written at once).</summary>
    public static Stream OpenStandardOutput() => new DescriptorStream(StdOut);

    /// <summary>True when stderr is not a terminal (a file, a pipe, /dev/null or closed).</summary>
    public static bool IsErrorRedirected => Native.IsATty(StdErr) != 1;

    private static TextWriter Writer(int fd) =>
        TextWriter.Synchronized(new StreamWriter(new DescriptorStream(fd), new UTF8Encoding(false), 1024) { AutoFlush = true });

    private static readonly Lock gate = new();
    private static CancelKeyPressHandler? cancelKeyPress;
    private static PosixSignalRegistration? sigint, sigquit;

    /// <summary>
    /// Ctrl-C (SIGINT) and Ctrl-\ (SIGQUIT), as System.Console's event of the same name: a handler
    /// that sets <see cref="CancelKeyPressEventArgs.Cancel"/> keeps the process running; with no
    /// handler, or none cancelling, the signal ends the process as it would any program.
    /// </summary>
    public static event CancelKeyPressHandler? CancelKeyPress
    {
        add
        {
            lock (gate)
            {
                cancelKeyPress += value;
                sigint ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
                sigquit ??= PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
            }
        }
        remove { lock (gate) cancelKeyPress -= value; }
    }

    private static void OnSignal(PosixSignalContext context)
    {
        CancelKeyPressHandler? handlers = Volatile.Read(ref cancelKeyPress);
        if (handlers == null) return;
        var e = new CancelKeyPressEventArgs();
        handlers(null, e);
        context.Cancel = e.Cancel;
    }

    /// <summary>A file descriptor lc does not own (0, 1, 2) as a write-only stream over write(2).</summary>
    private sealed class DescriptorStream(int fd) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override unsafe void Write(ReadOnlySpan<byte> bytes)
        {
            fixed (byte* start = bytes)
            {
                byte* p = start;
                int left = bytes.Length;
                while (left > 0)
                {
                    nint n = Native.Write(fd, p, (nuint)left);
                    if (n >= 0) { p += n; left -= (int)n; continue; }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Native.EIntr) continue;
                    if (errno == Native.EAgain) // a non-blocking descriptor inherited from the parent: wait until it drains
                    {
                        var poll = new Native.PollFd { Fd = fd, Events = Native.PollOut };
                        Native.Poll(&poll, 1, -1);
                        continue;
                    }
                    if (fd == StdErr) return;
                    throw new OutputException(errno);
                }
            }
        }
    }

    private static unsafe partial class Native
    {
        public const int EIntr = 4, EAgain = 11;
        public const short PollOut = 0x4;

        [StructLayout(LayoutKind.Sequential)]
        public struct PollFd
        {
            public int Fd;
            public short Events;
            public short ReturnedEvents;
        }

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        public static partial nint Write(int fd, byte* buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
        public static partial int Poll(PollFd* fds, nuint count, int timeout);

        [LibraryImport("libc", EntryPoint = "isatty")]
        public static partial int IsATty(int fd);
    }
}

/// <summary>What <see cref="Console.CancelKeyPress"/> handlers get: set <see cref="Cancel"/> to keep running.</summary>
internal sealed class CancelKeyPressEventArgs : EventArgs
{
    /// <summary>True: the process goes on (the handler ends it in its own time).</summary>
    public bool Cancel { get; set; }
}

/// <summary>A <see cref="Console.CancelKeyPress"/> handler.</summary>
internal delegate void CancelKeyPressHandler(object? sender, CancelKeyPressEventArgs e);

/// <summary>Standard output could not be written: closed, a pipe nobody reads, a full disk. The message says which, in words.</summary>
internal sealed class OutputException(int errno) : IOException(Words(errno), errno)
{
    private static string Words(int errno) => errno == 9 /* EBADF */
        ? "it is closed or not writable"
        : Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant();
}
