using System;

namespace Librecast.Crypto
{
    /// <summary>
    /// Ed25519 and Ed25519ph (RFC 8032, empty context) in managed code: key pairs from a 32-byte
    /// seed, signatures libsodium and librecast 0.11 make and accept (restricted channels: a token is
    /// signed with Ed25519, every packet with Ed25519ph), runnable on nanoFramework and in static
    /// NativeAOT binaries.
    /// </summary>
    /// <remarks>
    /// <para>Field elements are 16 signed 64-bit limbs of 16 bits (radix 2^16, reduced modulo
    /// p = 2^255 - 19 by folding 2^256 = 38); points are extended coordinates (X:Y:Z:T) added with
    /// the complete formula for a = -1, so doubling and the identity need no special case.
    /// Scalars are reduced modulo L by folding 2^252 = -c (L = 2^252 + c) a fixed number of times.</para>
    /// <para>Constant time where secrets are: the scalar multiplication is a ladder of conditional
    /// swaps by mask over all 256 bits; field and scalar arithmetic have no branch or index that
    /// depends on data. Not constant time: decoding and checking public keys and signatures
    /// (public data), and the exponentiations by the public constants p - 2 and (p - 5) / 8.
    /// .NET's JIT and nanoCLR give no guarantee about the time of a 64-bit multiply; on the ESP32's
    /// Xtensa core it does not depend on the operands.</para>
    /// <para>Verification is strict, as libsodium's: S must be below L, the public key must be a
    /// canonical encoding of a point that is not of small order, R must not be of small order.</para>
    /// <para>After construction nothing is allocated; not thread-safe (one instance per thread).</para>
    /// </remarks>
    public sealed class Ed25519
    {
        /// <summary>Bytes in a seed (the secret key as librecast and libsodium store its first half).</summary>
        public const int SeedSize = 32;
        /// <summary>Bytes in a public key.</summary>
        public const int PublicKeySize = 32;
        /// <summary>Bytes in a signature (R, then S).</summary>
        public const int SignatureSize = 64;

        // Constants as 16-bit limbs, least significant first (ConstantsAreRight derives each again;
        // literals, not a static constructor that computes them: nanoCLR runs every static
        // constructor at boot, in an order that does not follow their dependencies).
        // d = -121665/121666, 2d, sqrt(-1) = 2^((p-1)/4), and the base point B (y = 4/5, x even).
        private static readonly long[] D = { 0x78a3, 0x1359, 0x4dca, 0x75eb, 0xd8ab, 0x4141, 0x0a4d, 0x0070, 0xe898, 0x7779, 0x4079, 0x8cc7, 0xfe73, 0x2b6f, 0x6cee, 0x5203 };
        private static readonly long[] D2 = { 0xf159, 0x26b2, 0x9b94, 0xebd6, 0xb156, 0x8283, 0x149a, 0x00e0, 0xd130, 0xeef3, 0x80f2, 0x198e, 0xfce7, 0x56df, 0xd9dc, 0x2406 };
        private static readonly long[] SqrtMinus1 = { 0xa0b0, 0x4a0e, 0x1b27, 0xc4ee, 0xe478, 0xad2f, 0x1806, 0x2f43, 0xd7a7, 0x3dfb, 0x0099, 0x2b4d, 0xdf0b, 0x4fc1, 0x2480, 0x2b83 };
        private static readonly long[] BaseX = { 0xd51a, 0x8f25, 0x2d60, 0xc956, 0xa7b2, 0x9525, 0xc760, 0x692c, 0xdc5c, 0xfdd6, 0xe231, 0xc0a4, 0x53fe, 0xcd6e, 0x36d3, 0x2169 };
        private static readonly long[] BaseY = { 0x6658, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666 };
        private static readonly long[] BaseZ = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        private static readonly long[] BaseT = { 0xdda3, 0xa5b7, 0x8ab3, 0x6dde, 0x52f5, 0x7751, 0x9f80, 0x20f0, 0xe37d, 0x64ab, 0x4e8e, 0x66ea, 0x7665, 0xd78b, 0x5f0f, 0x6787 };

