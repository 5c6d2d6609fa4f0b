using System;

namespace Librecast.Crypto
{

    /// <summary>
    /// XSalsa20-Poly1305 secretbox in librecast 0.5.1's SYMM datagram layout, in managed code:
    /// the same bytes libsodium's <c>crypto_secretbox_easy</c> makes, runnable on nanoFramework and in
    /// static NativeAOT binaries (no native library).
    /// </summary>
    /// <remarks>
    /// <para>Datagram layout (shared/WIRE.md, measured against librecast 0.5.1):</para>
    /// <code>
    /// offset 0        16                16+n          16+n+24
    ///        | MAC 16 | ciphertext n    | nonce 24     |
    ///                                     8-byte prefix, 8-byte counter, 8 zero bytes
    /// </code>
    /// <para>MAC || ciphertext is exactly <c>crypto_secretbox_easy(plaintext, nonce, key)</c>; the
    /// nonce trailer is what librecast appends. 40 bytes of overhead.</para>
    /// <para>Works in caller-provided arrays: after construction nothing is allocated per message.
    /// To seal in place, put the plaintext at <c>destinationOffset + MacSize</c>; to open in place,
    /// pass the datagram's own array and offset as destination. Other overlaps are handled too.</para>
    /// <para>Not thread-safe: an instance keeps its scratch state in fields, so use one per thread
    /// (for example one for a channel's sender and one for its receive loop).</para>
    /// <para>Network input never throws: <see cref="Open"/> reports a <see cref="SecretBoxStatus"/>.
    /// Only programming errors (null arrays, ranges outside an array, use after Dispose) throw.</para>
    /// </remarks>
    public sealed class SecretBox : IDisposable
    {
        /// <summary>Key size in bytes (crypto_secretbox_KEYBYTES).</summary>
        public const int KeySize = 32;

        /// <summary>Poly1305 MAC size in bytes, at the start of the datagram (crypto_secretbox_MACBYTES).</summary>
        public const int MacSize = 16;

        /// <summary>Nonce size in bytes, the datagram's trailer (crypto_secretbox_NONCEBYTES).</summary>
        public const int NonceSize = 24;

        /// <summary>Bytes at the start of the nonce that vary (prefix and counter); the remaining 8 are zero, as librecast sends them.</summary>
        public const int RandomNonceSize = 16;

        /// <summary>Bytes a sealed datagram adds to its plaintext: MAC plus nonce, 40.</summary>
        public const int Overhead = MacSize + NonceSize;

        /// <summary>Largest plaintext whose sealed datagram fits in one UDP datagram.</summary>
        public const int MaxPlaintext = Frame.MaxDatagram - Overhead;

        private readonly uint[] key = new uint[8];
        private readonly uint[] subkey = new uint[8];
        private readonly byte[] block = new byte[64];
        private readonly byte[] polyKey = new byte[Poly1305.KeySize];
        private readonly byte[] nonce = new byte[NonceSize];
        private readonly byte[] tag = new byte[Poly1305.TagSize];
        private readonly byte[] scratch = new byte[16];
        private readonly byte[] noncePrefix = new byte[8];
        private ulong nonceCounter;
        private bool prefixDrawn;
        private bool disposed;

        /// <summary>Creates a box for the 32-byte key in <paramref name="key"/> (copied; the caller may wipe its array).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes long.</exception>
        public SecretBox(byte[] key) : this(key, 0, key == null ? 0 : key.Length)
        {
        }

        /// <summary>Creates a box for the key in <paramref name="key"/>[offset..offset+count) (copied), which must be 32 bytes.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range is outside the array.</exception>
        /// <exception cref="ArgumentException"><paramref name="count"/> is not 32.</exception>
        public SecretBox(byte[] key, int offset, int count)
        {
            if (key == null) throw new ArgumentNullException("key");
            CheckRange(key, offset, count, "key");
            if (count != KeySize)
                throw new ArgumentException("a secretbox key is exactly " + KeySize + " bytes; got " + count, "key");
            for (int i = 0; i < 8; i++) this.key[i] = Salsa20.Load32(key, offset + 4 * i);
        }

