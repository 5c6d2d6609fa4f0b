using System;
using System.Globalization;
using System.Security.Cryptography;
using Librecast;
using Librecast.Files;
using Librecast.Crypto;
using Librecast.Security;
using Librecast.Sockets;

namespace Librecast.Cli;

/// <summary>
/// Restricted channels (librecast 0.11's signed tokens) in lc: <c>lc key</c>, <c>lc token</c>, and
/// the send options (--token, --key) and listen options (--keyring, --cap, --strict). The options
/// are read before the session opens; <see cref="Apply"/> (called by <see cref="Session"/>) puts
/// them on the channel, so every mode that opens a session (one message, FEC) speaks restricted.
/// </summary>
internal static class Restricted
{
    private static byte[]? token, seed;
    private static Keyring? keyring;
    private static byte capabilities;
    private static bool strict;

    /// <summary>The filter put on the channel by the last <see cref="Apply"/>, or null.</summary>
    public static TokenFilter? Filter { get; private set; }

    public static readonly Opt[] SendOptions =
    {
        new("--token", null, ValueKind.Text, "FILE", "Restricted channel: send with this 128-byte token (lc token issue; librecast 0.11's lc_token_new): every datagram\n" +
            "becomes token + datagram + Ed25519ph signature, 192 bytes more. Needs --key, the token's bearer key.") { NotEmpty = true },
        new("--key", null, ValueKind.Text, "FILE", "With --token: the bearer's secret signing key (32-byte Ed25519 seed, owner-only; lc key new).") { NotEmpty = true },
    };

    public static readonly Opt[] ListenOptions =
    {
        new("--keyring", null, ValueKind.Text, "DIR|FILE", "Restricted channel: deliver only datagrams whose token is signed by a key on this keyring (a file of public\n" +
            "keys, 64 hex digits per line, or a directory of key files) and whose signature is the token's bearer's, as\n" +
            "librecast 0.11's lc_channel_filter_set; the rest are counted by reason (summary on stderr at exit).") { NotEmpty = true },
        new("--cap", null, ValueKind.Text, "N|exec,write,read", "With --keyring: capability bits every token must have (librecast's LC_CHAN_EXEC 1, WRITE 2, READ 4).", "0"),
        Opt.Flag("--strict", null, "With --keyring: librecast 0.11's checks only: also accept a token issued for another channel or with another\n" +
            "version byte, and replayed datagrams (by default all three are refused, beyond librecast)."),
    };

    /// <summary>Reads --token and --key (usage errors for every bad file) for a send on <paramref name="channelName"/>.</summary>
    public static void ForSend(Parsed r, string channelName, bool flood)
    {
        string? tokenFile = r.Text("--token"), keyFile = r.Text("--key");
        if (tokenFile == null && keyFile == null) return;
        if (tokenFile == null) throw new UsageException("--key is the bearer key of a restricted channel's token: add --token FILE");
        if (keyFile == null) throw new UsageException("--token needs the bearer's secret key: add --key FILE");
        if (flood) throw new UsageException("--token sends one message (or --fec-rq), not flood mode: every datagram costs an Ed25519 signature");
        byte[] t = User(() => SigningKeyFiles.ReadToken(tokenFile));
        byte[] s = User(() => SigningKeyFiles.ReadSeed(keyFile));
        byte[] pk = SigningKeyFiles.PublicKeyOf(s);
        if (!Token.IsBearer(t, 0, pk, 0))
        {
            CryptographicOperations.ZeroMemory(s);
            throw new UsageException($"token file '{tokenFile}' is for bearer key {Convert.ToHexStringLower(t, Token.BearerOffset, 32)}, " +
                $"but --key '{keyFile}' is the secret of {Convert.ToHexStringLower(pk)}");
        }
        ulong now = SigningKeyFiles.NowSeconds(), expires = Token.Expires(t, 0);
        if (expires != 0 && now > expires)
        {
            CryptographicOperations.ZeroMemory(s);
            throw new UsageException($"token file '{tokenFile}' {SigningKeyFiles.DescribeExpiry(expires, now)}: receivers would drop every datagram (issue a new one)");
        }
        byte[] hash = ChannelHash(channelName);
        if (!Token.IsFor(t, 0, hash, 0))
        {
            CryptographicOperations.ZeroMemory(s);
            throw new UsageException($"token file '{tokenFile}' was issued for another channel, not '{channelName}' (wire {Program.Wire.Name}): " +
                "receivers other than librecast 0.11 would drop every datagram");
        }
        token = t;
        seed = s;
    }

    /// <summary>Reads --keyring, --cap and --strict for a listen.</summary>
    public static void ForListen(Parsed r)
    {
        string? ring = r.Text("--keyring");
        bool strictGiven = r.Flag("--strict");
        string cap = r.Text("--cap")!;
        if (ring == null)
        {
            if (strictGiven || cap != "0") throw new UsageException("--cap and --strict are options of a restricted channel's filter: add --keyring");
            return;
        }
        keyring = User(() => SigningKeyFiles.LoadKeyring(ring));
        capabilities = ParseCapabilities(cap, "--cap");
        strict = strictGiven;
    }

