using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Librecast.Sockets;

/// <summary>
/// A runtime exception in words a user can read. The static images are built with
/// UseSystemResourceKeys (no resource strings in the image: tools/image/static-image.targets), so
/// there the runtime's own messages are resource keys such as
/// <c>UnauthorizedAccess_IODenied_Path, /etc/lcgw/site.key</c>; wherever lc or lcgw shows a
/// runtime exception, it shows this instead: the one wording for both (lcgw had IoErrors, lc a
/// helper of its own).
/// </summary>
public static class SystemErrors
{
    /// <summary>
    /// "no such file", "permission denied"...: from the exception's type where that says it;
    /// otherwise its message, unless that is a resource key, when the type's name is all there is.
    /// Socket errors and unmapped errno values keep their messages: those come from the C
    /// library's strerror ("Protocol not available"), not from resources.
    /// </summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case FileNotFoundException: return "no such file";
            case DirectoryNotFoundException: return "no such directory";
            case UnauthorizedAccessException: return "permission denied";
            case PathTooLongException: return "path too long";
            case EndOfStreamException: return "unexpected end of file";
            case SocketException s: return s.Message;
        }
        // Unix I/O errors carry errno as HResult: the C library's own sentence for it, which reads
        // the same with or without resource keys ("no space left on device").
        if (e.GetType() == typeof(IOException) && e.HResult > 0 && e.HResult < 4096)
            return Marshal.GetPInvokeErrorMessage(e.HResult).ToLowerInvariant();
        if (!IsResourceKey(e.Message)) return e.Message;
        return e switch
        {
            IOException => "input/output error",
            OutOfMemoryException => "out of memory",
            TimeoutException => "timed out",
            OperationCanceledException => "cancelled",
            _ => e.GetType().Name,
        };
    }

    /// <summary>True for a message that is a resource key (with its arguments after ", "), not a sentence.</summary>
    public static bool IsResourceKey(string? message)
    {
        // A key is one identifier with an underscore in it (IO_FileNotFound_FileName), then ", " and arguments or the end.
        if (string.IsNullOrEmpty(message) || !char.IsAsciiLetterUpper(message[0])) return false;
        int end = message.IndexOf(", ", StringComparison.Ordinal);
        if (end < 0) end = message.Length;
        bool underscore = false;
        for (int i = 0; i < end; i++)
        {
            char c = message[i];
            if (c == '_') underscore = true;
            else if (!char.IsAsciiLetterOrDigit(c)) return false;
        }
        return underscore;
    }
}
