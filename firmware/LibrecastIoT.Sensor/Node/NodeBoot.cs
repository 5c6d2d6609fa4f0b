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
                     (settings.Key != null ? "channel key set (encrypted)" : "no key (in clear)"));
            return true;
        }
    }
}
