using System;

namespace Librecast
{
    /// <summary>
    /// Which librecast release's wire a context or channel speaks: <see cref="V0_5"/> (0.5.1,
    /// Debian 12), <see cref="V0_9"/> (0.9.1, Debian 13) or <see cref="V0_11"/> (0.11.2, Debian
    /// sid; the default). Every wire decision that differs between them is a field here, read by
    /// the one code path that makes it; there are no per-version copies of that code.
    /// </summary>
    /// <remarks>
    /// What differs (measured against the real libraries; shared/WIRE.md, shared/WIRE-0.11.md):
    /// the group of a name, sidehash, lc_channel_init's port 0, the FEC datagram, SYMM with FEC,
    /// and unbound sends. Frames (the 33-byte header) and SYMM without FEC are the same in all
    /// three. The FEC fields are what <see cref="Fec.FecSender"/> and <see cref="Fec.FecReceiver"/>
    /// follow; <see cref="UnboundSendsPerInterface"/> is followed by every send of a socket bound to
    /// no interface (<see cref="Socket.Bind(int)"/>); the NACK field describes the version for the
    /// code that follows it.
    /// </remarks>
    public sealed class WireProfile
    {
        /// <summary>librecast 0.5.1: group = ff1e:: with bytes 2..15 of BLAKE3(name ‖ 4 flag bytes, LE); sidehash keyed BLAKE3 over the group.</summary>
        public static readonly WireProfile V0_5 = new WireProfile("0.5", "0.5.1", false, FecLayout.EsiSbn, false, false);

        /// <summary>librecast 0.9.1: group = ff1e ‖ BLAKE3(name)[0..13]; sidehash over the base hash; one copy per interface when unbound.</summary>
        public static readonly WireProfile V0_9 = new WireProfile("0.9", "0.9.1", true, FecLayout.OtiSbnEsi, false, true);

        /// <summary>librecast 0.11.2: 0.9.1's naming, and FEC datagrams led by a 32-byte object id, the object sealed before encoding.</summary>
        public static readonly WireProfile V0_11 = new WireProfile("0.11", "0.11.2", true, FecLayout.OidOtiSbnEsi, true, true);

        /// <summary>The profile a new <see cref="Context"/> speaks: <see cref="V0_11"/>, what current librecast programs speak.</summary>
        public static WireProfile Default { get { return V0_11; } }

        /// <summary>The profiles' names, as <see cref="Parse"/> accepts them.</summary>
        public const string Names = "0.5, 0.9 or 0.11";

        private WireProfile(string name, string release, bool plainNameHash, FecLayout fec, bool sealsObjectBeforeFec, bool newSince06)
        {
            Name = name;
            Release = release;
            PlainNameHash = plainNameHash;
            Fec = fec;
            SealsObjectBeforeFec = sealsObjectBeforeFec;
            UnboundSendsPerInterface = newSince06;
            InitPortZeroIsDefault = newSince06;
            HasNack = newSince06;
        }

        /// <summary>The profile's name: "0.5", "0.9" or "0.11".</summary>
        public string Name { get; }

        /// <summary>The librecast release this profile was measured against ("0.5.1", "0.9.1", "0.11.2").</summary>
        public string Release { get; }

        /// <summary>
        /// True (0.9+): a name's channel hash is unkeyed BLAKE3 of the name alone, the group is ff1e ‖
        /// hash[0..13], and sidehash is BLAKE3(base channel hash (32) ‖ key)[0..13]. False (0.5):
        /// the hash is BLAKE3(name ‖ flags as 4 bytes LE), the group ff1e:: with hash bytes 2..15,
        /// and sidehash BLAKE3 keyed with a 32-byte key over the base group.
        /// </summary>
        public bool PlainNameHash { get; }

        /// <summary>True (0.9+): lc_channel_init with port 0 means the default port 4242; 0.5.1 kept 0 (which we refuse).</summary>
        public bool InitPortZeroIsDefault { get; }

