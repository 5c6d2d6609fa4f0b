using System;
using System.Collections.Generic;
using System.IO;
using Librecast.Files;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// lcgw's restricted-channel configuration (issue 21): every bad signer key, keyring, node or
/// lifetime is refused by <c>lcgw --check-config</c> (and <c>lcgw token</c>) in one line on stderr
/// that names file:line, with exit code 2 (1 for a token file that cannot be written), nothing on
/// stdout, and nothing of the signer's secret seed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class GatewayRestrictedConfigTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lcgw-restricted-").FullName;
    private readonly string signerPub, nodePub, seedHex;

    public GatewayRestrictedConfigTests()
    {
        signerPub = Convert.ToHexStringLower(SigningKeyFiles.CreateSeed(F("signer.key")));
        nodePub = Convert.ToHexStringLower(SigningKeyFiles.CreateSeed(F("node.key")));
        seedHex = Convert.ToHexStringLower(File.ReadAllBytes(F("signer.key")));
        File.WriteAllText(F("ring"), "# the site signer\n" + signerPub + "\n");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string F(string name) => Path.Combine(dir, name);

    // A site config: the gateway section's restricted lines at lines 5.., then one node 'a' (its
    // lines after "config node"), then an output. `gateway` and `node` are tab-indented options.
    private string Config(string gateway, string node = "\toption bearer '{NODE}'", string extra = "")
    {
        string text = "config gateway\n\toption interface 'lo'\n\toption site 's'\n\toption node 'gw'\n" + gateway + "\n" +
                      "config node 'a'\n" + node + "\n" +
                      "config metrics\n\toption listen '127.0.0.1:9464'\n" + extra;
        text = text.Replace("{NODE}", nodePub).Replace("{SIGNER}", F("signer.key")).Replace("{RING}", F("ring")).Replace("{DIR}", dir);
        File.WriteAllText(F("lcgw.conf"), text);
        return F("lcgw.conf");
    }

    private static (int Code, string Out, string Err) Lcgw(string args, string? env = null) =>
        CPeer.Run(env == null ? "dotnet" : "env", (env == null ? "" : env + " dotnet ") + $"{GatewayTests.Lcgw} {args}", null, 30_000);

    // Refused: exit `code`, nothing on stdout, one line on stderr starting "lcgw: FILE:LINE: ", no secret.
    private string Refused(string config, int line, string args = "--check-config", int code = 2, string? env = null)
    {
        var (exit, stdout, stderr) = Lcgw($"-c {config} {args}", env);
        string err = stderr.Trim();
        Assert.True(exit == code, $"lcgw {args}: exit {exit}, {code} wanted: {err}");
        Assert.Equal("", stdout);
        Assert.Single(err.Split('\n'));
        Assert.StartsWith($"lcgw: {config}:{line}: ", err);
        Assert.DoesNotContain(seedHex, err, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(Convert.FromHexString(seedHex)), err);
        return err;
    }

    private void Mode(string name, UnixFileMode mode) => File.SetUnixFileMode(F(name), mode);

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void A_Good_Site_Config_Checks_And_Says_What_It_Restricts()
    {
        var (code, stdout, err) = Lcgw($"-c {Config("\toption signer_key '{SIGNER}'\n\toption keyring '{RING}'\n\toption restricted '1'")} --check-config");
        Assert.True(code == 0, err);
        Assert.Contains(": ok: ", stdout);
        Assert.DoesNotContain(seedHex, stdout + err);
    }

    [Fact]
    public void Every_Bad_Signer_Key_Is_One_Line_Naming_File_And_Line()
    {
        Assert.Contains("signer_key: key file '" + F("none.key") + "' does not exist (make one with: lc key new FILE)",
            Refused(Config("\toption signer_key '{DIR}/none.key'"), 5));
        Assert.Contains("signer_key: key file '" + dir + "' is a directory", Refused(Config("\toption signer_key '{DIR}'"), 5));

        File.WriteAllBytes(F("short.key"), new byte[31]);
        Mode("short.key", OwnerOnly);
        Assert.Contains("is 31 bytes; a signing key is exactly 32 random bytes", Refused(Config("\toption signer_key '{DIR}/short.key'"), 5));
        // libsodium's 64-byte secret key (seed || public key) is not a seed file.
        File.WriteAllBytes(F("sodium.key"), Convert.FromHexString(seedHex + signerPub));
        Mode("sodium.key", OwnerOnly);
        string sodium = Refused(Config("\toption signer_key '{DIR}/sodium.key'"), 5);
        Assert.Contains("is 64 bytes; a signing key is exactly 32 random bytes", sodium);

        Mode("signer.key", OwnerOnly | UnixFileMode.GroupRead);
        Assert.Contains("is open to other users (mode 0640); a signing key must be readable by its owner only: chmod 600",
            Refused(Config("\toption signer_key '{SIGNER}'"), 5));
        Mode("signer.key", OwnerOnly | UnixFileMode.OtherRead);
        Assert.Contains("(mode 0604)", Refused(Config("\toption signer_key '{SIGNER}'"), 5));
        Mode("signer.key", OwnerOnly);

        Assert.Contains("signer_key: 'credential:site.key' is a systemd credential, but $CREDENTIALS_DIRECTORY is not set",
            Refused(Config("\toption signer_key 'credential:site.key'"), 5));
        Assert.Contains($"signer_key: key file '{dir}/site.key' does not exist",
            Refused(Config("\toption signer_key 'credential:site.key'"), 5, env: $"CREDENTIALS_DIRECTORY={dir}"));
        Assert.Contains("signer_key is an option, not a list", Refused(Config("\tlist signer_key '{SIGNER}'"), 5));
        Assert.Contains("option signer_key is set twice", Refused(Config("\toption signer_key '{SIGNER}'\n\toption signer_key '{SIGNER}'"), 6));
    }

    [Fact]
    public void A_Signer_Key_The_Service_User_Cannot_Read_Is_One_Line()
    {
        // Root reads every file: run lcgw as nobody, with the key root's own (0600).
        string nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/setpriv"))
            Assert.Skip("needs root and setpriv(1) to run lcgw as another user (util-linux)");
        string config = Config("\toption signer_key '{SIGNER}'");
        foreach (string d in new[] { dir, Path.GetDirectoryName(dir)! })
            File.SetUnixFileMode(d, File.GetUnixFileMode(d) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        File.SetUnixFileMode(config, OwnerOnly | UnixFileMode.OtherRead);
        var (exit, stdout, stderr) = CPeer.Run("env", $"HOME=/tmp DOTNET_CLI_HOME=/tmp {nobody} dotnet {GatewayTests.Lcgw} -c {config} --check-config", null, 30_000);
        string err = stderr.Trim();
        Assert.True(exit == 2, $"exit {exit}: {err}");
        Assert.Equal("", stdout);
        Assert.Single(err.Split('\n'));
        Assert.StartsWith($"lcgw: {config}:5: signer_key: key file '{F("signer.key")}' cannot be read: permission denied", err);
        Assert.Contains("LoadCredential=", err);
    }

    [Fact]
    public void Every_Bad_Keyring_Is_One_Line_Naming_File_And_Line()
    {
        Assert.Contains($"keyring: keyring '{F("nowhere")}' does not exist", Refused(Config("\toption keyring '{DIR}/nowhere'"), 5));
        Directory.CreateDirectory(F("ring.d"));
        Assert.Contains("holds no public key: nothing would be accepted", Refused(Config("\toption keyring '{DIR}/ring.d'"), 5));
        File.WriteAllText(F("ring.d/.hidden"), signerPub + "\n"); // dot files are skipped
        Assert.Contains("holds no public key", Refused(Config("\toption keyring '{DIR}/ring.d'"), 5));
        File.WriteAllText(F("ring.d/site"), signerPub + "\n");
        File.WriteAllText(F("ring.d/typo"), "# an operator\n\n" + signerPub[..63] + "\n");
        Assert.Contains($"keyring: keyring file '{F("ring.d/typo")}' line 3: not a public key (64 hex digits, or lcagent's 128)",
            Refused(Config("\toption signer_key '{SIGNER}'\n\toption keyring '{DIR}/ring.d'"), 6));
        File.WriteAllBytes(F("ring.d/typo"), new byte[] { 0xff, 0xfe, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 });
        Assert.Contains("is neither text nor a 32-byte key", Refused(Config("\toption keyring '{DIR}/ring.d'"), 5));
        File.Delete(F("ring.d/typo"));
        // A secret key file in the keyring (32 random bytes, owner-only): refused, not trusted as a public key.
        File.Copy(F("signer.key"), F("ring.d/signer.key"));
        string secret = Refused(Config("\toption keyring '{DIR}/ring.d'"), 5);
        Assert.Contains($"keyring file '{F("ring.d/signer.key")}' is owner-only and 32 raw bytes: a secret key file, not a public key (lc key pub FILE)", secret);
        File.Delete(F("ring.d/signer.key"));
        // A keyring is checked even when no channel is restricted (a typo shows now).
        Assert.Contains("does not exist", Refused(Config("\toption keyring '{DIR}/nowhere'", extra: ""), 5));
        Assert.Contains("keyring: 'credential:' needs a credential name", Refused(Config("\toption keyring 'credential:'"), 5));
    }

    [Fact]
    public void Restricted_Channels_Without_Signers_Or_Relayed_Are_Refused_At_Their_Line()
    {
        Assert.Contains("restricted: lcgw seals its own sends with the site signer key: add \"option signer_key\"",
            Refused(Config("\toption keyring '{RING}'\n\toption restricted '1'", node: "\toption bearer '{NODE}'"), 6));
        // A node's channel is restricted: it needs the signers lcgw trusts.
        Assert.Contains("restricted channels need the signers lcgw trusts: add \"option keyring\" or \"option signer_key\"",
            Refused(Config("\toption time_beacon '0'"), 6));
        // So does a subscribed channel with option restricted, named at that line.
        Assert.Contains("restricted channels need the signers lcgw trusts",
            Refused(Config("\toption time_beacon '0'", node: "\toption bearer '{NODE}'\n\toption enabled '0'",
                           extra: "config subscribe\n\tlist channel 's/x/telemetry'\n\toption restricted '1'\n"), 13));
        Assert.Contains("restricted 'yes please' is not a boolean",
            Refused(Config("\toption signer_key '{SIGNER}'", extra: "config subscribe\n\tlist channel 's/x/telemetry'\n\toption restricted 'yes please'\n"), 12));
        Assert.Contains("channel 's/x/telemetry' is restricted and bridged or migrated",
            Refused(Config("\toption signer_key '{SIGNER}'",
                           extra: "config subscribe\n\tlist channel 's/x/telemetry'\n\toption restricted '1'\nconfig bridge\n\tlist ipv4 's/x/telemetry'\n"), 12));
    }

    [Fact]
    public void Every_Bad_Node_Is_One_Line_Naming_File_And_Line()
    {
        string gw = "\toption signer_key '{SIGNER}'";
        Assert.Contains("'config node' needs \"option bearer\" (the node's public key", Refused(Config(gw, node: "\toption channel 's/a/t'"), 6));
        Assert.Contains("bearer 'abcd' is neither 64 hex digits nor a file holding a public key", Refused(Config(gw, node: "\toption bearer 'abcd'"), 7));
        Assert.Contains("is neither 64 hex digits nor a file", Refused(Config(gw, node: "\toption bearer '" + nodePub[..63] + "g'"), 7));
        File.WriteAllText(F("node.pub"), nodePub + "\n");
        File.AppendAllText(F("node.pub"), "more\n");
        Assert.Contains($"bearer file '{F("node.pub")}' is 70 bytes, not a public key (32 raw bytes, or 64 hex digits)",
            Refused(Config(gw, node: "\toption bearer '{DIR}/node.pub'"), 7));
        Assert.Contains($"bearer '{dir}' is a directory", Refused(Config(gw, node: "\toption bearer '{DIR}'"), 7));
        // The node's secret key file given for its public key: refused, and its bytes never printed
        // (lcgw logs the bearer key it expects).
        string nodeSeedHex = Convert.ToHexStringLower(File.ReadAllBytes(F("node.key")));
        string secret = Refused(Config(gw, node: "\toption bearer '{DIR}/node.key'"), 7);
        Assert.Contains($"bearer file '{F("node.key")}' is owner-only and 32 raw bytes: a secret key file, not a public key (lc key pub FILE)", secret);
        Assert.DoesNotContain(nodeSeedHex, secret);

        File.WriteAllText(F("lcgw.conf"), File.ReadAllText(Config(gw)) + "config node\n\toption bearer '" + nodePub + "'\n");
        Assert.Contains("'config node' needs a name", Refused(F("lcgw.conf"), 10));
        File.WriteAllText(F("lcgw.conf"), File.ReadAllText(Config(gw)) + "config node 'a'\n\toption bearer '" + signerPub + "'\n");
        Assert.Contains("a second 'config node' named 'a'", Refused(F("lcgw.conf"), 10));
        File.WriteAllText(F("lcgw.conf"), File.ReadAllText(Config(gw)) + "config node 'b'\n\toption bearer '" + signerPub + "'\n\toption channel 's/a/telemetry'\n");
        Assert.Contains("node 'b' and node 'a' share channel 's/a/telemetry': each node needs its own", Refused(F("lcgw.conf"), 10));
    }

    [Fact]
    public void A_Site_Key_With_Node_Master_And_The_Time_Beacon_Is_Refused_At_The_Key_File_Line()
    {
        // key_file seals the beacon with the site key; a node keyed from node_master holds only its
        // own key (and, with a signer, takes the signed beacon unkeyed): no keyed node could read it.
        foreach (string name in new[] { "site.key", "master.key" })
        {
            File.WriteAllBytes(F(name), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            Mode(name, OwnerOnly);
        }
        string gw = "\toption signer_key '{SIGNER}'\n\toption restricted '1'\n\toption node_master '{DIR}/master.key'\n";
        Assert.Contains("key_file seals the time beacon with the site key, which nodes keyed from node_master cannot open",
            Refused(Config(gw + "\toption key_file '{DIR}/site.key'\n\toption time_beacon '10'", node: ""), 8));
        Assert.Contains("key_file seals the time beacon",
            Refused(Config("\toption time_beacon '10'\n\toption key_file '{DIR}/site.key'\n" + gw, node: ""), 6));
        // Without the beacon the two do not meet: the site key opens the other subscribed channels,
        // each config node's channel its own derived key.
        var (code, stdout, err) = Lcgw($"-c {Config(gw + "\toption key_file '{DIR}/site.key'\n\toption time_beacon '0'", node: "", extra: "config subscribe\n\tlist channel 's/x/telemetry'\n")} --check-config");
        Assert.True(code == 0, err);
        Assert.Contains(": ok: ", stdout);
        // Nor does the beacon without the site key (signed, in clear: what keyed nodes read).
        (code, stdout, err) = Lcgw($"-c {Config(gw + "\toption time_beacon '10'", node: "")} --check-config");
        Assert.True(code == 0, err);
    }

    [Fact]
    public void Lcgw_Token_Refuses_Bad_Lifetimes_And_Unwritable_Files_In_One_Line()
    {
        string config = Config("\toption signer_key '{SIGNER}'");
        foreach (string bad in new[] { "abc", "-1", "nan", "NaN", "inf", "36501", "1e9", "" })
        {
            var (code, stdout, stderr) = Lcgw($"-c {config} token a {F("a.token")} --valid '{bad}'");
            Assert.True(code == 2, $"--valid '{bad}': exit {code}: {stderr}");
            Assert.Equal("", stdout);
            Assert.Equal("lcgw: --valid needs DAYS, 0 (never) to 36500", stderr.Trim());
            Assert.False(File.Exists(F("a.token")), $"--valid '{bad}' wrote a token");
        }
        var (c2, o2, e2) = Lcgw($"-c {config} token a {F("a.token")} --valid");
        Assert.Equal(2, c2);
        Assert.Equal("lcgw: --valid needs DAYS, 0 (never) to 36500", e2.Trim());

        // A lifetime shorter than a second is no lifetime: it would expire as it is written.
        var (c3, _, e3) = Lcgw($"-c {config} token a {F("a.token")} --valid 0.000001");
        Assert.Equal(2, c3);
        Assert.Contains("--valid needs DAYS", e3);

        var (c5, o5, e5) = Lcgw($"-c {config} token z {F("z.token")}");
        Assert.Equal(2, c5);
        Assert.Equal("", o5);
        Assert.Equal($"lcgw: {config}: token: no 'config node' named 'z' (it names the node's bearer key: option bearer)", e5.Trim());

        var (c4, o4, e4) = Lcgw($"-c {config} token a {F("no/such/dir/a.token")}");
        Assert.True(c4 == 1, $"exit {c4}: {e4}");
        Assert.Equal("", o4);
        Assert.Single(e4.Trim().Split('\n'));
        Assert.StartsWith($"lcgw: cannot write token file '{F("no/such/dir/a.token")}': ", e4.Trim());

        string ok = Lcgw($"-c {config} token a {F("a.token")} --valid 0").Out;
        Assert.Contains("never expires", ok);
        Assert.DoesNotContain(seedHex, ok);
        Assert.Equal(128, new FileInfo(F("a.token")).Length);
    }
}
