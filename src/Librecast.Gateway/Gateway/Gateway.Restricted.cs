using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Librecast.Files;
using Librecast.Gateway.Config;
using Librecast.Gateway.Outputs;
using Librecast.Security;

namespace Librecast.Gateway;

// Restricted channels at the site (docs/security.md, "The site's model"): a subscribed channel with
// "option restricted" takes only datagrams whose token a trusted signer issued, signed by the
// token's bearer; a node's telemetry channel (config node) only from that node's bearer key. Every
// rejection is counted by channel and reason (/metrics) and logged once per channel and reason.
// With "option restricted" in the gateway section lcgw's own sends (time beacon, local sensors)
// carry a token the site signer issues to itself for that channel.
public sealed partial class Gateway
{
    /// <summary>How often the rejection counts are looked at for new reasons to log.</summary>
    private static readonly TimeSpan RejectionLogEvery = TimeSpan.FromSeconds(1);

    // Channel name -> its filter (the latest network attempt's); read by /metrics and the logger.
    private readonly ConcurrentDictionary<string, TokenFilter> tokenFilters = new(StringComparer.Ordinal);
    private readonly HashSet<(string, TokenVerdict)> rejectionsLogged = new();
    private Keyring? siteKeyring;
    private Thread? rejectionLogThread;
    // A SIGHUP reload's: the previous gateway's filters, taken over by channel (TakeOverRestricted).
    private Dictionary<string, TokenFilter>? previousFilters;
    private GatewayConfig? previousConfig;

    /// <summary>Datagrams on restricted <paramref name="channel"/> that got <paramref name="verdict"/> (0 if not restricted).</summary>
    public long TokenVerdicts(string channel, TokenVerdict verdict) =>
        tokenFilters.TryGetValue(channel, out TokenFilter? f) ? f.Count(verdict) : 0;

    // Puts the site's filter on a subscribed channel that is restricted, and a node's own derived
    // key (option node_master) on its telemetry channel. Before listening.
    private void Restrict(Channel channel, string name)
    {
        Config.NodeConfig? node = config.NodeMasterFile != null ? config.NodeOf(name) : null;
        if (node != null)
        {
            byte[] master = KeyFile.Read(config.NodeMasterFile!);
            byte[] own = new byte[NodeKey.Size];
            try
            {
                NodeKey.Derive(master, 0, config.Site, node.Name, own, 0);
                channel.SetKey(own);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(master);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(own);
            }
        }
        if (!config.RestrictedChannels.Contains(name)) return;
        siteKeyring ??= config.SiteKeyring!; // read at load: a restricted channel makes it (GatewayConfig.Restricted.cs)
        byte[]? bearer = config.ExpectedBearer(name);
        // A reload keeps the channel's filter (its counts, the signatures it remembers against
        // replays) unless the channel gained or lost its node's bearer requirement.
        TokenFilter? filter = null;
        if (previousFilters != null && previousFilters.TryGetValue(name, out TokenFilter? kept) && kept.Keyring == siteKeyring &&
            (previousConfig!.ExpectedBearer(name) != null) == (bearer != null))
            filter = kept;
        // A node writes its telemetry: its token must grant WRITE (librecast's LC_CHAN_WRITE).
        filter ??= new TokenFilter(siteKeyring, Token.Write, 4096);
        if (bearer != null) filter.RequireBearer(bearer, 0);
        channel.TokenFilter = filter;
        tokenFilters[name] = filter;
        log.Info("restricted channel", ("channel", name), ("signers", siteKeyring.Count),
            ("bearer", bearer == null ? "any" : Convert.ToHexStringLower(bearer)));
        if (rejectionLogThread == null)
        {
            rejectionLogThread = new Thread(LogRejections) { IsBackground = true, Name = "lcgw-token-log" };
            rejectionLogThread.Start();
        }
    }