        // p - 2 (inversion) and (p - 5) / 8 (square roots), little-endian.
        private static readonly byte[] ExpInvert = Exponent(0xeb, 0x7f);
        private static readonly byte[] ExpSqrt = Exponent(0xfd, 0x0f);

        // L = 2^252 + C, little-endian bytes.
        private static readonly long[] LBytes =
        {
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        };

        // dom2(1, "") of RFC 8032 5.1: Ed25519ph with an empty context.
        private static readonly byte[] Dom2Ph = Dom2();

        private const int ScalarLimbs = 66;

        // Scratch: field temporaries, points, scalars, hashes.
        private readonly long[] mulScratch = new long[31];
        private readonly long[] fa = new long[16], fb = new long[16], fc = new long[16], fd = new long[16];
        private readonly long[] fe = new long[16], ff = new long[16], fg = new long[16], fh = new long[16];
        private readonly long[] packScratch = new long[16], packM = new long[16];
        private readonly long[] powScratch = new long[16];
        private readonly long[] px = new long[16], py = new long[16], pz = new long[16], pt = new long[16];
        private readonly long[] qx = new long[16], qy = new long[16], qz = new long[16], qt = new long[16];
        private readonly long[] ax = new long[16], ay = new long[16], az = new long[16], at = new long[16];
        private readonly long[] sx = new long[16], sy = new long[16], sz = new long[16], st = new long[16];
        private readonly long[] u = new long[16], v = new long[16], w = new long[16], x2 = new long[16];
        private readonly long[] scalarWork = new long[ScalarLimbs];
        private readonly long[] scalarHi = new long[ScalarLimbs];
        private readonly byte[] packed = new byte[32], packed2 = new byte[32];
        private readonly byte[] hash = new byte[Sha512.HashSize];
        private readonly byte[] scalarA = new byte[32], scalarR = new byte[32], scalarK = new byte[32];
        private readonly byte[] encoded = new byte[32];
        private readonly Sha512 sha = new Sha512();

        /// <summary>
        /// Derives the constants again from their definitions (d = -121665/121666, sqrt(-1) =
        /// 2^((p-1)/4), B the point with y = 4/5 and x even, T = xy) and compares: true if every
        /// literal above is right. For the tests, in .NET and in nanoCLR.
        /// </summary>
        internal bool ConstantsAreRight()
        {
            long[] n = new long[16], m = new long[16], t = new long[16], c = new long[16];
            n[0] = 121665 & 0xffff; n[1] = 121665 >> 16;
            m[0] = 121666 & 0xffff; m[1] = 121666 >> 16;
            Pow(t, m, ExpInvert, mulScratch, powScratch);
            Mul(c, n, t, mulScratch);
            Sub(c, Zero16, c);
            bool ok = FieldEqual(c, D);
            Add(c, c, c);
            ok &= FieldEqual(c, D2);
            long[] two = new long[16];
            two[0] = 2;
            Pow(c, two, Exponent(0xfb, 0x1f), mulScratch, powScratch);
            ok &= FieldEqual(c, SqrtMinus1);
            byte[] b = new byte[32];
            b[0] = 0x58;
            for (int i = 1; i < 32; i++) b[i] = 0x66;
            long[] x = new long[16], y = new long[16], z = new long[16], tt = new long[16];
            ok &= Decode(b, 0, x, y, z, tt);
            ok &= FieldEqual(x, BaseX) && FieldEqual(y, BaseY) && FieldEqual(z, BaseZ) && FieldEqual(tt, BaseT);
            Pack(packed, 0, BaseX);
            return ok && (packed[0] & 1) == 0;
        }

