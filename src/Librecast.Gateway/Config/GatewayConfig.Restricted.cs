using Librecast;
using System;
using System.Collections.Generic;
using Librecast.Files;
using Librecast.Security;

namespace Librecast.Gateway.Config;

/// <summary>One <c>config node</c> section: a node of the site, its telemetry channel and the only bearer key lcgw takes it from.</summary>
/// <param name="Name">The node's name (SITE/NAME/telemetry unless <c>option channel</c>).</param>
/// <param name="Channel">Its telemetry channel (subscribed and restricted).</param>
/// <param name="Bearer">Its bearer public key (32 bytes): readings on <paramref name="Channel"/> signed by any other key are dropped; null: its readings are not signed, only sealed with its own key derived from <c>option node_master</c>.</param>
/// <param name="Where">file:line, for messages.</param>
public sealed record NodeConfig(string Name, string Channel, byte[]? Bearer, string Where);

// Restricted channels at the site (librecast 0.11's signed tokens, docs/security.md): the site
// signer key (option signer_key), the keyring of trusted signers (option keyring; default the
// signer's public key), which subscribed channels are restricted, and each node's bearer key.
public sealed partial class GatewayConfig
{
    /// <summary>The site signer's secret key file (32-byte Ed25519 seed, owner-only), or null: lcgw signs nothing.</summary>
    public string? SignerKeyFile { get; private set; }

    /// <summary>The site signer's public key (checked at load), or null.</summary>
    public byte[]? SignerPublic { get; private set; }

    /// <summary>The site's master key file (32 bytes, owner-only; <c>option node_master</c>), or null: each <c>config node</c>'s channel is sealed with the node's own key derived from it (<see cref="NodeKey"/>).</summary>
    public string? NodeMasterFile { get; private set; }

    /// <summary>Keyring file or directory of trusted token signers, or null: the signer's own public key.</summary>
    public string? KeyringPath { get; private set; }

    /// <summary>lcgw's own sends (time beacon, local sensors) are sealed with a token the signer issues to itself (<c>option restricted</c> in the gateway section).</summary>
    public bool SealOwnSends { get; private set; }

    /// <summary>Subscribed channels whose datagrams must carry a token signed by a trusted signer.</summary>
    public HashSet<string> RestrictedChannels { get; } = new();

    /// <summary>The site's nodes (<c>config node</c>).</summary>
    public List<NodeConfig> Nodes { get; } = new();

    /// <summary>The keyring restricted channels trust, read once at load (the reload's new one on SIGHUP), or null: none restricted and no keyring given.</summary>
    public Keyring? SiteKeyring { get; private set; }

    private string restrictedWhere = "", signerWhere = "", keyringWhere = "", masterWhere = "", keyFileWhere = "";
    // Where the first restricted channel was asked for (a subscribe's option restricted, a config node): named when it lacks signers.
    private string? firstRestrictedWhere;
    private readonly Dictionary<string, string> restrictedAt = new(StringComparer.Ordinal);

    // Channel `name` is restricted, as `where` (file:line) says.
    private void MarkRestricted(string name, string where)
    {
        RestrictedChannels.Add(name);
        firstRestrictedWhere ??= where;
        restrictedAt.TryAdd(name, where);
    }

    private void ReadRestrictedGateway(Options options)
    {
        signerWhere = options.WhereOf("signer_key");
        SignerKeyFile = Credentials.Resolve(options.String("signer_key"), signerWhere + ": signer_key");
        keyringWhere = options.WhereOf("keyring");
        KeyringPath = Credentials.Resolve(options.String("keyring"), keyringWhere + ": keyring");
        SealOwnSends = options.Flag("restricted", false);
        masterWhere = options.WhereOf("node_master");
        NodeMasterFile = Credentials.Resolve(options.String("node_master"), masterWhere + ": node_master");
        restrictedWhere = options.WhereOf("restricted");
        keyFileWhere = options.WhereOf("key_file");
    }

    private void ReadNode(UciSection section, Options options)
    {
        if (string.IsNullOrEmpty(section.Name) || HasControl(section.Name))
            throw new ConfigException(section.Where + ": 'config node' needs a name ('config node \"node1\"'): its telemetry channel is SITE/NAME/telemetry");
        // Without a bearer key the node's readings are keyed only (node_master; checked in ResolveRestricted).
        string? bearerText = options.String("bearer");
        byte[]? bearer = null;
        try { if (bearerText != null) bearer = SigningKeyFiles.ParsePublicKey(bearerText, "bearer"); }
        catch (LibrecastException e) { throw new ConfigException(options.WhereOf("bearer") + ": " + e.Message); }
        foreach (NodeConfig other in Nodes)
            if (other.Name == section.Name)
                throw new ConfigException(section.Where + ": a second 'config node' named '" + section.Name + "'");
        // The channel is known once the gateway section (the site) is read: filled in by ResolveRestricted.
        Nodes.Add(new NodeConfig(section.Name, options.String("channel") ?? "", bearer, section.Where));
    }