    /// <summary>Puts the token (and forgets the seed) or the filter on the session's channel.</summary>
    public static void Apply(Channel channel)
    {
        if (token != null && seed != null)
        {
            channel.SetToken(token, 0, seed, 0);
            CryptographicOperations.ZeroMemory(seed);
            seed = null;
        }
        if (keyring != null)
        {
            Filter = new TokenFilter(keyring, capabilities, 4096) { Strict = strict };
            channel.TokenFilter = Filter;
        }
    }

    /// <summary>The filter's verdict for a rejected datagram, in words (lc listen -v).</summary>
    public static string Describe(TokenVerdict v) => v switch
    {
        TokenVerdict.TooShort => "shorter than a token and a signature (not a restricted channel's datagram)",
        TokenVerdict.UnknownSigner => "token signed by a key not on the keyring",
        TokenVerdict.BadTokenSignature => "token signature invalid (forged or altered token)",
        TokenVerdict.BadSignature => "datagram signature is not the token bearer's (forged or altered)",
        TokenVerdict.MissingCapability => "token lacks a capability --cap requires",
        TokenVerdict.Expired => "token expired",
        TokenVerdict.WrongVersion => "token version is not 0xff (--strict accepts it)",
        TokenVerdict.WrongChannel => "token issued for another channel (--strict accepts it)",
        TokenVerdict.Replayed => "replay of a datagram already accepted (--strict accepts it)",
        TokenVerdict.WrongBearer => "token issued to another bearer key than the channel's node",
        _ => v.ToString(),
    };

    /// <summary>The summary line printed at exit: every verdict counted.</summary>
    public static string? Summary() => Filter is { } f ? "restricted " + f : null;

    private static byte[] ChannelHash(string name)
    {
        using var ctx = new Context(SocketsPlatform.Instance) { Wire = Program.Wire };
        Channel c = ctx.CreateChannel(name);
        var hash = new byte[32];
        c.CopyHashTo(hash, 0);
        return hash;
    }