        private static byte[] Exponent(byte low, byte high)
        {
            byte[] e = new byte[32];
            e[0] = low;
            for (int i = 1; i < 31; i++) e[i] = 0xff;
            e[31] = high;
            return e;
        }

        private static byte[] Dom2()
        {
            const string prefix = "SigEd25519 no Ed25519 collisions";
            byte[] d = new byte[prefix.Length + 2];
            for (int i = 0; i < prefix.Length; i++) d[i] = (byte)prefix[i];
            d[prefix.Length] = 1; // phflag
            d[prefix.Length + 1] = 0; // context length
            return d;
        }

        // ---- public API ---------------------------------------------------------------------

        /// <summary>The public key of the 32-byte seed at <paramref name="seed"/>[seedOffset], into <paramref name="publicKey"/>[publicKeyOffset].</summary>
        public void PublicKey(byte[] seed, int seedOffset, byte[] publicKey, int publicKeyOffset)
        {
            Check(seed, seedOffset, SeedSize, "seed");
            Check(publicKey, publicKeyOffset, PublicKeySize, "publicKey");
            ExpandSeed(seed, seedOffset);
            ScalarMultBase(scalarA);
            Encode(px, py, pz, publicKey, publicKeyOffset);
        }

        /// <summary>Signs message[offset, offset+count) (pure Ed25519, like <c>crypto_sign_detached</c>) into 64 bytes at <paramref name="signature"/>[signatureOffset].</summary>
        /// <remarks><paramref name="publicKey"/> must be the seed's (see <see cref="PublicKey"/>); it is hashed into the signature, not recomputed.</remarks>
        public void Sign(byte[] seed, int seedOffset, byte[] publicKey, int publicKeyOffset, byte[] message, int offset, int count, byte[] signature, int signatureOffset)
        {
            Check(message, offset, count, "message");
            SignCore(seed, seedOffset, publicKey, publicKeyOffset, false, message, offset, count, signature, signatureOffset);
        }

        /// <summary>
        /// Signs with Ed25519ph: <paramref name="digest"/>[digestOffset, +64) is the SHA-512 of the
        /// message (a <see cref="Sha512"/> fed in parts), as libsodium's
        /// <c>crypto_sign_init/update/final_create</c> and librecast 0.11's packet signatures do.
        /// </summary>
        public void SignPrehashed(byte[] seed, int seedOffset, byte[] publicKey, int publicKeyOffset, byte[] digest, int digestOffset, byte[] signature, int signatureOffset)
        {
            Check(digest, digestOffset, Sha512.HashSize, "digest");
            SignCore(seed, seedOffset, publicKey, publicKeyOffset, true, digest, digestOffset, Sha512.HashSize, signature, signatureOffset);
        }

        /// <summary>True if the 64-byte signature is a valid pure Ed25519 signature of message[offset, offset+count) by <paramref name="publicKey"/>.</summary>
        public bool Verify(byte[] publicKey, int publicKeyOffset, byte[] message, int offset, int count, byte[] signature, int signatureOffset)
        {
            Check(message, offset, count, "message");
            return VerifyCore(publicKey, publicKeyOffset, false, message, offset, count, signature, signatureOffset);
        }

        /// <summary>True if the signature is a valid Ed25519ph signature over the message whose SHA-512 is <paramref name="digest"/>[digestOffset, +64).</summary>
        public bool VerifyPrehashed(byte[] publicKey, int publicKeyOffset, byte[] digest, int digestOffset, byte[] signature, int signatureOffset)
        {
            Check(digest, digestOffset, Sha512.HashSize, "digest");
            return VerifyCore(publicKey, publicKeyOffset, true, digest, digestOffset, Sha512.HashSize, signature, signatureOffset);
        }

        // ---- signing and verifying ------------------------------------------------------------

