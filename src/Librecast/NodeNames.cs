namespace Librecast
{
    /// <summary>
    /// The naming convention of sensor nodes, one definition for the ESP32 node, lcgw's local
    /// sensors and the Pi's: node NODE of site SITE sends on <c>SITE/NODE/telemetry</c>, listens on
    /// <c>SITE/NODE/cmd</c>, and names its SenML records under <c>urn:dev:lc:SITE:NODE:</c>.
    /// </summary>
    public static class NodeNames
    {
        /// <summary>The channel a node's readings go to: <c>SITE/NODE/telemetry</c>.</summary>
        public static string Telemetry(string site, string node) { return site + "/" + node + "/telemetry"; }

        /// <summary>The channel a node takes commands on: <c>SITE/NODE/cmd</c>.</summary>
        public static string Commands(string site, string node) { return site + "/" + node + "/cmd"; }

        /// <summary>The SenML base name of a node's records: <c>urn:dev:lc:SITE:NODE:</c>.</summary>
        public static string BaseName(string site, string node) { return "urn:dev:lc:" + site + ":" + node + ":"; }

        /// <summary>
        /// Why <paramref name="name"/> cannot be a site or node name, or null if it can: it must
        /// not be empty and may hold only ASCII letters, digits, '-', '.' and '_': RFC 8428's
        /// SenML name characters without '/' and ':', the separators of the channel and the base
        /// name (a space or an accent would make every record's name invalid SenML).
        /// </summary>
        public static string? Problem(string name)
        {
            if (name == null || name.Length == 0) return "must not be empty";
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
                if (!ok) return "may hold only letters A-Z a-z, digits, '-', '.' and '_' (it is part of channel names and the SenML base name)";
            }
            return null;
        }
    }
}