        /// <summary>Length of the datagram that sealing <paramref name="plaintextLength"/> bytes produces.</summary>
        public static int SealedLength(int plaintextLength)
        {
            return plaintextLength + Overhead;
        }

        /// <summary>
        /// Seals <paramref name="plaintext"/>[offset..offset+count) into <paramref name="destination"/> at
        /// <paramref name="destinationOffset"/> as a librecast SYMM datagram, with a nonce that this box
        /// never uses twice: an 8-byte prefix drawn at the first seal, a 64-bit counter (big-endian)
        /// that every seal increments, then 8 zero bytes.
        /// </summary>
        /// <remarks>
        /// The prefix is 8 bytes from <paramref name="random"/>.FillRandom XORed with
        /// <paramref name="random"/>.NowNanoseconds() at that moment, and drawn again if the counter
        /// ever ran out. Within a box the counter cannot repeat; across boots (or boxes) a repeat needs
        /// the same prefix, which takes both the same random bytes and the same wall-clock
        /// nanosecond: a device whose random source restarts from the same seed still gets a new
        /// prefix once its clock is set (SNTP), and with a real random source (IPlatform's contract)
        /// two prefixes collide with probability 2^-64. librecast receivers take the nonce as sent.
        /// </remarks>
        /// <returns>The datagram length, <c>count + 40</c>.</returns>
        /// <exception cref="ArgumentNullException">An array or <paramref name="random"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A range is outside its array, the destination is too small, or count exceeds <see cref="MaxPlaintext"/>.</exception>
        /// <exception cref="ObjectDisposedException">The box was disposed.</exception>
        public int Seal(byte[] plaintext, int offset, int count, byte[] destination, int destinationOffset, IPlatform random)
        {
            if (random == null) throw new ArgumentNullException("random");
            CheckSeal(plaintext, offset, count, destination, destinationOffset, MaxPlaintext);
            NextNonce(random);
            return SealCore(plaintext, offset, count, destination, destinationOffset);
        }

        /// <summary>
        /// Seals a whole object, of any size, as librecast 0.11's SYMM with FEC does before encoding
        /// it (box ‖ 24-byte nonce, <c>count + 40</c> bytes): <see cref="Seal"/> without the
        /// one-datagram limit, with the same never-repeating nonce.
        /// </summary>
        /// <returns>The sealed length, <c>count + 40</c>.</returns>
        /// <exception cref="ArgumentNullException">An array or <paramref name="random"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A range is outside its array or the destination is too small.</exception>
        /// <exception cref="ObjectDisposedException">The box was disposed.</exception>
        public int SealObject(byte[] plaintext, int offset, int count, byte[] destination, int destinationOffset, IPlatform random)
        {
            if (random == null) throw new ArgumentNullException("random");
            CheckSeal(plaintext, offset, count, destination, destinationOffset, int.MaxValue - Overhead);
            NextNonce(random);
            return SealCore(plaintext, offset, count, destination, destinationOffset);
        }

        private void NextNonce(IPlatform random)
        {
            if (!prefixDrawn || nonceCounter == ulong.MaxValue)
            {
                random.FillRandom(noncePrefix, 0, 8);
                ulong now = random.NowNanoseconds();
                for (int i = 0; i < 8; i++) noncePrefix[i] ^= (byte)(now >> (8 * i));
                nonceCounter = 0;
                prefixDrawn = true;
            }
            nonceCounter++;
            Array.Copy(noncePrefix, 0, nonce, 0, 8);
            ulong c = nonceCounter;
            for (int i = 15; i >= 8; i--)
            {
                nonce[i] = (byte)c;
                c >>= 8;
            }
            for (int i = RandomNonceSize; i < NonceSize; i++) nonce[i] = 0;
        }