        private void SignCore(byte[] seed, int seedOffset, byte[] publicKey, int publicKeyOffset, bool ph, byte[] m, int offset, int count, byte[] sig, int sigOffset)
        {
            Check(seed, seedOffset, SeedSize, "seed");
            Check(publicKey, publicKeyOffset, PublicKeySize, "publicKey");
            Check(sig, sigOffset, SignatureSize, "signature");
            ExpandSeed(seed, seedOffset); // scalarA; hash[32..64) is the prefix
            // r = H(dom ‖ prefix ‖ M) mod L
            if (ph) sha.Update(Dom2Ph, 0, Dom2Ph.Length);
            sha.Update(hash, 32, 32);
            sha.Update(m, offset, count);
            sha.Finish(hash, 0);
            ReduceHash(scalarR);
            // R = [r]B
            ScalarMultBase(scalarR);
            Encode(px, py, pz, encoded, 0);
            // k = H(dom ‖ R ‖ A ‖ M) mod L
            if (ph) sha.Update(Dom2Ph, 0, Dom2Ph.Length);
            sha.Update(encoded, 0, 32);
            sha.Update(publicKey, publicKeyOffset, PublicKeySize);
            sha.Update(m, offset, count);
            sha.Finish(hash, 0);
            ReduceHash(scalarK);
            // S = r + k a mod L; written last so the message and signature may overlap
            MulAdd(scalarK, scalarA, scalarR, sig, sigOffset + 32);
            Array.Copy(encoded, 0, sig, sigOffset, 32);
            Array.Clear(scalarA, 0, 32);
            Array.Clear(scalarR, 0, 32);
            Array.Clear(hash, 0, hash.Length);
        }

        private bool VerifyCore(byte[] publicKey, int publicKeyOffset, bool ph, byte[] m, int offset, int count, byte[] sig, int sigOffset)
        {
            Check(publicKey, publicKeyOffset, PublicKeySize, "publicKey");
            Check(sig, sigOffset, SignatureSize, "signature");
            if (!ScalarIsCanonical(sig, sigOffset + 32)) return false;
            if (!Decode(publicKey, publicKeyOffset, ax, ay, az, at) || SmallOrder(ax, ay, az, at)) return false;
            if (Decode(sig, sigOffset, sx, sy, sz, st) && SmallOrder(sx, sy, sz, st)) return false;
            if (ph) sha.Update(Dom2Ph, 0, Dom2Ph.Length);
            sha.Update(sig, sigOffset, 32);
            sha.Update(publicKey, publicKeyOffset, PublicKeySize);
            sha.Update(m, offset, count);
            sha.Finish(hash, 0);
            ReduceHash(scalarK);
            // [S]B - [k]A, encoded, must be R's bytes. Everything here is public: one pass over
            // both scalars' bits (Straus), adding B, -A or B - A where their bits are set.
            Sub(ax, Zero16, ax);
            Sub(at, Zero16, at);
            Copy(sx, BaseX); Copy(sy, BaseY); Copy(sz, BaseZ); Copy(st, BaseT);
            AddPoints(sx, sy, sz, st, ax, ay, az, at); // B - A
            Array.Clear(px, 0, 16); Array.Clear(py, 0, 16); Array.Clear(pz, 0, 16); Array.Clear(pt, 0, 16);
            py[0] = 1; pz[0] = 1;
            for (int i = 255; i >= 0; i--)
            {
                DoublePoint(px, py, pz, pt);
                int bs = (sig[sigOffset + 32 + (i >> 3)] >> (i & 7)) & 1;
                int bk = (scalarK[i >> 3] >> (i & 7)) & 1;
                if (bs == 1 && bk == 1) AddPoints(px, py, pz, pt, sx, sy, sz, st);
                else if (bs == 1) AddPoints(px, py, pz, pt, BaseX, BaseY, BaseZ, BaseT);
                else if (bk == 1) AddPoints(px, py, pz, pt, ax, ay, az, at);
            }
            Encode(px, py, pz, encoded, 0);
            int diff = 0;
            for (int i = 0; i < 32; i++) diff |= encoded[i] ^ sig[sigOffset + i];
            return diff == 0;
        }

