using System;
using System.IO;

namespace Librecast.Files;

/// <summary>Files that appear whole or not at all: written to a temporary file beside the target, fsynced, renamed.</summary>
public static class AtomicFile
{
    /// <summary>Writes COUNT bytes of DATA from OFFSET to PATH atomically; on failure the temporary file goes and PATH is untouched.</summary>
    public static void Write(string path, byte[] data, int offset, int count)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Environment.ProcessId + ".partial");
        try
        {
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(data, offset, count);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
