using System;
using Librecast.Crypto;

namespace Librecast.Security
{
    /// <summary>
    /// The Ed25519 public keys whose tokens a <see cref="TokenFilter"/> trusts (librecast 0.11's
    /// <c>lc_keyring_t</c>): a token names its signer by the key's first 8 bytes, looked up here.
    /// </summary>
    /// <remarks>Copy-on-write: the receive path reads the keys without a lock while another thread
    /// adds or removes one. Adding or removing allocates; looking up does not.</remarks>
    public sealed class Keyring
    {
        private byte[] keys = new byte[0]; // Count × 32 bytes, replaced whole
        private readonly object writeLock = new object();

        /// <summary>Keys on the ring.</summary>
        public int Count { get { return keys.Length / Ed25519.PublicKeySize; } }

        /// <summary>Adds the 32-byte public key at <paramref name="key"/>[offset]; false if it was on the ring already.</summary>
        public bool Add(byte[] key, int offset)
        {
            CheckKey(key, offset);
            lock (writeLock)
            {
                if (IndexOf(keys, key, offset) >= 0) return false;
                byte[] grown = new byte[keys.Length + Ed25519.PublicKeySize];
                Array.Copy(keys, grown, keys.Length);
                Array.Copy(key, offset, grown, keys.Length, Ed25519.PublicKeySize);
                keys = grown;
                return true;
            }
        }

        /// <summary>Removes the 32-byte public key at <paramref name="key"/>[offset]; false if it was not on the ring.</summary>
        public bool Remove(byte[] key, int offset)
        {
            CheckKey(key, offset);
            lock (writeLock)
            {
                int at = IndexOf(keys, key, offset);
                if (at < 0) return false;
                byte[] shrunk = new byte[keys.Length - Ed25519.PublicKeySize];
                Array.Copy(keys, 0, shrunk, 0, at);
                Array.Copy(keys, at + Ed25519.PublicKeySize, shrunk, at, shrunk.Length - at);
                keys = shrunk;
                return true;
            }
        }

        /// <summary>True if the 32-byte public key at <paramref name="key"/>[offset] is on the ring.</summary>
        public bool Contains(byte[] key, int offset)
        {
            CheckKey(key, offset);
            return IndexOf(keys, key, offset) >= 0;
        }

        /// <summary>Copies key number <paramref name="index"/> (0..Count-1) into <paramref name="destination"/>[offset].</summary>
        public void CopyKey(int index, byte[] destination, int offset)
        {
            byte[] snapshot = keys;
            Array.Copy(snapshot, index * Ed25519.PublicKeySize, destination, offset, Ed25519.PublicKeySize);
        }

        // The ring's current array, for the filter: it searches and verifies on this snapshot.
        internal byte[] Snapshot { get { return keys; } }

        // Next key at or after byte position `from` in `snapshot` whose first 8 bytes are the
        // token's signer id; -1 if none.
        internal static int NextSigner(byte[] snapshot, int from, byte[] token, int tokenOffset)
        {
            for (int at = from; at < snapshot.Length; at += Ed25519.PublicKeySize)
            {
                int i = 0;
                while (i < Token.SignerIdSize && snapshot[at + i] == token[tokenOffset + Token.SignerOffset + i]) i++;
                if (i == Token.SignerIdSize) return at;
            }
            return -1;
        }

        private static int IndexOf(byte[] snapshot, byte[] key, int offset)
        {
            for (int at = 0; at < snapshot.Length; at += Ed25519.PublicKeySize)
            {
                int i = 0;
                while (i < Ed25519.PublicKeySize && snapshot[at + i] == key[offset + i]) i++;
                if (i == Ed25519.PublicKeySize) return at;
            }
            return -1;
        }

        private static void CheckKey(byte[] key, int offset)
        {
            if (key == null) throw new ArgumentNullException("key");
            if (offset < 0 || offset > key.Length - Ed25519.PublicKeySize) throw new ArgumentOutOfRangeException("offset");
        }
    }
}