        private static readonly long[] Zero16 = new long[16];

        // hash = SHA-512(seed); scalarA = clamp(hash[0..32)); hash[32..64) stays for the nonce.
        private void ExpandSeed(byte[] seed, int seedOffset)
        {
            sha.Update(seed, seedOffset, SeedSize);
            sha.Finish(hash, 0);
            Array.Copy(hash, 0, scalarA, 0, 32);
            scalarA[0] &= 248;
            scalarA[31] &= 127;
            scalarA[31] |= 64;
        }

        private static void Check(byte[] a, int offset, int count, string name)
        {
            if (a == null) throw new ArgumentNullException(name);
            if (offset < 0 || count < 0 || offset > a.Length - count) throw new ArgumentOutOfRangeException(name);
        }

        // ---- points ---------------------------------------------------------------------------

        // p += q (complete addition, extended coordinates, a = -1); q unchanged.
        private void AddPoints(long[] x1, long[] y1, long[] z1, long[] t1, long[] x2, long[] y2, long[] z2, long[] t2)
        {
            Sub(fa, y1, x1); Sub(fh, y2, x2); Mul(fa, fa, fh, mulScratch);  // A
            Add(fb, y1, x1); Add(fh, y2, x2); Mul(fb, fb, fh, mulScratch);  // B
            Mul(fc, t1, t2, mulScratch); Mul(fc, fc, D2, mulScratch);        // C
            Mul(fd, z1, z2, mulScratch); Add(fd, fd, fd);                    // D
            Sub(fe, fb, fa);                                                 // E
            Sub(ff, fd, fc);                                                 // F
            Add(fg, fd, fc);                                                 // G
            Add(fh, fb, fa);                                                 // H
            Mul(x1, fe, ff, mulScratch);
            Mul(y1, fg, fh, mulScratch);
            Mul(z1, ff, fg, mulScratch);
            Mul(t1, fe, fh, mulScratch);
        }

        // p = 2p (dedicated doubling for a = -1: 4 multiplications and 4 squarings).
        private void DoublePoint(long[] x1, long[] y1, long[] z1, long[] t1)
        {
            Square(fa, x1, mulScratch);                          // A = X^2
            Square(fb, y1, mulScratch);                          // B = Y^2
            Square(fc, z1, mulScratch); Add(fc, fc, fc);         // C = 2 Z^2
            Add(fe, x1, y1); Square(fe, fe, mulScratch);
            Sub(fe, fe, fa); Sub(fe, fe, fb);                    // E = (X + Y)^2 - A - B
            Sub(fg, fb, fa);                                     // G = -A + B
            Sub(ff, fg, fc);                                     // F = G - C
            Add(fh, fa, fb); Sub(fh, Zero16, fh);                // H = -A - B
            Mul(x1, fe, ff, mulScratch);
            Mul(y1, fg, fh, mulScratch);
            Mul(z1, ff, fg, mulScratch);
            Mul(t1, fe, fh, mulScratch);
        }

        // (px,py,pz,pt) = [s](bx,by,bz,bt): a ladder over all 256 bits with swaps by mask.
        private void ScalarMult(byte[] s, long[] bx, long[] by, long[] bz, long[] bt)
        {
            Array.Clear(px, 0, 16); Array.Clear(py, 0, 16); Array.Clear(pz, 0, 16); Array.Clear(pt, 0, 16);
            py[0] = 1; pz[0] = 1;
            Copy(qx, bx); Copy(qy, by); Copy(qz, bz); Copy(qt, bt);
            for (int i = 255; i >= 0; i--)
            {
                long bit = (s[i >> 3] >> (i & 7)) & 1;
                Swap(px, qx, bit); Swap(py, qy, bit); Swap(pz, qz, bit); Swap(pt, qt, bit);
                AddPoints(qx, qy, qz, qt, px, py, pz, pt);
                DoublePoint(px, py, pz, pt);
                Swap(px, qx, bit); Swap(py, qy, bit); Swap(pz, qz, bit); Swap(pt, qt, bit);
            }
        }

