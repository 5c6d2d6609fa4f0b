using System;

namespace Librecast.Fec
{
    /// <summary>
    /// One shared object as <c>lc share</c> announces it on the base channel (docs/fec.md): name,
    /// RaptorQ OTI (which carries the size), BLAKE3 hash, and the sideband that carries its symbols.
    /// </summary>
    /// <remarks>
    /// Layout (big-endian numbers): "LCFS" | version 1 | OTI (12 bytes) | BLAKE3 of the object (32)
    /// | band (8, the symbol channel is base.Sideband(band)) | name length (1) | name (UTF-8, 1..200
    /// printable ASCII, a plain file name). 58 + name bytes in all.
    /// </remarks>
    public sealed class Announcement
    {
        /// <summary>Bytes before the name.</summary>
        public const int FixedLength = 58;

        /// <summary>Longest name in bytes.</summary>
        public const int MaxNameLength = 200;

        private static readonly byte[] Magic = { (byte)'L', (byte)'C', (byte)'F', (byte)'S' };

        /// <summary>The file name (no directory).</summary>
        public readonly string Name;
        /// <summary>The object's RaptorQ parameters (F is its size).</summary>
        public readonly Oti Oti;
        /// <summary>BLAKE3 of the object's bytes (32).</summary>
        public readonly byte[] Hash;
        /// <summary>The sideband of the base channel that carries the symbols.</summary>
        public readonly ulong Band;

        /// <summary>An announcement of an object.</summary>
        /// <exception cref="ArgumentException">The name is not a plain file name of 1..200 printable ASCII characters, or the hash is not 32 bytes.</exception>
        public Announcement(string name, Oti oti, byte[] hash, ulong band)
        {
            string why = CheckName(name);
            if (why != null) throw new ArgumentException(why, "name");
            if (oti == null) throw new ArgumentNullException("oti");
            if (hash == null || hash.Length != 32) throw new ArgumentException("the hash is 32 bytes", "hash");
            Name = name;
            Oti = oti;
            Hash = hash;
            Band = band;
        }

        /// <summary>Why name cannot be a received file's name, or null if it can.</summary>
        public static string CheckName(string name)
        {
            if (name == null || name.Length == 0) return "empty name";
            if (name.Length > MaxNameLength) return "name longer than 200 characters";
            if (name == "." || name == "..") return "name '" + name + "' is a directory";
            if (name[0] == '.') return "name starts with '.' (hidden or temporary files are not fetched)";
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == '/' || c == '\\') return "name contains a path separator";
                if (c < ' ' || c > '~') return "name has a character outside printable ASCII";
            }
            return null!;
        }

        /// <summary>Writes the announcement to dst[offset]; returns its length.</summary>
        public int Write(byte[] dst, int offset)
        {
            byte[] name = Utf8.GetBytes(Name);
            Array.Copy(Magic, 0, dst, offset, 4);
            dst[offset + 4] = 1;
            Oti.Write(dst, offset + 5);
            Array.Copy(Hash, 0, dst, offset + 17, 32);
            for (int i = 0; i < 8; i++) dst[offset + 49 + i] = (byte)(Band >> (56 - 8 * i));
            dst[offset + 57] = (byte)name.Length;
            Array.Copy(name, 0, dst, offset + FixedLength, name.Length);
            return FixedLength + name.Length;
        }

        /// <summary>
        /// Reads an announcement from src[offset, offset+length); null with the reason in
        /// <paramref name="error"/> when it is not a valid one (wrong magic or version, bad OTI, bad name).
        /// </summary>
        public static Announcement? TryRead(byte[] src, int offset, int length, out string error)
        {
            error = "";
            if (length < FixedLength + 1) { error = "too short for an announcement"; return null; }
            for (int i = 0; i < 4; i++)
                if (src[offset + i] != Magic[i]) { error = "not an lc share announcement"; return null; }
            if (src[offset + 4] != 1) { error = "announcement version " + src[offset + 4] + " (this lc knows 1)"; return null; }
            int nameLength = src[offset + 57];
            if (nameLength == 0 || FixedLength + nameLength != length) { error = "name length disagrees with the datagram"; return null; }
            Oti oti;
            try { oti = Oti.Read(src, offset + 5); }
            catch (ArgumentException e) { error = "bad OTI: " + e.Message; return null; }
            byte[] hash = new byte[32];
            Array.Copy(src, offset + 17, hash, 0, 32);
            ulong band = 0;
            for (int i = 0; i < 8; i++) band = (band << 8) | src[offset + 49 + i];
            char[] chars = new char[nameLength];
            for (int i = 0; i < nameLength; i++) chars[i] = (char)src[offset + FixedLength + i];
            string name = new string(chars);
            string why = CheckName(name);
            if (why != null) { error = why; return null; }
            return new Announcement(name, oti, hash, band);
        }
    }
}
