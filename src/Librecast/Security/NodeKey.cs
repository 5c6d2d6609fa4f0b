using System;

namespace Librecast.Security
{
    /// <summary>
    /// A node's own channel key, derived from the site's master key with BLAKE3's key derivation
    /// mode: <c>derive_key(Context, master ‖ UTF-8 "SITE/NODE")</c>. The gateway (lcgw's
    /// <c>option node_master</c>) derives every node's key for its <c>config node</c>; the node holds
    /// only its own (its librecast.conf <c>key</c> line). A node's telemetry then opens only with its
    /// own key: a stolen node cannot write another node's readings, and signing each reading (seconds
    /// of CPU on an ESP32) is not needed for that (docs/security.md "On the ESP32").
    /// </summary>
    public static class NodeKey
    {
        /// <summary>BLAKE3 key derivation context: hard-coded, unique to this use (BLAKE3's rule).</summary>
        public const string Context = "LibrecastIoT 2026-12-07 per-node channel key v1";

        /// <summary>Bytes of the master key and of a derived key.</summary>
        public const int Size = 32;

        /// <summary>Writes node <paramref name="node"/>'s 32-byte key of site <paramref name="site"/> into <paramref name="output"/>[offset].</summary>
        public static void Derive(byte[] master, int masterOffset, string site, string node, byte[] output, int offset)
        {
            if (master == null) throw new ArgumentNullException("master");
            if (masterOffset < 0 || masterOffset > master.Length - Size) throw new ArgumentOutOfRangeException("masterOffset");
            if (site == null) throw new ArgumentNullException("site");
            if (node == null) throw new ArgumentNullException("node");
            byte[] name = Utf8.GetBytes(site + "/" + node);
            byte[] material = new byte[Size + name.Length];
            Array.Copy(master, masterOffset, material, 0, Size);
            Array.Copy(name, 0, material, Size, name.Length);
            Blake3Hasher.DeriveKey(Context, material, 0, material.Length, output, offset, Size);
            for (int i = 0; i < Size; i++) material[i] = 0;
        }
    }
}