        private void ScalarMultBase(byte[] s) { ScalarMult(s, BaseX, BaseY, BaseZ, BaseT); }

        private void Encode(long[] x, long[] y, long[] z, byte[] output, int offset)
        {
            Pow(w, z, ExpInvert, mulScratch, powScratch);
            Mul(u, x, w, mulScratch);
            Mul(v, y, w, mulScratch);
            Pack(packed, 0, u);
            int sign = packed[0] & 1;
            Pack(output, offset, v);
            output[offset + 31] ^= (byte)(sign << 7);
        }

        // RFC 8032 5.1.3, strict: a non-canonical y, a non-square, or x = 0 with the sign bit set fail.
        private bool Decode(byte[] b, int offset, long[] x, long[] y, long[] z, long[] t)
        {
            if (!FieldIsCanonical(b, offset)) return false;
            int sign = b[offset + 31] >> 7;
            Unpack(y, b, offset);
            Array.Clear(z, 0, 16);
            z[0] = 1;
            Mul(u, y, y, mulScratch);
            Mul(v, u, D, mulScratch);
            Sub(u, u, z);          // u = y^2 - 1
            Add(v, v, z);          // v = d y^2 + 1
            // x = u v^3 (u v^7)^((p-5)/8)
            Mul(w, v, v, mulScratch);
            Mul(w, w, v, mulScratch);     // v^3
            Mul(x2, w, w, mulScratch);
            Mul(x2, x2, v, mulScratch);   // v^7
            Mul(x2, x2, u, mulScratch);   // u v^7
            Pow(x, x2, ExpSqrt, mulScratch, powScratch);
            Mul(x, x, w, mulScratch);
            Mul(x, x, u, mulScratch);
            // v x^2 = u, or -u (then x *= sqrt(-1)), or no root.
            Mul(x2, x, x, mulScratch);
            Mul(x2, x2, v, mulScratch);
            if (!FieldEqual(x2, u))
            {
                Add(x2, x2, u);
                if (!FieldIsZero(x2)) return false;
                Mul(x, x, SqrtMinus1, mulScratch);
            }
            Pack(packed2, 0, x);
            bool zero = true;
            for (int i = 0; i < 32; i++) if (packed2[i] != 0) zero = false;
            if (zero && sign == 1) return false;
            if ((packed2[0] & 1) != sign) Sub(x, Zero16, x);
            Mul(t, x, y, mulScratch);
            return true;
        }

        // [8]P is the identity (X = 0, Y = Z): P is of small order. Uses the q registers.
        private bool SmallOrder(long[] x, long[] y, long[] z, long[] t)
        {
            Copy(qx, x); Copy(qy, y); Copy(qz, z); Copy(qt, t);
            for (int i = 0; i < 3; i++) DoublePoint(qx, qy, qz, qt);
            return FieldIsZero(qx) && FieldEqual(qy, qz);
        }

        // ---- the field GF(2^255 - 19) ------------------------------------------------------------

        private static void Copy(long[] o, long[] a) { Array.Copy(a, o, 16); }

        private static void Add(long[] o, long[] a, long[] b) { for (int i = 0; i < 16; i++) o[i] = a[i] + b[i]; }

        private static void Sub(long[] o, long[] a, long[] b) { for (int i = 0; i < 16; i++) o[i] = a[i] - b[i]; }