    // After every section: node channels subscribed and restricted; keys read and checked (each bad
    // file one line naming it; nothing of the secret in it), and the combinations that make sense.
    private void ResolveRestricted()
    {
        for (int i = 0; i < Nodes.Count; i++)
        {
            NodeConfig n = Nodes[i];
            string channel = n.Channel.Length > 0 ? n.Channel : NodeNames.Telemetry(Site, n.Name);
            for (int j = 0; j < i; j++) // the earlier ones are resolved: the later node of a pair is named
                if (Nodes[j].Channel == channel)
                    throw new ConfigException(n.Where + ": node '" + n.Name + "' and node '" + Nodes[j].Name + "' share channel '" + channel + "': each node needs its own");
            Nodes[i] = n with { Channel = channel };
            if (!Channels.Contains(channel)) Channels.Add(channel);
            if (n.Bearer != null) MarkRestricted(channel, n.Where);
            else if (NodeMasterFile == null)
                throw new ConfigException(n.Where + ": 'config node' needs \"option bearer\" (the node's public key, 64 hex digits or a file: lc key pub; its readings are signed) or the gateway section's \"option node_master\" (its readings are sealed with its own derived key)");
        }
        if (SignerKeyFile != null)
        {
            byte[] seed;
            try { seed = SigningKeyFiles.ReadSeed(SignerKeyFile); }
            catch (LibrecastException e) { throw new ConfigException(signerWhere + ": signer_key: " + e.Message); }
            try { SignerPublic = SigningKeyFiles.PublicKeyOf(seed); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed); }
        }
        if (NodeMasterFile != null)
        {
            try { Librecast.Files.KeyFile.Check(NodeMasterFile); }
            catch (LibrecastException e) { throw new ConfigException(masterWhere + ": node_master: " + e.Message); }
        }
        // The one beacon cannot be sealed for nodes that each hold their own key: a node keyed from
        // node_master keys its time channel with that key, or, trusting a signer, takes the signed
        // beacon unkeyed; neither opens a beacon sealed with the site key.
        if (NodeMasterFile != null && KeyFile != null && TimeBeaconSeconds > 0)
            throw new ConfigException(keyFileWhere + ": key_file seals the time beacon with the site key, which nodes keyed from node_master cannot open " +
                                      "(they hold only their own key): drop key_file (sign the beacon: option restricted '1'), or turn the beacon off (time_beacon '0')");
        if (SealOwnSends && SignerKeyFile == null)
            throw new ConfigException(restrictedWhere + ": restricted: lcgw seals its own sends with the site signer key: add \"option signer_key\" (lc key new FILE)");
        foreach (string name in RestrictedChannels)
            if (IsRelayed(name))
                throw new ConfigException(restrictedAt[name] + ": channel '" + name + "' is restricted and bridged or migrated: a relayed channel is passed on as it is, not checked (restrict it at its receivers)");
        if (RestrictedChannels.Count > 0)
        {
            if (SignerPublic == null && KeyringPath == null)
                throw new ConfigException(firstRestrictedWhere + ": restricted channels need the signers lcgw trusts: add \"option keyring\" or \"option signer_key\" to the gateway section");
            SiteKeyring = LoadKeyringOrThrow();
        }
        else if (KeyringPath != null) SiteKeyring = LoadKeyringOrThrow(); // checked even when unused: a typo shows now, not when a channel is restricted
    }

    private bool IsRelayed(string name) => BridgeUp.Contains(name) || BridgeDown.Contains(name) || IsMigrated(name);

    /// <summary>Reads the keyring restricted channels trust: the keyring file's keys, or the signer's public key.</summary>
    /// <exception cref="ConfigException">The keyring file is bad.</exception>
    private Keyring LoadKeyringOrThrow()
    {
        if (KeyringPath == null)
        {
            var ring = new Keyring();
            if (SignerPublic != null) ring.Add(SignerPublic, 0);
            return ring;
        }
        try { return SigningKeyFiles.LoadKeyring(KeyringPath); }
        catch (LibrecastException e) { throw new ConfigException(keyringWhere + ": keyring: " + e.Message); }
    }

    /// <summary>The node whose telemetry channel is <paramref name="channel"/>, or null.</summary>
    public NodeConfig? NodeOf(string channel)
    {
        foreach (NodeConfig n in Nodes)
            if (n.Channel == channel) return n;
        return null;
    }

    /// <summary>The bearer key expected on <paramref name="channel"/>, or null: any bearer the signer issued a token to.</summary>
    public byte[]? ExpectedBearer(string channel)
    {
        foreach (NodeConfig n in Nodes)
            if (n.Channel == channel) return n.Bearer;
        return null;
    }
}
