using System.Collections.Generic;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace Librecast.Gateway;

/// <summary>
/// Started with stdin, stdout or stderr closed (<c>lcgw &gt;&amp;-</c>), the next file or socket
/// lcgw opened would take that descriptor, and JSON lines or logs would go into it. So at start
/// each closed one is pointed at /dev/null, and remembered: JSON lines to "-" are then counted as
/// dropped (and said so once), not written into the void. The .NET runtime may already have
/// taken a closed descriptor for its own pipe before Main (seen: fd 1 as the read end of one);
/// a stdout or stderr open only for reading is that case, is left alone, and counts as closed.
/// </summary>
internal static class StandardStreams
{
    private static readonly List<SafeFileHandle> Held = new();

    /// <summary>True if stdout was closed when lcgw started.</summary>
    public static bool StdoutClosed { get; private set; }

    /// <summary>True if stderr was closed when lcgw started.</summary>
    public static bool StderrClosed { get; private set; }

    // /proc/self/fdinfo/N has "flags:\t0100001" (octal); the access mode is its low 2 bits, 0 = read only.
    private static bool Writable(int fd)
    {
        try
        {
            foreach (string line in File.ReadAllLines("/proc/self/fdinfo/" + fd))
                if (line.StartsWith("flags:", System.StringComparison.Ordinal))
                    return (System.Convert.ToInt32(line.Substring(6).Trim(), 8) & 3) != 0;
        }
        catch (System.Exception e) when (e is IOException or System.UnauthorizedAccessException or System.FormatException) { }
        return true;
    }

    /// <summary>Fills closed descriptors 0-2 with /dev/null (Linux: seen in /proc/self/fd).</summary>
    public static void Guard()
    {
        if (!Directory.Exists("/proc/self/fd")) return;
        for (int fd = 0; fd <= 2; fd++)
        {
            bool exists = File.Exists("/proc/self/fd/" + fd);
            if (exists && (fd == 0 || Writable(fd))) continue;
            if (fd == 1) StdoutClosed = true;
            if (fd == 2) StderrClosed = true;
            if (exists) continue; // someone else's descriptor now: not ours to replace
            // open() returns the lowest free descriptor: this one, as the ones below it are open.
            try { Held.Add(File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite)); }
            catch (IOException) { return; }
            catch (System.UnauthorizedAccessException) { return; }
        }
    }
}
