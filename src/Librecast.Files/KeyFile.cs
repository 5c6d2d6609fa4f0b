using System;
using System.IO;
using System.Security.Cryptography;
using Librecast.Crypto;
using Librecast.Sockets;

namespace Librecast.Files;

/// <summary>
/// Channel key files (lc --key-file, lcgw's key_file): exactly 32 raw bytes in a regular file only
/// its owner can read or write. The key's bytes never appear in any message; callers wipe the
/// array once the channel has its copy.
/// </summary>
public static class KeyFile
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>How to make a key file, for messages and help texts.</summary>
    public const string HowToMake = "make one with: head -c 32 /dev/urandom > FILE && chmod 600 FILE";

    /// <summary>Checks a key file (and forgets the key): for reporting a bad one before anything else is set up.</summary>
    /// <exception cref="LibrecastException">What is wrong with the file, in one line.</exception>
    public static void Check(string? path)
    {
        if (path != null) CryptographicOperations.ZeroMemory(Read(path));
    }

    /// <summary>Reads and checks a key file: regular file, owner-only permissions, 32 bytes.</summary>
    /// <exception cref="LibrecastException">What is wrong with the file, in one line.</exception>
    public static byte[] Read(string path) => Read(path, "a channel key", HowToMake);

    /// <summary>
    /// Reads and checks a 32-byte secret in a key file, as <see cref="Read(string)"/>; messages call it
    /// <paramref name="what"/> ("a signing key") and say <paramref name="howToMake"/> one.
    /// </summary>
    /// <exception cref="LibrecastException">What is wrong with the file, in one line.</exception>
    public static byte[] Read(string path, string what, string howToMake)
    {
        if (string.IsNullOrEmpty(path)) throw new LibrecastException("key file name is empty (" + howToMake + ")");
        FileInfo info = new(path);
        if (Directory.Exists(path)) throw new LibrecastException($"key file '{path}' is a directory");
        if (!info.Exists) throw new LibrecastException($"key file '{path}' does not exist ({howToMake})");
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
                throw new LibrecastException($"key file '{path}' is open to other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); " +
                                         $"{what} must be readable by its owner only: chmod 600 '{path}'");
        }
        if (info.Length != SecretBox.KeySize)
            throw new LibrecastException($"key file '{path}' is {info.Length} bytes; {what} is exactly {SecretBox.KeySize} random bytes ({howToMake})");
        try
        {
            byte[] key = File.ReadAllBytes(path);
            if (key.Length != SecretBox.KeySize) // changed under us
            {
                CryptographicOperations.ZeroMemory(key);
                throw new LibrecastException($"key file '{path}' changed while being read");
            }
            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Plain words: under UseSystemResourceKeys e.Message is a resource key, not a sentence.
            string why = SystemErrors.Describe(e);
            if (e is UnauthorizedAccessException) why += " (it belongs to another user; for a systemd service pass it with LoadCredential=)";
            throw new LibrecastException($"key file '{path}' cannot be read: {why}");
        }
    }
}