        /// <summary>
        /// Seals with the caller's 24-byte nonce (libsodium's general form). Reusing a nonce under one
        /// key reveals the XOR of the two plaintexts and lets anyone forge MACs, so this is for test
        /// vectors; senders use the <see cref="IPlatform"/> overload.
        /// </summary>
        internal int SealWithNonce(byte[] plaintext, int offset, int count, byte[] destination, int destinationOffset,
            byte[] nonceBytes, int nonceOffset)
        {
            if (nonceBytes == null) throw new ArgumentNullException("nonceBytes");
            CheckRange(nonceBytes, nonceOffset, NonceSize, "nonceBytes");
            CheckSeal(plaintext, offset, count, destination, destinationOffset, MaxPlaintext);
            Array.Copy(nonceBytes, nonceOffset, nonce, 0, NonceSize);
            return SealCore(plaintext, offset, count, destination, destinationOffset);
        }

        /// <summary>
        /// Opens the librecast SYMM datagram <paramref name="datagram"/>[offset..offset+count): checks the
        /// MAC in constant time and, only if it verifies, writes the plaintext to
        /// <paramref name="destination"/> at <paramref name="destinationOffset"/>.
        /// </summary>
        /// <param name="datagram">The received datagram.</param>
        /// <param name="offset">Where the datagram starts in its array.</param>
        /// <param name="count">Datagram length.</param>
        /// <param name="destination">Where the plaintext goes; may be <paramref name="datagram"/> itself.</param>
        /// <param name="destinationOffset">Where the plaintext starts in <paramref name="destination"/>.</param>
        /// <param name="plaintextLength">The plaintext length (<c>count - 40</c>) when the result is Ok, else 0.</param>
        /// <returns>Ok, or why the datagram was rejected; on any rejection the destination is untouched.</returns>
        /// <exception cref="ArgumentNullException">An array is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A range is outside its array (a caller bug, not bad input).</exception>
        /// <exception cref="ObjectDisposedException">The box was disposed.</exception>
        public SecretBoxStatus Open(byte[] datagram, int offset, int count, byte[] destination, int destinationOffset,
            out int plaintextLength)
        {
            plaintextLength = 0;
            if (disposed) throw new ObjectDisposedException("SecretBox");
            if (datagram == null) throw new ArgumentNullException("datagram");
            if (destination == null) throw new ArgumentNullException("destination");
            CheckRange(datagram, offset, count, "datagram");
            if (destinationOffset < 0 || destinationOffset > destination.Length)
                throw new ArgumentOutOfRangeException("destinationOffset", "offset outside the destination array");

            // librecast's receiver drops datagrams of 40 bytes or less, so we do too (libsodium alone
            // would open a 40-byte box with an empty plaintext).
            if (count <= Overhead) return SecretBoxStatus.TooShort;
            int n = count - Overhead;
            if (n > destination.Length - destinationOffset) return SecretBoxStatus.DestinationTooSmall;

            int ct = offset + MacSize;
            Array.Copy(datagram, ct + n, nonce, 0, NonceSize);
            uint n0, n1;
            DeriveBlockZero(out n0, out n1);
            Poly1305.Compute(polyKey, 0, datagram, ct, n, tag, 0, scratch);
            if (!Poly1305.TagsEqual(tag, 0, datagram, offset))
            {
                Wipe();
                return SecretBoxStatus.Forged;
            }

            byte[] src = datagram;
            int srcOffset = ct;
            if (datagram == destination && destinationOffset > ct && destinationOffset < ct + n)
            {
                // The forward XOR below would overwrite ciphertext it has not read yet; move it first.
                Array.Copy(datagram, ct, destination, destinationOffset, n);
                srcOffset = destinationOffset;
            }
            XorKeystream(src, srcOffset, destination, destinationOffset, n, n0, n1);
            Wipe();
            plaintextLength = n;
            return SecretBoxStatus.Ok;
        }

        /// <summary>Wipes the key and scratch state; the box cannot be used afterwards.</summary>
        public void Dispose()
        {
            for (int i = 0; i < key.Length; i++) key[i] = 0;
            Wipe();
            disposed = true;
        }

