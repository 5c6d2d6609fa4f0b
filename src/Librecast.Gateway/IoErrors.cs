using System;
using System.IO;

namespace Librecast.Gateway;

/// <summary>
/// Plain words for file errors. lcgw is built with UseSystemResourceKeys (smaller image), so the
/// runtime's own messages are resource keys such as "IO_FileNotFound_FileName"; the exception
/// type says what happened, and that is what a user needs to read.
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
        _ => e.Message,
    };
}
