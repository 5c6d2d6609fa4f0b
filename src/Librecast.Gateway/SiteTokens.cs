using Librecast;
using System;
using System.Globalization;
using System.Security.Cryptography;
using Librecast.Crypto;
using Librecast.Files;
using Librecast.Gateway.Config;
using Librecast.Security;
using Librecast.Sockets;

namespace Librecast.Gateway;

/// <summary>
/// <c>lcgw token NODE FILE [--valid DAYS] [--command]</c>: the site signer (<c>option signer_key</c>)
/// issues node NODE (a <c>config node</c> section) its token: WRITE on its telemetry channel, to its
/// bearer key. With --command: the token for the node's command channel SITE/NODE/cmd, WRITE,
/// issued to the signer itself (whoever holds the signer key commands the node: the gateway, or an
/// operator on it with <c>lc send --token FILE --key SIGNER</c>).
/// </summary>
public static class SiteTokens
{
    internal const string Usage =
        "usage: lcgw [-c FILE] token NODE OUTPUT [--valid DAYS] [--command]\n" +
        "  writes node NODE's token (128 bytes, librecast 0.11's lc_token_t): WRITE on its telemetry channel\n" +
        "  (config node NODE; option channel, default SITE/NODE/telemetry), for its bearer key (option bearer),\n" +
        "  signed with the gateway's option signer_key. --valid: days until it expires (default 365; 0: never).\n" +
        "  --command: instead, the token for SITE/NODE/cmd issued to the signer itself (lc send --token\n" +
        "  OUTPUT --key SIGNERKEY commands the node). The token is public: copy it to the node as it is.\n" +
        "  --node-key: instead, the node's own channel key derived from option node_master (32 bytes, written\n" +
        "  owner-only; secret: tools/flash --key-file OUTPUT puts it on the node, which then holds no other node's key).";

    /// <summary>Runs the subcommand; arguments after "token". Returns the exit code.</summary>
    public static int Run(GatewayConfig config, string[] args)
    {
        string? node = null, output = null;
        double days = 365;
        bool command = false, nodeKey = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--valid":
                    // Written so NaN fails too; under a second (but 0) the token would expire as it is written.
                    if (i + 1 >= args.Length || !double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out days) ||
                        !(days == 0 || (days * 86400 >= 1 && days <= 36500)))
                        return Fail("--valid needs DAYS, 0 (never) to 36500");
                    break;
                case "--command":
                    command = true;
                    break;
                case "--node-key":
                    nodeKey = true;
                    break;
                default:
                    if (args[i].StartsWith('-')) return Fail("unknown option '" + args[i] + "'\n" + Usage);
                    if (node == null) node = args[i];
                    else if (output == null) output = args[i];
                    else return Fail("unexpected argument '" + args[i] + "'\n" + Usage);
                    break;
            }
        }
        if (node == null || output == null) return Fail("token needs NODE and OUTPUT\n" + Usage);
        if (nodeKey) return WriteNodeKey(config, node, output);
        if (config.SignerKeyFile == null)
            return Fail(config.Source + ": token: no \"option signer_key\" in the gateway section (make one with: lc key new /etc/lcgw/signer.key)");
        NodeConfig? n = null;
        foreach (NodeConfig c in config.Nodes) if (c.Name == node) n = c;
        if (n == null) return Fail(config.Source + ": token: no 'config node' named '" + node + "' (it names the node's bearer key: option bearer)");
        if (n.Bearer == null && !command) return Fail(config.Source + ": token: node '" + node + "' has no \"option bearer\": its readings are keyed, not signed (--node-key writes its key)");
        string channel = command ? NodeNames.Commands(config.Site, node) : n.Channel;
        byte[] seed;
        try { seed = SigningKeyFiles.ReadSeed(config.SignerKeyFile); }
        catch (LibrecastException e) { return Fail("signer_key: " + e.Message); }
        try
        {
            byte[] signer = SigningKeyFiles.PublicKeyOf(seed);
            byte[] bearer = command ? signer : n.Bearer!;
            byte[] hash = new byte[32];
            using (var ctx = new Context(SocketsPlatform.Instance) { Wire = config.WireOf(channel) })
                ctx.CreateChannel(channel).CopyHashTo(hash, 0);
            ulong expires = days == 0 ? 0 : SigningKeyFiles.NowSeconds() + (ulong)(days * 86400);
            byte[] token = new byte[Token.Size];
            Token.Issue(new Ed25519(), seed, 0, signer, 0, bearer, 0, hash, 0, Token.Write, expires, token, 0);
            try { AtomicFile.Write(output, token, 0, token.Length); }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("lcgw: cannot write token file '" + output + "': " + Librecast.Sockets.SystemErrors.Describe(e));
                return Program.ExitFailure; // the arguments were right: the file system said no
            }
            Console.Out.WriteLine("lcgw: " + output + ": token for channel '" + channel + "' (wire " + config.WireOf(channel).Name + "), write, bearer " +
                Convert.ToHexStringLower(bearer) + ", " + SigningKeyFiles.DescribeExpiry(expires, SigningKeyFiles.NowSeconds()));
            return Program.ExitOk;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    // The node's own key from the site master (NodeKey), written owner-only; nothing of it printed.
    private static int WriteNodeKey(GatewayConfig config, string node, string output)
    {
        if (config.NodeMasterFile == null)
            return Fail(config.Source + ": token --node-key: no \"option node_master\" in the gateway section (make one with: head -c 32 /dev/urandom > /etc/lcgw/node-master.key; chmod 600)");
        bool known = false;
        foreach (NodeConfig c in config.Nodes) if (c.Name == node) known = true;
        if (!known) return Fail(config.Source + ": token --node-key: no 'config node' named '" + node + "'");
        byte[] master;
        try { master = KeyFile.Read(config.NodeMasterFile); }
        catch (LibrecastException e) { return Fail("node_master: " + e.Message); }
        byte[] key = new byte[NodeKey.Size];
        try
        {
            NodeKey.Derive(master, 0, config.Site, node, key, 0);
            if (System.IO.File.Exists(output) || System.IO.Directory.Exists(output))
                return Fail("'" + output + "' exists already: a key never overwrites a file");
            var options = new System.IO.FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = System.IO.FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite;
            try
            {
                using var fs = new System.IO.FileStream(output, options);
                fs.Write(key, 0, key.Length);
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                return Fail("cannot write key file '" + output + "': " + Librecast.Sockets.SystemErrors.Describe(e));
            }
            Console.Out.WriteLine("lcgw: " + output + ": node '" + node + "''s channel key (derived from node_master for " + config.Site + "/" + node + "; owner-only)");
            return Program.ExitOk;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("lcgw: " + message);
        return Program.ExitUsage;
    }
}