        // Brings every limb to [0, 2^16) but the carry out of the top, folded back as 38 (2^256 = 38 mod p).
        private static void Carry(long[] o)
        {
            for (int i = 0; i < 16; i++)
            {
                long c = o[i] >> 16; // arithmetic: floor, so o[i] - c * 2^16 is in [0, 2^16)
                o[i] -= c << 16;
                if (i < 15) o[i + 1] += c;
                else o[0] += 38 * c;
            }
        }

#if LIBRECAST_COUNT_FIELD_OPS
        // tools/bench/ed25519count only (docs/security.md "On the ESP32"): never in the core's builds.
        internal static int Muls, Squares;
#endif

        private static void Mul(long[] o, long[] a, long[] b, long[] t)
        {
#if LIBRECAST_COUNT_FIELD_OPS
            Muls++;
#endif
            for (int i = 0; i < 31; i++) t[i] = 0;
            for (int i = 0; i < 16; i++)
            {
                long ai = a[i];
                for (int j = 0; j < 16; j++) t[i + j] += ai * b[j];
            }
            for (int i = 0; i < 15; i++) t[i] += 38 * t[i + 16];
            for (int i = 0; i < 16; i++) o[i] = t[i];
            Carry(o);
            Carry(o);
        }

        // o = a^2: the 120 cross products once, doubled.
        private static void Square(long[] o, long[] a, long[] t)
        {
#if LIBRECAST_COUNT_FIELD_OPS
            Squares++;
#endif
            for (int i = 0; i < 31; i++) t[i] = 0;
            for (int i = 0; i < 16; i++)
            {
                long ai = a[i];
                t[2 * i] += ai * ai;
                long ai2 = ai + ai;
                for (int j = i + 1; j < 16; j++) t[i + j] += ai2 * a[j];
            }
            for (int i = 0; i < 15; i++) t[i] += 38 * t[i + 16];
            for (int i = 0; i < 16; i++) o[i] = t[i];
            Carry(o);
            Carry(o);
        }

        // o = a^e for a public exponent e (256 bits, little-endian); o must not be a.
        private static void Pow(long[] o, long[] a, byte[] e, long[] scratch, long[] tmp)
        {
            Array.Clear(o, 0, 16);
            o[0] = 1;
            for (int i = 255; i >= 0; i--)
            {
                Square(o, o, scratch);
                if (((e[i >> 3] >> (i & 7)) & 1) != 0) Mul(o, o, a, scratch);
            }
        }

        // Swaps p and q where bit is 1, by mask: the same operations either way.
        private static void Swap(long[] p, long[] q, long bit)
        {
            long mask = -bit;
            for (int i = 0; i < 16; i++)
            {
                long t = mask & (p[i] ^ q[i]);
                p[i] ^= t;
                q[i] ^= t;
            }
        }

        private static void Unpack(long[] o, byte[] b, int offset)
        {
            for (int i = 0; i < 16; i++) o[i] = b[offset + 2 * i] | ((long)b[offset + 2 * i + 1] << 8);
            o[15] &= 0x7fff;
        }

        // The canonical 32 bytes of a (fully reduced below p).
        private void Pack(byte[] output, int offset, long[] a)
        {
            long[] t = packScratch, m = packM;
            Copy(t, a);
            Carry(t); Carry(t); Carry(t);
            // Twice: m = t - p with the borrow rippled up; keep m where it did not go negative.
            for (int pass = 0; pass < 2; pass++)
            {
                m[0] = t[0] - 0xffed;
                for (int i = 1; i < 15; i++)
                {
                    m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
                    m[i - 1] &= 0xffff;
                }
                m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
                m[14] &= 0xffff;
                long negative = (m[15] >> 16) & 1;
                Swap(t, m, 1 - negative);
            }
            for (int i = 0; i < 16; i++)
            {
                output[offset + 2 * i] = (byte)t[i];
                output[offset + 2 * i + 1] = (byte)(t[i] >> 8);
            }
        }

        private bool FieldEqual(long[] a, long[] b)
        {
            Pack(packed, 0, a);
            Pack(packed2, 0, b);
            int diff = 0;
            for (int i = 0; i < 32; i++) diff |= packed[i] ^ packed2[i];
            return diff == 0;
        }