    // SIGHUP (Start(previous)): the new configuration's keyring and bearer keys take effect without
    // a restart. The keyring the previous filters hold is brought to the new keys in place (added
    // first, then the dropped ones removed: no moment trusts neither), so the filters and their
    // counts carry over; Restrict then takes them over by channel. The rejection reasons already
    // logged stay logged. A keyring that does not load never gets here: the reload is refused.
    private void TakeOverRestricted(Gateway previous)
    {
        lock (previous.rejectionsLogged) rejectionsLogged.UnionWith(previous.rejectionsLogged);
        Keyring? next = config.SiteKeyring, ring = previous.siteKeyring;
        if (next == null || ring == null) return;
        byte[] key = new byte[32];
        int added = 0, removed = 0;
        for (int i = 0; i < next.Count; i++)
        {
            next.CopyKey(i, key, 0);
            if (ring.Add(key, 0)) added++;
        }
        for (int i = ring.Count - 1; i >= 0; i--)
        {
            ring.CopyKey(i, key, 0);
            if (!next.Contains(key, 0) && ring.Remove(key, 0)) removed++;
        }
        siteKeyring = ring;
        previousFilters = new Dictionary<string, TokenFilter>(previous.tokenFilters, StringComparer.Ordinal);
        previousConfig = previous.config;
        log.Info("keyring reloaded", ("signers", ring.Count), ("added", added), ("removed", removed));
    }

    // Seals lcgw's own sends on `channel` with a token the site signer issues to itself (bearer =
    // signer), for this channel only, WRITE, no expiry. The seed is read, used and wiped here.
    private void SealOwn(Channel channel)
    {
        if (!config.SealOwnSends) return;
        byte[] seed = SigningKeyFiles.ReadSeed(config.SignerKeyFile!);
        try
        {
            byte[] pk = SigningKeyFiles.PublicKeyOf(seed);
            byte[] hash = new byte[32];
            channel.CopyHashTo(hash, 0);
            byte[] token = new byte[Token.Size];
            Token.Issue(new Librecast.Crypto.Ed25519(), seed, 0, pk, 0, pk, 0, hash, 0, Token.Write, 0, token, 0);
            channel.SetToken(token, 0, seed, 0);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
        }
    }

    // Once per channel and reason, when the first datagram is rejected for it: the counters say how many.
    private void LogRejections()
    {
        WaitHandle stop = shutdown.Token.WaitHandle;
        while (!stop.WaitOne(RejectionLogEvery))
        {
            foreach (KeyValuePair<string, TokenFilter> kv in tokenFilters)
                for (TokenVerdict v = TokenVerdict.TooShort; v <= TokenVerdict.WrongBearer; v++)
                {
                    long n = kv.Value.Count(v);
                    bool first;
                    lock (rejectionsLogged) first = n > 0 && rejectionsLogged.Add((kv.Key, v));
                    if (!first) continue;
                    log.Warn("restricted channel: datagrams rejected (logged once per reason; see lcgw_token_rejected_total)",
                        ("channel", kv.Key), ("reason", TokenFilter.NameOf(v)), ("count", n));
                }
        }
    }

    // One family after the other: Prometheus's text format wants a metric's series together.
    private IEnumerable<MetricsStore.Metric> TokenMetrics()
    {
        var filters = new List<KeyValuePair<string, TokenFilter>>(tokenFilters);
        filters.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
        foreach (KeyValuePair<string, TokenFilter> kv in filters)
            yield return new(MetricNames.TokenAccepted, "counter", "Datagrams on restricted channels whose token and signature checked out.",
                "channel=\"" + MetricsStore.Escape(kv.Key) + "\"", kv.Value.Count(TokenVerdict.Accepted));
        foreach (KeyValuePair<string, TokenFilter> kv in filters)
            for (TokenVerdict v = TokenVerdict.TooShort; v <= TokenVerdict.WrongBearer; v++)
                yield return new(MetricNames.TokenRejected, "counter", "Datagrams on restricted channels dropped, by reason (wrong_bearer: another node's key on a node's channel).",
                    "channel=\"" + MetricsStore.Escape(kv.Key) + "\",reason=\"" + TokenFilter.NameOf(v) + "\"", kv.Value.Count(v));
    }
}
