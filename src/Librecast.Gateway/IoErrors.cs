using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Librecast.Gateway;

/// <summary>
/// Plain words for errors. lcgw is built with UseSystemResourceKeys (smaller image), so the
/// runtime's own messages are resource keys such as "UnauthorizedAccess_IODenied_Path"; the
/// exception type, or the OS error number it carries, says what happened, and that is what a
/// user needs to read.
/// </summary>
internal static class IoErrors
{
    /// <summary>What went wrong, in a few words ("no such file", "permission denied"...).</summary>
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => "no such directory",
        UnauthorizedAccessException => "permission denied (or it is a directory)",
        PathTooLongException => "path too long",
        // Unix I/O errors carry errno as HResult: the C library's own sentence for it.
        IOException when e.GetType() == typeof(IOException) && e.HResult > 0 && e.HResult < 4096 => Marshal.GetPInvokeErrorMessage(e.HResult).ToLowerInvariant(),
        _ when !IsResourceKey(e.Message) => e.Message,
        IOException => "input/output error",
        _ => e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal) + " error" +
             (e.InnerException != null ? ": " + Describe(e.InnerException) : ""),
    };

    /// <summary>True for a message that is a resource key ("IO_FileNotFound_FileName"), not a sentence.</summary>
    public static bool IsResourceKey(string message)
    {
        if (message.Length == 0 || message.IndexOf(' ') >= 0 || message.IndexOf('_') < 0) return false;
        foreach (char c in message)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != ',') return false;
        return true;
    }
}
