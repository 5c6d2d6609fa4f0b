using System;
using System.Threading;
using Librecast;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Reads the node's configuration at boot, telling an absent file (the defaults, in clear) from
    /// an unreadable storage volume or file (which may hold a channel key). While the storage cannot
    /// be read the node publishes no reading at all, so that a keyed node never falls back to clear:
    /// it says why on the console and on its status channel (SITE/NODE/status, in clear since no
    /// key can be read, the reason only, never a reading) and tries again every
    /// <see cref="StorageRetryMs"/>.
    /// </summary>
    public static class NodeBoot
    {
        /// <summary>Wait between two attempts to read unreadable storage.</summary>
        public const int StorageRetryMs = 30000;

        /// <summary>The status channel of a node: SITE/NODE/status.</summary>
        public static string StatusChannelOf(NodeSettings settings)
        {
            return settings.Site + "/" + settings.Node + "/status";
        }

        /// <summary>
        /// Applies the stored configuration to <paramref name="settings"/>: true once it is applied (or
        /// absent: defaults); false if it was read and refused (a line not understood: the caller must
        /// not start). Blocks, retrying every <paramref name="retryMs"/>, while the storage is
        /// unreadable; each failed attempt is logged and reported on the status channel through
        /// <paramref name="context"/> (null: console only). <paramref name="attempts"/> (0: for ever)
        /// bounds the attempts; false when they ran out.
        /// </summary>
        public static bool LoadConfig(IConfigStore store, NodeSettings settings, INodeLog log, Context? context, int retryMs, int attempts)
        {
            int failures = 0;
            Socket? socket = null;
            Channel? status = null;
            try
            {
                while (true)
                {
                    byte[]? text;
                    string? problem = null;
                    text = null;
                    try
                    {
                        text = store.Read();
                    }
                    catch (Exception e)
                    {
                        // Reflection wraps what the file system threw (nanoFramework: "Exception was thrown: ..."): say the cause.
                        Exception cause = e;
                        while (cause.InnerException != null) cause = cause.InnerException;
                        problem = cause.GetType().Name + ": " + cause.Message;
                    }
                    if (problem == null) return Apply(store, text, settings, log, failures);
                    failures++;
                    string line = "storage unreadable: cannot read " + store.Describe() + " (" + problem + "); not publishing, since a channel key may be stored there; retrying in " +
                                  retryMs / 1000 + " s (" + failures + " failed so far)";
                    log.Line("config: " + line);
                    if (context != null)
                    {
                        try
                        {
                            if (socket == null)
                            {
                                Socket s = context.CreateSocket();
                                try
                                {
                                    s.Bind(settings.InterfaceIndex);
                                    status = settings.Ipv6 ? context.CreateChannel(StatusChannelOf(settings), settings.Wire) : context.CreateIpv4Channel(StatusChannelOf(settings));
                                    s.Bind(status);
                                }
                                catch (LibrecastException)
                                {
                                    s.Dispose();
                                    throw;
                                }
                                socket = s;
                            }
                            byte[] payload = Utf8.GetBytes(line);
                            status!.SendMessage(payload, 0, payload.Length);
                        }
                        catch (LibrecastException e)
                        {
                            log.Line("config: cannot report it on " + StatusChannelOf(settings) + ": " + e.Message);
                        }
                    }
                    if (attempts > 0 && failures >= attempts) return false;
                    Thread.Sleep(retryMs);
                }
            }
            finally
            {
                if (socket != null) socket.Dispose();
            }
        }

        /// <summary>
        /// Reads the restricted site's files the configuration names (<c>bearer_key</c>, <c>token</c>)
        /// into <paramref name="settings"/>: true if there are none or both are good; false (one
        /// line logged, naming the file, nothing of the key) if one is absent, unreadable, open to
        /// others or not what it must be: the node must not start, above all not unsigned when
        /// signing was meant.
        /// </summary>
        public static bool LoadProvisioned(IProvisionedFiles files, NodeSettings settings, INodeLog log)
        {
            if (settings.BearerKeyFile == null || settings.TokenFile == null) return true;
            string keyName = settings.BearerKeyFile, tokenName = settings.TokenFile;
            byte[]? seed = ReadFile(files, keyName, true, "bearer_key", log);
            if (seed == null) return false;
            if (seed.Length != 32)
            {
                Wipe(seed);
                log.Line("config refused: bearer_key " + files.Describe(keyName) + " is " + seed.Length + " bytes; a bearer key is the 32-byte Ed25519 seed 'lc key new FILE' writes");
                return false;
            }
            byte[]? token = ReadFile(files, tokenName, false, "token", log);
            if (token == null)
            {
                Wipe(seed);
                return false;
            }
            string? problem = null;
            if (token.Length != Librecast.Security.Token.Size)
                problem = "is " + token.Length + " bytes; a librecast token is exactly " + Librecast.Security.Token.Size + " ('lcgw token NODE FILE' writes it)";
            else if (token[Librecast.Security.Token.VersionOffset] != Librecast.Security.Token.CurrentVersion)
                problem = "is not a librecast 0.11 token (version byte " + token[0] + ", not 255)";
            else if (settings.Signer != null && !SignerIs(token, settings.Signer))
                problem = "was not issued by the site signer (the signer line's key)";
            if (problem != null)
            {
                Wipe(seed);
                log.Line("config refused: token " + files.Describe(tokenName) + " " + problem);
                return false;
            }
            settings.BearerSeed = seed;
            settings.TelemetryToken = token;
            ulong expires = Librecast.Security.Token.Expires(token, 0);
            log.Line("config: bearer_key " + files.Describe(keyName) + " and token " + files.Describe(tokenName) + " read (" +
                     (expires == 0 ? "never expires" : "expires at Unix time " + expires) + "): every reading is signed");
            return true;
        }

        private static bool SignerIs(byte[] token, byte[] signer)
        {
            for (int i = 0; i < Librecast.Security.Token.SignerIdSize; i++)
                if (token[Librecast.Security.Token.SignerOffset + i] != signer[i]) return false;
            return true;
        }

        private static byte[]? ReadFile(IProvisionedFiles files, string name, bool secret, string line, INodeLog log)
        {
            try
            {
                return files.Read(name, secret);
            }
            catch (Exception e)
            {
                Exception cause = e;
                while (cause.InnerException != null) cause = cause.InnerException;
                log.Line("config refused: " + line + " " + files.Describe(name) + ": " + cause.Message);
                return null;
            }
        }

        private static void Wipe(byte[] b)
        {
            for (int i = 0; i < b.Length; i++) b[i] = 0;
        }

        private static bool Apply(IConfigStore store, byte[]? text, NodeSettings settings, INodeLog log, int failures)
        {
            if (failures > 0) log.Line("config: " + store.Describe() + " readable again after " + failures + " failed attempt(s)");
            if (text == null)
            {
                log.Line("config: no " + store.Describe() + "; using the defaults: site " + settings.Site + ", node " + settings.Node + ", no key (in clear)");
                return true;
            }
            try
            {
                NodeConfig.Apply(text, text.Length, settings);
            }
            catch (ArgumentException e)
            {
                log.Line("config refused: " + e.Message);
                return false;
            }
            log.Line("config: site " + settings.Site + ", node " + settings.Node + ", interval " + settings.IntervalSeconds + " s, " +
                     (settings.Key != null ? "channel key set (encrypted)" : "no key (in clear)") +
                     (settings.Signer != null ? ", restricted site: commands and time only with the site signer's token" : "") +
                     (settings.BearerKeyFile != null ? ", signed telemetry (bearer_key " + settings.BearerKeyFile + ", token " + settings.TokenFile + ")" : ""));
            return true;
        }
    }
}