    internal static byte ParseCapabilities(string text, string option)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            if (n > 255) throw new UsageException($"{option} must be 0..255 or a list of exec,write,read (got '{text}')");
            return (byte)n;
        }
        int bits = 0;
        foreach (string word in text.Split(','))
        {
            bits |= word.Trim() switch
            {
                "exec" => Token.Exec,
                "write" => Token.Write,
                "read" => Token.Read,
                _ => throw new UsageException($"{option} must be 0..255 or a list of exec,write,read (got '{text}')"),
            };
        }
        return (byte)bits;
    }

    private static string CapabilityNames(byte bits)
    {
        string s = "";
        if ((bits & Token.Exec) != 0) s += ",exec";
        if ((bits & Token.Write) != 0) s += ",write";
        if ((bits & Token.Read) != 0) s += ",read";
        return (s.Length == 0 ? "none" : s[1..]) + " (" + bits + ")";
    }

    // SECONDS, Ns, Nm, Nh, Nd, or never; returns the lifetime in seconds, 0 for never.
    internal static ulong ParseLifetime(string text)
    {
        if (text == "never") return 0;
        ulong unit = 1;
        string digits = text;
        if (text.Length > 1 && char.IsAsciiLetter(text[^1]))
        {
            unit = text[^1] switch { 's' => 1UL, 'm' => 60UL, 'h' => 3600UL, 'd' => 86400UL, _ => 0UL };
            digits = text[..^1];
        }
        if (unit == 0 || !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n == 0 || n > 100UL * 366 * 86400 / unit)
            throw new UsageException($"--valid must be a lifetime: SECONDS, or N followed by s, m, h or d (30d), at most 100 years, or never (got '{text}')");
        return n * unit;
    }

    private static T User<T>(Func<T> read)
    {
        try { return read(); }
        catch (LibrecastException e) { throw new UsageException(e.Message); }
    }

    // ---- lc key, lc token ---------------------------------------------------------------------

    public static Cmd KeyCommand() => new("key", "key new|pub <FILE>", "key new|pub <FILE>",
        "Signing keys of restricted channels (Ed25519, as libsodium's crypto_sign and librecast 0.11's lc_keypair_new).\n" +
        "  lc key new FILE   makes a new secret key: FILE gets the 32-byte seed (owner-only, 0600; never overwritten);\n" +
        "                    prints its public key (64 hex digits). libsodium's 64-byte secret key is seed + public key.\n" +
        "  lc key pub FILE   prints the public key of the secret key in FILE (64 hex digits).\n" +
        "A public key goes to receivers' keyrings (signer) or into a token (bearer); the secret never leaves FILE.",
        new Opt[0], new[] { new[] { "new|pub", "What to do." }, new[] { "<FILE>", "Secret key file." } }, 2, 2,
        r =>
        {
            string file = r.Operand(1)!;
            byte[] pk;
            switch (r.Operand(0))
            {
                case "new":
                    pk = User(() => SigningKeyFiles.CreateSeed(file));
                    break;
                case "pub":
                    byte[] s = User(() => SigningKeyFiles.ReadSeed(file));
                    pk = SigningKeyFiles.PublicKeyOf(s);
                    CryptographicOperations.ZeroMemory(s);
                    break;
                default:
                    throw new UsageException($"lc key new FILE or lc key pub FILE (got '{r.Operand(0)}')");
            }
            Console.Out.WriteLine(Convert.ToHexStringLower(pk));
            return Program.ExitOk;
        });

    public static Cmd TokenCommand() => new("token", "token issue|show", "token issue [options] | token show <FILE>",
        "Tokens of restricted channels (librecast 0.11's lc_token_t, 128 bytes): a signer grants a bearer's key the right to\n" +
        "speak on a channel, with capabilities, until it expires.\n" +
        "  lc token issue --signer SEEDFILE --bearer PUBKEY --channel NAME --cap exec,write,read --valid 30d --output FILE\n" +
        "  lc token show FILE   prints what a token says (channel hash, capabilities, signer id, expiry, bearer).\n" +
        "Receivers trust the signer's public key (lc listen --keyring); the bearer sends with the token and its own secret\n" +
        "key (lc send --token FILE --key BEARERKEY). The token is public: it is sent in clear with every datagram.",
        new Opt[]
        {
            new("--signer", null, ValueKind.Text, "SEEDFILE", "The signer's secret key file (lc key new).") { NotEmpty = true },
            new("--bearer", null, ValueKind.Text, "PUBHEX|PUBFILE", "The bearer's public key: 64 hex digits, or a file of 32 raw bytes or 64 hex digits.") { NotEmpty = true },
            new("--channel", null, ValueKind.Text, "NAME", "The channel the token is for (its hash under --wire)."),
            new("--cap", null, ValueKind.Text, "N|exec,write,read", "Capability bits granted (LC_CHAN_EXEC 1, WRITE 2, READ 4).", "0"),
            new("--valid", null, ValueKind.Text, "SECONDS|30d|never", "Lifetime from now: seconds, or N with s, m, h or d; never: no expiry."),
            new("--output", "-o", ValueKind.Text, "FILE", "Where to write the 128-byte token.") { NotEmpty = true },
        },
        new[] { new[] { "issue|show", "What to do." }, new[] { "<FILE>", "show: the token file." } }, 1, 2,
        r =>
        {
            if (r.Operand(0) == "show")
            {
                string file = r.Operand(1) ?? throw new UsageException("lc token show FILE: FILE is missing");
                byte[] shown = User(() => SigningKeyFiles.ReadToken(file));
                Console.Out.WriteLine(Describe(shown));
                return Program.ExitOk;
            }
            if (r.Operand(0) != "issue") throw new UsageException($"lc token issue ... or lc token show FILE (got '{r.Operand(0)}')");
            if (r.Operand(1) is string extra) throw new UsageException($"unexpected argument '{extra}'");
            string signer = r.Text("--signer") ?? throw new UsageException("--signer SEEDFILE is missing");
            string bearerText = r.Text("--bearer") ?? throw new UsageException("--bearer PUBKEY is missing");
            string channel = r.Text("--channel") ?? throw new UsageException("--channel NAME is missing");
            string valid = r.Text("--valid") ?? throw new UsageException("--valid SECONDS|30d|never is missing (a token should expire; never is allowed if meant)");
            string output = r.Text("--output") ?? throw new UsageException("--output FILE is missing");
            byte caps = ParseCapabilities(r.Text("--cap")!, "--cap");
            ulong lifetime = ParseLifetime(valid);
            byte[] bearer = User(() => SigningKeyFiles.ParsePublicKey(bearerText, "--bearer"));
            byte[] seedBytes = User(() => SigningKeyFiles.ReadSeed(signer));
            byte[] signerPk = SigningKeyFiles.PublicKeyOf(seedBytes);
            ulong expires = lifetime == 0 ? 0 : SigningKeyFiles.NowSeconds() + lifetime;
            var t = new byte[Token.Size];
            Token.Issue(new Ed25519(), seedBytes, 0, signerPk, 0, bearer, 0, ChannelHash(channel), 0, caps, expires, t, 0);
            CryptographicOperations.ZeroMemory(seedBytes);
            try { AtomicFile.Write(output, t, 0, t.Length); }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                throw new LibrecastException($"cannot write token file '{output}': {SystemErrors.Describe(e)}");
            }
            Console.Out.WriteLine($"{output}: token for channel '{channel}' (wire {Program.Wire.Name}): " + Describe(t));
            return Program.ExitOk;
        });

    private static string Describe(byte[] t)
    {
        ulong now = SigningKeyFiles.NowSeconds();
        return $"channel {Convert.ToHexStringLower(t, Token.ChannelOffset, Token.ChannelSize)}, capabilities {CapabilityNames(Token.Capabilities(t, 0))}, " +
            $"signer {Convert.ToHexStringLower(t, Token.SignerOffset, Token.SignerIdSize)}..., {SigningKeyFiles.DescribeExpiry(Token.Expires(t, 0), now)}, " +
            $"bearer {Convert.ToHexStringLower(t, Token.BearerOffset, 32)}";
    }
}