        /// <summary>
        /// True (0.9+): a socket bound to no interface sends one identical copy (same timestamp, seq,
        /// rnd) on every interface that is up, multicast-capable and has an IPv6 address; false
        /// (0.5.1): once, by the default route.
        /// </summary>
        public bool UnboundSendsPerInterface { get; }

        /// <summary>The FEC (RaptorQ) datagram layout of this version; the Fec* properties below follow from it.</summary>
        /// <remarks>Computed, not stored: auto-properties' backing-field names would cost nanoFramework's 64 KiB string table, which the core shares with its nanoCLR tests.</remarks>
        public FecLayout Fec { get; }

        /// <summary>True (0.11): SYMM with FEC seals the whole object, then encodes it; false: each FEC datagram is sealed.</summary>
        public bool SealsObjectBeforeFec { get; }

        /// <summary>True (0.11): every FEC datagram starts with the 32-byte object id, BLAKE3 of the plaintext object.</summary>
        public bool FecObjectId { get { return Fec == FecLayout.OidOtiSbnEsi; } }

        /// <summary>True (0.9+): with FEC_OTI an FEC datagram carries the 12-byte OTI (F, T; Z, N, Al) before the payload id.</summary>
        public bool FecOti { get { return Fec != FecLayout.EsiSbn; } }

        /// <summary>True (0.9.1): with SYMM the OTI is silently dropped, whatever FEC_OTI says (0.11.0 fixed it).</summary>
        public bool FecSymmDropsOti { get { return Fec == FecLayout.OtiSbnEsi; } }

        /// <summary>True (0.9+): the payload id is SBN then ESI (24 bits, big-endian), RFC 6330's order; false (0.5.1): ESI then SBN.</summary>
        public bool FecSbnFirst { get { return Fec != FecLayout.EsiSbn; } }

        /// <summary>True (0.9+): repair symbols carry random ESIs in [K, 2^24 - 1); false (0.5.1): sequential from K.</summary>
        public bool FecRandomRepair { get { return Fec != FecLayout.EsiSbn; } }

        /// <summary>Symbols per block per round beyond K': the sender sends K' + this many of a block, then moves to the next (0.5.1: 5, 0.9+: 10).</summary>
        public int FecRoundExtra { get { return Fec == FecLayout.EsiSbn ? 5 : 10; } }

        /// <summary>Whether an FEC datagram of this profile carries the OTI when the sender asks for it (FEC_OTI) with or without SYMM.</summary>
        public bool FecCarriesOti(bool requested, bool symm)
        {
            return FecOti && requested && !(symm && FecSymmDropsOti);
        }

        /// <summary>True (0.9+; librecast 0.6.0 added it): NACK gap repair on sidehash(channel, "NACK") exists.</summary>
        public bool HasNack { get; }

        /// <summary>The profile called <paramref name="text"/> ("0.5", "0.9", "0.11"; the releases "0.5.1", "0.9.1", "0.11.2" too), or null.</summary>
        public static WireProfile? Parse(string? text)
        {
            // if, not a string switch: a larger one compiles to a string-hash helper.
            if (text == "0.5" || text == "0.5.1") return V0_5;
            if (text == "0.9" || text == "0.9.1") return V0_9;
            if (text == "0.11" || text == "0.11.2") return V0_11;
            return null;
        }

        /// <summary>
        /// Derives the channel of the name <paramref name="name"/>[offset, offset+count) (like
        /// <c>lc_channel_nnew</c>): its 32-byte channel hash into <paramref name="hash"/> and its
        /// 16-byte group into <paramref name="group"/>.
        /// </summary>
        public void NameToGroup(byte[] name, int offset, int count, byte[] hash, byte[] group)
        {
            if (name == null) throw new ArgumentNullException("name");
            if (offset < 0 || count < 0 || offset > name.Length - count) throw new ArgumentOutOfRangeException("count");
            if (PlainNameHash) Blake3Hasher.Hash(name, offset, count, hash, 0);
            else GroupAddress.HashName(name, offset, count, 0, hash, 0, Blake3Hasher.OutLength);
            HashToGroup(hash, PlainNameHash ? 0 : 2, group);
        }

