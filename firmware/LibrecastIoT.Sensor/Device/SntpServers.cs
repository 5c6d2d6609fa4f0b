using System;
using System.Reflection;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// Points nanoFramework's SNTP client at the site's server (<c>sntp SERVER</c> in
    /// librecast.conf) instead of 0.pool.ntp.org, which a site without Internet never reaches.
    /// </summary>
    /// <remarks>
    /// <para>nanoFramework.Networking.Sntp (listed in packages.config, so deployed) is called by name,
    /// as <see cref="DeviceStorage"/> calls System.IO.FileSystem: an image without its native code
    /// (the simulated board in ../shared/nanoframework-tools has none) then costs a log line, not
    /// the node. Its <c>Server1</c> setter is lwIP's <c>sntp_setservername(0, ...)</c> and
    /// <c>UpdateNow</c> stops and starts the client, so it asks the new server at once
    /// (nf-interpreter <c>src/DeviceInterfaces/Networking.Sntp</c>).</para>
    /// <para>On every new address the ESP32 firmware starts SNTP again with the default servers
    /// (<c>initialize_sntp()</c> on IP_EVENT_STA_GOT_IP, <c>targets/ESP32/_common/targetHAL_Network.cpp</c>),
    /// so <see cref="WifiLink"/> calls <see cref="Reapply"/> each time the station has an address again.</para>
    /// <para>lwIP keeps the pointer it is given, not a copy: the name stays referenced here for the
    /// node's life. That nanoCLR's heap compaction never moves it under lwIP is for a board to
    /// settle (firmware/README.md).</para>
    /// </remarks>
    public static class SntpServers
    {
        private static string? server; // referenced for ever: lwIP holds a pointer to its characters
        private static INodeLog? logTo;

        /// <summary>The server set by <see cref="Use"/>, or null.</summary>
        public static string? Server { get { return server; } }

        /// <summary>Sets <paramref name="name"/> as the SNTP server and asks it now; says what happened on <paramref name="log"/>.</summary>
        public static void Use(string name, INodeLog log)
        {
            server = name;
            logTo = log;
            log.Line(Apply(name, "set"));
        }

        /// <summary>Sets the server again (after the firmware restarted SNTP with its defaults); nothing if none was set.</summary>
        public static void Reapply()
        {
            string? name = server;
            INodeLog? log = logTo;
            if (name == null || log == null) return;
            log.Line(Apply(name, "set again after the new address"));
        }

        private static string Apply(string name, string what)
        {
            Type? sntp = null;
            try
            {
                Assembly a = Assembly.Load("nanoFramework.Networking.Sntp");
                sntp = a.GetType("nanoFramework.Networking.Sntp");
            }
            catch (Exception)
            {
                // not deployed
            }
            if (sntp == null) return "sntp: server " + name + " not " + what + ": nanoFramework.Networking.Sntp is not deployed; the clock comes from lcgw's time beacon (or the firmware's default SNTP servers)";
            MethodInfo? set = sntp.GetMethod("set_Server1");
            MethodInfo? now = sntp.GetMethod("UpdateNow");
            if (set == null || now == null) return "sntp: server " + name + " not " + what + ": nanoFramework.Networking.Sntp has no Server1 setter or UpdateNow";
            try
            {
                set.Invoke(null, new object[] { name });
                now.Invoke(null, null);
            }
            catch (Exception e)
            {
                Exception cause = e;
                while (cause.InnerException != null) cause = cause.InnerException;
                return "sntp: server " + name + " not " + what + ": this firmware's SNTP refused (" + cause.GetType().Name + ": " + cause.Message + "); the clock comes from lcgw's time beacon (or the firmware's default SNTP servers)";
            }
            return "sntp: server " + name + " " + what + ", asked now";
        }
    }
}