        private bool FieldIsZero(long[] a)
        {
            Pack(packed, 0, a);
            int any = 0;
            for (int i = 0; i < 32; i++) any |= packed[i];
            return any == 0;
        }

        // y (sign bit cleared) below p = 2^255 - 19.
        private static bool FieldIsCanonical(byte[] b, int offset)
        {
            if ((b[offset + 31] & 0x7f) != 0x7f) return true;
            for (int i = 30; i >= 1; i--) if (b[offset + i] != 0xff) return true;
            return b[offset] < 0xed;
        }

        // ---- scalars modulo L -----------------------------------------------------------------

        // S below L (RFC 8032's check; libsodium's too).
        private static bool ScalarIsCanonical(byte[] s, int offset)
        {
            for (int i = 31; i >= 0; i--)
            {
                if (s[offset + i] < LBytes[i]) return true;
                if (s[offset + i] > LBytes[i]) return false;
            }
            return false; // equal to L
        }

        // The 64-byte hash, little-endian, modulo L.
        private void ReduceHash(byte[] output)
        {
            long[] x = scalarWork;
            Array.Clear(x, 0, ScalarLimbs);
            for (int i = 0; i < 64; i++) x[i] = hash[i];
            Reduce(x, output, 0);
        }

        // output = (a b + c) mod L, all 32-byte little-endian.
        private void MulAdd(byte[] a, byte[] b, byte[] c, byte[] output, int offset)
        {
            long[] x = scalarWork;
            Array.Clear(x, 0, ScalarLimbs);
            for (int i = 0; i < 32; i++) x[i] = c[i];
            for (int i = 0; i < 32; i++)
                for (int j = 0; j < 32; j++) x[i + j] += (long)a[i] * b[j];
            Reduce(x, output, offset);
        }

        // Base-256 limbs, every limb in [0, 256) but the top one, which carries the sign.
        private static void Normalize(long[] x)
        {
            for (int i = 0; i < ScalarLimbs - 1; i++)
            {
                long c = x[i] >> 8;
                x[i] -= c << 8;
                x[i + 1] += c;
            }
        }

        // x (below 2^512 in magnitude) modulo L into 32 bytes. Each fold writes x = hi 2^252 + lo as
        // lo - hi C (2^252 = -C mod L), shrinking |x| by about 2^127; after five, x lies in
        // [-C, L), and one masked addition of L ends it. The same steps whatever x is.
        private void Reduce(long[] x, byte[] output, int offset)
        {
            long[] hi = scalarHi;
            Normalize(x);
            for (int fold = 0; fold < 5; fold++)
            {
                // hi = floor(x / 2^252): bits from byte 31's high nibble up.
                for (int j = 0; j < ScalarLimbs - 31; j++)
                {
                    long next = 31 + j + 1 < ScalarLimbs ? (x[31 + j + 1] & 15) << 4 : 0;
                    hi[j] = (x[31 + j] >> 4) + next;
                }
                // the top limb of hi keeps x's sign
                hi[ScalarLimbs - 32] = x[ScalarLimbs - 1] >> 4;
                x[31] &= 15;
                for (int i = 32; i < ScalarLimbs; i++) x[i] = 0;
                for (int j = 0; j < ScalarLimbs - 31; j++)
                {
                    long h = hi[j];
                    for (int k = 0; k < 16 && j + k < ScalarLimbs; k++) x[j + k] -= h * LBytes[k];
                }
                Normalize(x);
            }
            long mask = x[ScalarLimbs - 1] >> 63; // -1 where negative
            for (int i = 0; i < 32; i++) x[i] += LBytes[i] & mask;
            Normalize(x);
            for (int i = 0; i < 32; i++) output[offset + i] = (byte)x[i];
        }
    }
}