        /// <summary>
        /// The channel hash lc_channel_init gives a channel made from a group address (0.9+:
        /// BLAKE3 of group bytes 2..15). 0.5.1 kept no hash; we use the same rule, which matters
        /// only to sidehash, where 0.5 reads the group instead.
        /// </summary>
        public void GroupToHash(byte[] group, int offset, byte[] hash)
        {
            Blake3Hasher.Hash(group, offset + 2, GroupAddress.Size - 2, hash, 0);
        }

        /// <summary>
        /// Derives the sidehash channel of a base channel (like <c>lc_channel_sidehash(base, key,
        /// count)</c>): its hash into <paramref name="hash"/> and group into <paramref name="group"/>.
        /// </summary>
        /// <exception cref="ArgumentException">Profile 0.5 with a key that is not 32 bytes (0.5.1 always reads 32).</exception>
        public void Sidehash(byte[] baseGroup, byte[] baseHash, byte[] key, int offset, int count, byte[] hash, byte[] group)
        {
            if (key == null) throw new ArgumentNullException("key");
            if (offset < 0 || count < 0 || offset > key.Length - count) throw new ArgumentOutOfRangeException("count");
            if (PlainNameHash)
            {
                Blake3Hasher h = new Blake3Hasher();
                h.Update(baseHash, 0, Blake3Hasher.OutLength);
                h.Update(key, offset, count);
                h.Finish(hash, 0, Blake3Hasher.OutLength);
                HashToGroup(hash, 0, group);
                return;
            }
            if (count != 32)
                throw new ArgumentException("wire profile 0.5: a sidehash key is 32 bytes (librecast 0.5.1 reads 32 whatever the length), not " + count, "key");
            Blake3Hasher keyed = new Blake3Hasher(key, offset);
            keyed.Update(baseGroup, 0, GroupAddress.Size);
            keyed.Finish(hash, 0, Blake3Hasher.OutLength);
            HashToGroup(hash, 0, group);
            group[0] = baseGroup[0]; // 0.5.1 keeps the base group's first two bytes
            group[1] = baseGroup[1];
        }

        // ff1e, then hash[from..from+13]: 0.9+ takes hash bytes 0..13; 0.5.1 XORs bytes 2..15
        // into ff1e:: (zero there, so a copy).
        private static void HashToGroup(byte[] hash, int from, byte[] group)
        {
            group[0] = GroupAddress.BasePrefix0;
            group[1] = GroupAddress.BasePrefix1;
            Array.Copy(hash, from, group, 2, GroupAddress.Size - 2);
        }

        /// <summary>The profile's name, e.g. "0.11".</summary>
        public override string ToString() { return Name; }
    }

    /// <summary>How a version lays out one FEC (RaptorQ) datagram (shared/WIRE.md, shared/WIRE-0.11.md section 5).</summary>
    public enum FecLayout
    {
        /// <summary>0.5.1: payload id (ESI 24-bit big-endian, then SBN) ‖ symbol; no header.</summary>
        EsiSbn = 0,
        /// <summary>0.9.1: [OTI 8 ‖ scheme 4, with FEC_OTI] ‖ payload id (SBN, then ESI 24-bit BE, RFC 6330) ‖ symbol.</summary>
        OtiSbnEsi = 1,
        /// <summary>0.11.2: object id (BLAKE3 of the plaintext, 32) ‖ [OTI ‖ scheme] ‖ payload id (SBN ‖ ESI) ‖ symbol.</summary>
        OidOtiSbnEsi = 2,
    }
}