        private void CheckSeal(byte[] plaintext, int offset, int count, byte[] destination, int destinationOffset, int max)
        {
            if (disposed) throw new ObjectDisposedException("SecretBox");
            if (plaintext == null) throw new ArgumentNullException("plaintext");
            if (destination == null) throw new ArgumentNullException("destination");
            CheckRange(plaintext, offset, count, "plaintext");
            if (count > max)
                throw new ArgumentOutOfRangeException("count", "plaintext of " + count + " bytes does not fit in one datagram once sealed (at most " + max + ")");
            if (destinationOffset < 0 || destinationOffset > destination.Length - (count + Overhead))
                throw new ArgumentOutOfRangeException("destinationOffset", "destination has no room for the " + (count + Overhead) + "-byte sealed datagram");
        }

        private static void CheckRange(byte[] array, int offset, int count, string name)
        {
            if (offset < 0 || count < 0 || offset > array.Length - count)
                throw new ArgumentOutOfRangeException(name, "range outside the array");
        }

        private int SealCore(byte[] plaintext, int offset, int count, byte[] destination, int destinationOffset)
        {
            int ct = destinationOffset + MacSize;
            byte[] src = plaintext;
            int srcOffset = offset;
            if (plaintext == destination && offset < ct && offset + count > ct)
            {
                // Plaintext starts before where its ciphertext goes and overlaps it: the forward XOR
                // would read bytes it already overwrote, so move it into place first (memmove).
                Array.Copy(plaintext, offset, destination, ct, count);
                srcOffset = ct;
            }
            uint n0, n1;
            DeriveBlockZero(out n0, out n1);
            XorKeystream(src, srcOffset, destination, ct, count, n0, n1);
            // The MAC and the nonce are written last: a plaintext overlapping their places has been read by now.
            Poly1305.Compute(polyKey, 0, destination, ct, count, destination, destinationOffset, scratch);
            Array.Copy(nonce, 0, destination, ct + count, NonceSize);
            Wipe();
            return count + Overhead;
        }

        // XSalsa20 set-up for the nonce in `nonce`: subkey = HSalsa20(key, nonce[0..16)); keystream
        // block 0 under (subkey, nonce[16..24)) gives the Poly1305 key (its first 32 bytes) and the
        // pad for the first 32 message bytes (its last 32), as crypto_secretbox does.
        private void DeriveBlockZero(out uint n0, out uint n1)
        {
            Salsa20.HSalsa20(key, nonce, 0, subkey);
            n0 = Salsa20.Load32(nonce, 16);
            n1 = Salsa20.Load32(nonce, 20);
            Salsa20.Block(subkey, n0, n1, 0, block);
            Array.Copy(block, 0, polyKey, 0, Poly1305.KeySize);
        }

        // dst[d..d+count) = src[s..s+count) XOR keystream from byte 32 of block 0 on. Reads each source
        // byte before writing the destination byte at the same index, so dst == src at d <= s is safe.
        private void XorKeystream(byte[] src, int s, byte[] dst, int d, int count, uint n0, uint n1)
        {
            int first = count < 32 ? count : 32;
            for (int i = 0; i < first; i++) dst[d + i] = (byte)(src[s + i] ^ block[32 + i]);
            int done = first;
            ulong counter = 1;
            while (done < count)
            {
                Salsa20.Block(subkey, n0, n1, counter, block);
                counter++;
                int take = count - done < 64 ? count - done : 64;
                int si = s + done, di = d + done;
                for (int i = 0; i < take; i++) dst[di + i] = (byte)(src[si + i] ^ block[i]);
                done += take;
            }
        }

        // Nothing derived from the key outlives a call.
        private void Wipe()
        {
            for (int i = 0; i < subkey.Length; i++) subkey[i] = 0;
            Array.Clear(block, 0, block.Length);
            Array.Clear(polyKey, 0, polyKey.Length);
            Array.Clear(tag, 0, tag.Length);
            Array.Clear(scratch, 0, scratch.Length);
        }
    }
}
