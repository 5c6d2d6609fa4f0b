using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using Librecast.Crypto;
using Librecast.Security;
using Librecast.Sockets;

namespace Librecast.Files;

/// <summary>
/// Files of restricted channels (librecast 0.11's signed tokens), shared with libsodium and
/// librecast users: a secret signing key file holds the 32-byte Ed25519 seed (the first half of
/// libsodium's 64-byte secret key), owner-only, checked as <see cref="KeyFile"/> checks a channel
/// key; a public key is 64 hex digits, on the command line or in a file, or 32 raw bytes in a file;
/// a keyring is a file of public keys (one per line, # comments; lcagent's 128-digit keys too: the
/// signing key is their second half) or a directory of such files;
/// a token file is the 128-byte token as librecast sends it. Every problem is one line
/// (<see cref="LibrecastException"/>) naming the file; nothing of a secret is ever in it.
/// </summary>
public static class SigningKeyFiles
{
    /// <summary>How to make a signing key, for messages and help texts.</summary>
    public const string HowToMake = "make one with: lc key new FILE";

    /// <summary>Reads and checks a secret signing key file (owner-only, 32 bytes): the seed. Callers wipe it.</summary>
    /// <exception cref="LibrecastException">What is wrong with the file, in one line.</exception>
    public static byte[] ReadSeed(string path) => KeyFile.Read(path, "a signing key", HowToMake);

    /// <summary>The public key of a 32-byte seed.</summary>
    public static byte[] PublicKeyOf(byte[] seed)
    {
        byte[] pk = new byte[Ed25519.PublicKeySize];
        new Ed25519().PublicKey(seed, 0, pk, 0);
        return pk;
    }

    /// <summary>
    /// Writes a new random seed to <paramref name="path"/>, created owner-only (0600); refuses a file
    /// that exists. Returns the public key.
    /// </summary>
    /// <exception cref="LibrecastException">The file exists or cannot be written.</exception>
    public static byte[] CreateSeed(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new LibrecastException("key file name is empty");
        if (File.Exists(path) || Directory.Exists(path))
            throw new LibrecastException($"'{path}' exists already: a new key never overwrites a file (remove it first if you mean to replace that key)");
        byte[] seed = RandomNumberGenerator.GetBytes(Ed25519.SeedSize);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var fs = new FileStream(path, options))
            {
                fs.Write(seed, 0, seed.Length);
                fs.Flush(flushToDisk: true);
            }
            return PublicKeyOf(seed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LibrecastException($"cannot write key file '{path}': {SystemErrors.Describe(e)}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>
    /// A public key given as 64 hex digits, or the name of a file holding one (32 raw bytes, or 64
    /// hex digits and an optional newline).
    /// </summary>
    /// <exception cref="LibrecastException">Neither.</exception>
    public static byte[] ParsePublicKey(string text, string what)
    {
        if (TryHex(text.Trim(), out byte[]? key)) return key!;
        if (Directory.Exists(text)) throw new LibrecastException($"{what} '{text}' is a directory, not a public key");
        if (!File.Exists(text))
            throw new LibrecastException($"{what} '{text}' is neither 64 hex digits nor a file holding a public key");
        byte[] data = ReadSmall(text, what);
        if (data.Length == Ed25519.PublicKeySize)
        {
            RefuseSecretKeyFile(text, what + " file", data);
            return data;
        }
        string s;
        try { s = new System.Text.UTF8Encoding(false, true).GetString(data).Trim(); }
        catch (ArgumentException) { s = ""; }
        if (TryHex(s, out key)) return key!;
        throw new LibrecastException($"{what} file '{text}' is {data.Length} bytes, not a public key (32 raw bytes, or 64 hex digits)");
    }

    /// <summary>
    /// Loads a keyring: a file of public keys (64 hex digits per line, blank lines and # comments
    /// skipped; or 32 raw bytes) or a directory whose every regular file (but dot files) is one.
    /// </summary>
    /// <exception cref="LibrecastException">A file that is not one, or no key at all.</exception>
    public static Keyring LoadKeyring(string path)
    {
        var ring = new Keyring();
        if (string.IsNullOrEmpty(path)) throw new LibrecastException("keyring name is empty");
        if (Directory.Exists(path))
        {
            string[] files = Directory.GetFiles(path);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string f in files)
                if (!Path.GetFileName(f).StartsWith('.')) AddKeys(ring, f);
        }
        else if (File.Exists(path)) AddKeys(ring, path);
        else throw new LibrecastException($"keyring '{path}' does not exist (a file of public keys, one per line, or a directory of key files)");
        if (ring.Count == 0) throw new LibrecastException($"keyring '{path}' holds no public key: nothing would be accepted");
        return ring;
    }

    private static void AddKeys(Keyring ring, string file)
    {
        byte[] data = ReadSmall(file, "keyring file");
        if (data.Length == Ed25519.PublicKeySize && !LooksLikeText(data))
        {
            RefuseSecretKeyFile(file, "keyring file", data);
            ring.Add(data, 0);
            return;
        }
        string text;
        try { text = new System.Text.UTF8Encoding(false, true).GetString(data); }
        catch (ArgumentException) { throw new LibrecastException($"keyring file '{file}' is neither text nor a 32-byte key"); }
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string word = line.Split(' ', '\t')[0];
            // lcagent's form (lcagent whoami, its authorized_keys): 64 bytes, its signing key the second half.
            if (word.Length == 4 * Ed25519.PublicKeySize) word = word.Substring(2 * Ed25519.PublicKeySize);
            if (!TryHex(word, out byte[]? key))
                throw new LibrecastException($"keyring file '{file}' line {i + 1}: not a public key (64 hex digits, or lcagent's 128)");
            ring.Add(key!, 0);
        }
    }

