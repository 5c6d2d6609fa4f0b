using System;
using System.IO;
using System.Security.Cryptography;
using Librecast.Crypto;

namespace Librecast.Cli;

/// <summary>
/// Channel keys for <c>--key-file</c>: exactly 32 raw bytes in a file only its owner can read.
/// The key's bytes never appear in any message; the array is wiped once the channel has its copy.
/// </summary>
internal static class KeyFile
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    internal const string HowToMake = "make one with: head -c 32 /dev/urandom > FILE && chmod 600 FILE";

    /// <summary>Checks a key file before anything else is set up, so a bad one is the first thing reported.</summary>
    public static void Check(string? path)
    {
        if (path != null) CryptographicOperations.ZeroMemory(Read(path));
    }

    /// <summary>Reads and checks a key file: regular file, owner-only permissions, 32 bytes.</summary>
    public static byte[] Read(string path)
    {
        FileInfo info = new(path);
        if (Directory.Exists(path)) throw new UsageException($"key file '{path}' is a directory");
        if (!info.Exists) throw new UsageException($"key file '{path}' does not exist ({HowToMake})");
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
                throw new UsageException($"key file '{path}' is open to other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); " +
                                         $"a channel key must be readable by its owner only: chmod 600 '{path}'");
        }
        if (info.Length != SecretBox.KeySize)
            throw new UsageException($"key file '{path}' is {info.Length} bytes; a channel key is exactly {SecretBox.KeySize} random bytes ({HowToMake})");
        try
        {
            byte[] key = File.ReadAllBytes(path);
            if (key.Length != SecretBox.KeySize) // changed under us
            {
                CryptographicOperations.ZeroMemory(key);
                throw new UsageException($"key file '{path}' changed while being read");
            }
            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"key file '{path}' cannot be read: {e.Message}");
        }
    }
}