    // 32 raw bytes readable by their owner only is what lc key new writes: a secret seed given where a
    // public key belongs. Trusted as a public key it would be logged and shown (lcgw prints the
    // bearer key it expects), so it is refused; the message says nothing of its bytes.
    private static void RefuseSecretKeyFile(string file, string what, byte[] data)
    {
        if (OperatingSystem.IsWindows()) return;
        const UnixFileMode readable = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if ((File.GetUnixFileMode(file) & readable) != 0) return;
        CryptographicOperations.ZeroMemory(data);
        throw new LibrecastException($"{what} '{file}' is owner-only and 32 raw bytes: a secret key file, not a public key (lc key pub FILE)");
    }

    private static bool LooksLikeText(byte[] d)
    {
        foreach (byte b in d)
            if (!(b == '\n' || b == '\r' || b == '\t' || b == '#' || (b >= 0x20 && b < 0x7f))) return false;
        return true;
    }

    /// <summary>Reads a token file: exactly the 128 bytes librecast sends, version 0xff.</summary>
    /// <exception cref="LibrecastException">What is wrong with the file, in one line.</exception>
    public static byte[] ReadToken(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new LibrecastException("token file name is empty");
        if (Directory.Exists(path)) throw new LibrecastException($"token file '{path}' is a directory");
        if (!File.Exists(path)) throw new LibrecastException($"token file '{path}' does not exist (make one with: lc token issue)");
        byte[] token = ReadSmall(path, "token file");
        if (token.Length != Token.Size)
            throw new LibrecastException($"token file '{path}' is {token.Length} bytes; a librecast token is exactly {Token.Size} (make one with: lc token issue)");
        if (token[Token.VersionOffset] != Token.CurrentVersion)
            throw new LibrecastException($"token file '{path}' is not a librecast 0.11 token (version byte 0x{token[0]:x2}, not 0xff)");
        return token;
    }

    /// <summary>An expiry for messages: never, or the UTC time and how far it is from now.</summary>
    public static string DescribeExpiry(ulong expires, ulong now)
    {
        if (expires == 0) return "never expires";
        string when = expires > 253402300799UL ? expires + " (Unix seconds)"
            : DateTimeOffset.FromUnixTimeSeconds((long)expires).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return now > expires ? $"expired at {when}" : $"expires at {when}";
    }

    /// <summary>Now, in Unix seconds (the clock tokens' expiry is checked against).</summary>
    public static ulong NowSeconds() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static byte[] ReadSmall(string path, string what)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length > 1 << 20) throw new LibrecastException($"{what} '{path}' is {info.Length} bytes: too large to be keys");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LibrecastException($"{what} '{path}' cannot be read: {SystemErrors.Describe(e)}");
        }
    }

    private static bool TryHex(string s, out byte[]? key)
    {
        key = null;
        if (s.Length != 2 * Ed25519.PublicKeySize) return false;
        var k = new byte[Ed25519.PublicKeySize];
        for (int i = 0; i < k.Length; i++)
        {
            int hi = HexVal(s[2 * i]), lo = HexVal(s[2 * i + 1]);
            if (hi < 0 || lo < 0) return false;
            k[i] = (byte)(hi << 4 | lo);
        }
        key = k;
        return true;
    }

    private static int HexVal(char c) =>
        c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
