using System;

namespace Librecast.Fec
{
    /// <summary>
    /// librecast's <c>LC_CODE_FEC_RQ</c> channel coding on the wire, as each <see cref="WireProfile"/>
    /// lays it out: [object id 32 (0.11)] ‖ [OTI 8 ‖ scheme 4 (0.9+, with FEC_OTI)] ‖ payload id 4 ‖
    /// one T-byte RaptorQ symbol (shared/WIRE.md, shared/WIRE-0.11.md section 5).
    /// </summary>
    /// <remarks>
    /// The payload id is SBN (8 bits) then ESI (24 bits, big-endian) from 0.9 on (RFC 6330 3.2);
    /// 0.5.1 put liblcrq 0.0.1's <c>rq_pid_t</c> as it lies in x86 memory: ESI 24-bit big-endian in
    /// bytes 0..2, SBN in byte 3. Without an OTI the receiver must know F and T out of band
    /// (<see cref="Oti.ForLibrecast"/> derives the rest exactly as liblcrq does).
    /// </remarks>
    public static class FecCoding
    {
        /// <summary>The coding's number in librecast (<c>lc_channel_coding_set(chan, LC_CODE_FEC_RQ)</c>).</summary>
        public const int LibrecastCode = 8;

        /// <summary>Bytes of payload id before the symbol.</summary>
        public const int PayloadIdLength = 4;

        /// <summary>The symbol size librecast uses (LC_DEFAULT_RQ_T, fixed by lc_channel_new).</summary>
        public const int LibrecastSymbolSize = 1024;

        /// <summary>Bytes of 0.11's object id (BLAKE3 of the plaintext object).</summary>
        public const int ObjectIdLength = Blake3Hasher.OutLength;

        /// <summary>Largest ESI (2^24 - 1); random repair ESIs are drawn from [K, this).</summary>
        public const int MaxEsi = 0xFFFFFF;

        /// <summary>Bytes before the symbol in a datagram of <paramref name="wire"/>, with or without the OTI.</summary>
        public static int HeaderLength(WireProfile wire, bool oti)
        {
            return (wire.FecObjectId ? ObjectIdLength : 0) + (oti ? Oti.EncodedLength : 0) + PayloadIdLength;
        }

        /// <summary>Writes the payload id for (sbn, esi) in <paramref name="wire"/>'s order.</summary>
        public static void WritePayloadId(WireProfile wire, byte[] dst, int offset, int sbn, int esi)
        {
            if (!wire.FecSbnFirst) { WritePayloadId(dst, offset, sbn, esi); return; }
            dst[offset] = (byte)sbn;
            dst[offset + 1] = (byte)(esi >> 16);
            dst[offset + 2] = (byte)(esi >> 8);
            dst[offset + 3] = (byte)esi;
        }

        /// <summary>The ESI of a payload id in <paramref name="wire"/>'s order.</summary>
        public static int PayloadEsi(WireProfile wire, byte[] src, int offset)
        {
            return PayloadEsi(src, offset + (wire.FecSbnFirst ? 1 : 0));
        }

        /// <summary>The SBN of a payload id in <paramref name="wire"/>'s order.</summary>
        public static int PayloadSbn(WireProfile wire, byte[] src, int offset)
        {
            return src[offset + (wire.FecSbnFirst ? 0 : 3)];
        }

        /// <summary>
        /// 0.11's SYMM with FEC: the whole object sealed (secretbox ‖ 24-byte nonce, F + 40 bytes),
        /// to be encoded as it is; the object id stays BLAKE3 of <paramref name="plaintext"/>.
        /// </summary>
        public static byte[] SealObject(Crypto.SecretBox box, byte[] plaintext, int offset, int count, IPlatform random)
        {
            if (box == null) throw new ArgumentNullException("box");
            byte[] sealedObject = new byte[Crypto.SecretBox.SealedLength(count)];
            box.SealObject(plaintext, offset, count, sealedObject, 0, random);
            return sealedObject;
        }

        /// <summary>Writes the payload id for (sbn, esi) in 0.5.1's layout (ESI ‖ SBN).</summary>
        public static void WritePayloadId(byte[] dst, int offset, int sbn, int esi)
        {
            dst[offset] = (byte)(esi >> 16);
            dst[offset + 1] = (byte)(esi >> 8);
            dst[offset + 2] = (byte)esi;
            dst[offset + 3] = (byte)sbn;
        }

        /// <summary>The ESI of a payload id in 0.5.1's layout.</summary>
        public static int PayloadEsi(byte[] src, int offset)
        {
            return (src[offset] << 16) | (src[offset + 1] << 8) | src[offset + 2];
        }

        /// <summary>The SBN of a payload id in 0.5.1's layout.</summary>
        public static int PayloadSbn(byte[] src, int offset)
        {
            return src[offset + 3];
        }
    }


    /// <summary>Sends an object on a channel with the FEC_RQ coding, in a wire profile's datagram layout and symbol order.</summary>
    /// <remarks>
    /// One datagram buffer, allocated once with its object id and OTI already in place; each symbol
    /// writes only its payload id and symbol and goes through <see cref="Channel.Send"/> (which seals
    /// it when the channel has a key: 0.5.1 and 0.9.1's SYMM). 0.11's SYMM seals the object instead:
    /// encode <see cref="FecCoding.SealObject"/>'s output on a channel without a key.
    /// Random repair ESIs come from a xorshift generator seeded once from the platform: they need
    /// to differ, not to be secret. Nothing is allocated per symbol.
    /// </remarks>
    public sealed class FecSender
    {
        private readonly ObjectEncoder encoder;
        private readonly Channel channel;
        private readonly WireProfile wire;
        private readonly byte[] datagram;
        private readonly int pidOffset;
        private readonly bool randomEsis;
        private readonly bool carriesOti;
        private readonly int[] nextEsi;
        private readonly int[] nextRepair;
        private readonly int[] roundLength;
        private int roundSbn;
        private int roundIndex;
        private ulong state;
        private long sent;

        /// <summary>A sender of encoder's object on channel in 0.5.1's layout (ESI ‖ SBN, no header).</summary>
        public FecSender(ObjectEncoder encoder, Channel channel) : this(encoder, channel, WireProfile.V0_5, false, false, null, null)
        {
        }

        /// <summary>
        /// A sender of encoder's object on channel as <paramref name="wire"/>'s librecast sends it:
        /// with the OTI when <paramref name="oti"/> asks for it and the profile carries it (0.9.1 drops
        /// it with SYMM), every symbol a random repair symbol with <paramref name="randomEsis"/>
        /// (FEC_RAND), led by <paramref name="objectId"/> (32 bytes, BLAKE3 of the plaintext) on 0.11.
        /// </summary>
        /// <exception cref="ArgumentException">The profile needs an object id and none was given; FEC_RAND on 0.5;
        /// a keyed channel on 0.11 (seal the object instead); the datagram would not fit. (Short
        /// messages: the core's strings share nanoFramework's 64 KiB string table with its tests.)</exception>
        public FecSender(ObjectEncoder encoder, Channel channel, WireProfile wire, bool oti, bool randomEsis, byte[]? objectId, IPlatform? random)
        {
            if (encoder == null) throw new ArgumentNullException("encoder");
            if (channel == null) throw new ArgumentNullException("channel");
            if (wire == null) throw new ArgumentNullException("wire");
            if (wire.FecObjectId && (objectId == null || objectId.Length != FecCoding.ObjectIdLength))
                throw new ArgumentException("object id", "objectId");
            if (randomEsis && !wire.FecRandomRepair) throw new ArgumentException("FEC_RAND", "randomEsis");
            if (wire.SealsObjectBeforeFec && channel.Encrypted)
                throw new ArgumentException("keyed channel", "channel");
            if (wire.FecRandomRepair && random == null) throw new ArgumentNullException("random");
            this.encoder = encoder;
            this.channel = channel;
            this.wire = wire;
            this.randomEsis = randomEsis;
            Oti o = encoder.Oti;
            carriesOti = wire.FecCarriesOti(oti, channel.Encrypted);
            pidOffset = FecCoding.HeaderLength(wire, carriesOti) - FecCoding.PayloadIdLength;
            datagram = new byte[pidOffset + FecCoding.PayloadIdLength + o.T];
            int max = channel.Encrypted ? Crypto.SecretBox.MaxPlaintext : Frame.MaxDatagram;
            if (datagram.Length > max) throw new ArgumentException("datagram over " + max + " bytes");
            int at = 0;
            if (wire.FecObjectId)
            {
                Array.Copy(objectId!, 0, datagram, 0, FecCoding.ObjectIdLength);
                at = FecCoding.ObjectIdLength;
            }
            if (carriesOti) o.Write(datagram, at);
            nextEsi = new int[o.Z];
            nextRepair = new int[o.Z];
            roundLength = new int[o.Z];
            for (int sbn = 0; sbn < o.Z; sbn++)
            {
                nextRepair[sbn] = encoder.K(sbn);
                roundLength[sbn] = new SourceBlock(encoder.K(sbn)).KPrime + wire.FecRoundExtra;
            }
            if (random != null)
            {
                byte[] seed = new byte[8];
                random.FillRandom(seed, 0, 8);
                for (int i = 0; i < 8; i++) state = (state << 8) | seed[i];
                if (state == 0) state = 0x9E3779B97F4A7C15UL;
            }
        }

        /// <summary>Datagrams sent so far.</summary>
        public long Sent { get { return sent; } }

        /// <summary>True when every datagram carries the OTI (asked for, and the profile keeps it).</summary>
        public bool CarriesOti { get { return carriesOti; } }

        /// <summary>Symbols in one round of every block: K' + <see cref="WireProfile.FecRoundExtra"/> each.</summary>
        public int RoundSymbols
        {
            get
            {
                int n = 0;
                for (int sbn = 0; sbn < roundLength.Length; sbn++) n += roundLength[sbn];
                return n;
            }
        }

        /// <summary>Symbols of block sbn in one round (K' + <see cref="WireProfile.FecRoundExtra"/>).</summary>
        public int BlockRoundSymbols(int sbn) { return roundLength[sbn]; }

        /// <summary>Sends symbol (sbn, esi) as one datagram.</summary>
        public void SendSymbol(int sbn, int esi)
        {
            FecCoding.WritePayloadId(wire, datagram, pidOffset, sbn, esi);
            encoder.Symbol(sbn, esi, datagram, pidOffset + FecCoding.PayloadIdLength);
            channel.Send(datagram, 0, datagram.Length);
            sent++;
        }

        /// <summary>
        /// Sends the next symbol in the order librecast's <c>lc_channel_send</c> does: in block SBN,
        /// ESIs 0..K-1 then repair symbols (random ESIs in [K, 2^24 - 1) from 0.9, sequential from K
        /// in 0.5.1's order; every one random with FEC_RAND), K' + <see cref="WireProfile.FecRoundExtra"/>
        /// of them, then the next block, wrapping after the last.
        /// </summary>
        public void SendNext()
        {
            int sbn = roundSbn;
            int k = encoder.K(sbn);
            int esi;
            if (!randomEsis && roundIndex < k) esi = roundIndex;
            else if (randomEsis || wire.FecRandomRepair) esi = RandomRepairEsi(k);
            else
            {
                esi = nextRepair[sbn];
                nextRepair[sbn] = esi == FecCoding.MaxEsi ? k : esi + 1;
            }
            SendSymbol(sbn, esi);
            if (++roundIndex == roundLength[sbn])
            {
                roundIndex = 0;
                roundSbn = sbn + 1 == roundLength.Length ? 0 : sbn + 1;
            }
        }

        // xorshift64*: uniform enough for ESIs; the modulo bias over < 2^24 values from 32 bits is < 2^-8.
        private int RandomRepairEsi(int k)
        {
            ulong x = state;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            state = x;
            uint r = (uint)((x * 2685821657736338717UL) >> 32);
            return k + (int)(r % (uint)(FecCoding.MaxEsi - k));
        }

        /// <summary>
        /// Sends the next <paramref name="perBlock"/> symbols of every block, interleaved block by
        /// block; ESIs continue where the last call stopped (source first, then fresh repair
        /// symbols), so a receiver that missed some gets new ones rather than repeats. The share
        /// protocol's order (not librecast's: see <see cref="SendNext"/>).
        /// </summary>
        public void SendRound(int perBlock)
        {
            for (int j = 0; j < perBlock; j++)
                for (int sbn = 0; sbn < nextEsi.Length; sbn++)
                {
                    int esi = nextEsi[sbn];
                    SendSymbol(sbn, esi);
                    nextEsi[sbn] = esi == FecCoding.MaxEsi ? encoder.K(sbn) : esi + 1;
                }
        }
    }

    /// <summary>
    /// Collects FEC_RQ datagrams of one object, in a wire profile's layout, until it decodes (and,
    /// on 0.11, until its BLAKE3 matches the object id).
    /// </summary>
    /// <remarks>
    /// F and T come from the caller or, when the datagrams carry it, from the first datagram's OTI;
    /// datagrams whose OTI differs from the object in progress, or (0.11) whose object id differs,
    /// are dropped and counted. On 0.11 a decoded object whose BLAKE3 is not its object id (or, with
    /// a key, that does not open) is never returned: it is counted and collection starts again.
    /// The decoder is allocated when the object's OTI is known (at once when the caller gives it).
    /// </remarks>
    public sealed class FecReceiver
    {
        private readonly WireProfile wire;
        private readonly Oti? given;
        private readonly int extra;
        private readonly Crypto.SecretBox? objectBox;
        private readonly byte[] objectId = new byte[FecCoding.ObjectIdLength];
        private readonly byte[] otiBytes = new byte[Oti.EncodedLength];
        private readonly byte[] hash = new byte[FecCoding.ObjectIdLength];
        private bool haveObjectId;
        private bool haveOti;
        private ObjectDecoder? decoder;
        private byte[]? result;
        private int resultLength;
        private long malformed, otiMismatch, otherObject, refusedObjects;

        /// <summary>A 0.5.1 receiver for the object oti describes, holding up to K + extra symbols a block.</summary>
        public FecReceiver(Oti oti, int extra) : this(WireProfile.V0_5, oti, extra, null)
        {
        }

        /// <summary>
        /// A receiver of <paramref name="wire"/>'s FEC datagrams: for the object <paramref name="oti"/>
        /// describes (F and T given by the caller, as librecast's receiver needs without FEC_OTI; with
        /// 0.11's SYMM, the sealed object's F + 40), or null to take it from the datagrams' OTI.
        /// <paramref name="objectBox"/>: 0.11's SYMM, the key that opens the decoded object.
        /// </summary>
        /// <exception cref="ArgumentException">No OTI given on a profile whose datagrams carry none; a key on a profile that seals each datagram.</exception>
        public FecReceiver(WireProfile wire, Oti? oti, int extra, Crypto.SecretBox? objectBox)
        {
            if (wire == null) throw new ArgumentNullException("wire");
            if (oti == null && !wire.FecOti) throw new ArgumentException("no OTI: give F", "oti");
            if (objectBox != null && !wire.SealsObjectBeforeFec)
                throw new ArgumentException("key", "objectBox");
            this.wire = wire;
            given = oti;
            this.extra = extra;
            this.objectBox = objectBox;
            Restart();
        }

        /// <summary>The object's OTI once known (given, or from the first datagram that carried one), else null.</summary>
        public Oti? Oti { get { return decoder == null ? null : decoder.Oti; } }

        /// <summary>The decoder of the object in progress (figures), or null before its OTI is known.</summary>
        public ObjectDecoder? Decoder { get { return decoder; } }

        /// <summary>True once the object decoded (and, on 0.11, matched its object id).</summary>
        public bool Complete { get { return result != null; } }

        /// <summary>The object (plaintext, opened with 0.11's SYMM): <see cref="ResultLength"/> bytes, once <see cref="Complete"/>.</summary>
        public byte[]? Result { get { return result; } }

        /// <summary>Bytes of <see cref="Result"/> that are the object.</summary>
        public int ResultLength { get { return resultLength; } }

        /// <summary>Datagrams refused as not a symbol of this layout (wrong length, bad OTI, block number out of range).</summary>
        public long Malformed { get { return malformed; } }

        /// <summary>Datagrams dropped because their OTI differs from the object in progress.</summary>
        public long OtiMismatch { get { return otiMismatch; } }

        /// <summary>Datagrams dropped because their object id (0.11) is another object's.</summary>
        public long OtherObject { get { return otherObject; } }

        /// <summary>Decoded objects refused: BLAKE3 not the object id, or (0.11 SYMM) the object did not open. Never returned.</summary>
        public long RefusedObjects { get { return refusedObjects; } }

        private void Restart()
        {
            haveObjectId = false;
            haveOti = given != null;
            decoder = given == null ? null : new ObjectDecoder(given, extra);
            if (given != null) given.Write(otiBytes, 0);
        }

        /// <summary>Takes one datagram's payload (already opened if the channel seals each datagram); returns true once the object is complete.</summary>
        public bool Offer(byte[] buffer, int offset, int length)
        {
            if (result != null) return true;
            int plain = FecCoding.HeaderLength(wire, false);
            if (length <= plain) { malformed++; return false; }
            int at = offset;
            if (wire.FecObjectId)
            {
                if (haveObjectId && !Same(buffer, at, objectId, FecCoding.ObjectIdLength)) { otherObject++; return false; }
                at += FecCoding.ObjectIdLength;
            }
            bool withOti;
            if (given != null)
            {
                if (length == plain + given.T) withOti = false;
                else if (wire.FecOti && length == plain + Oti.EncodedLength + given.T) withOti = true;
                else { malformed++; return false; }
            }
            else
            {
                // Without F from the caller every datagram must carry the OTI; its T gives the length.
                if (length <= plain + Oti.EncodedLength) { malformed++; return false; }
                int t = (buffer[at + 6] << 8) | buffer[at + 7];
                if (length != plain + Oti.EncodedLength + t) { malformed++; return false; }
                withOti = true;
            }
            if (withOti)
            {
                if (haveOti)
                {
                    if (!Same(buffer, at, otiBytes, Oti.EncodedLength)) { otiMismatch++; return false; }
                }
                else
                {
                    ObjectDecoder d;
                    try { d = new ObjectDecoder(Fec.Oti.Read(buffer, at), extra); }
                    catch (ArgumentException) { malformed++; return false; }
                    Array.Copy(buffer, at, otiBytes, 0, Oti.EncodedLength);
                    haveOti = true;
                    decoder = d;
                }
                at += Oti.EncodedLength;
            }
            ObjectDecoder dec = decoder!;
            int sbn = FecCoding.PayloadSbn(wire, buffer, at);
            if (sbn >= dec.Oti.Z) { malformed++; return false; }
            if (wire.FecObjectId && !haveObjectId)
            {
                Array.Copy(buffer, offset, objectId, 0, FecCoding.ObjectIdLength);
                haveObjectId = true;
            }
            dec.Add(sbn, FecCoding.PayloadEsi(wire, buffer, at), buffer, at + FecCoding.PayloadIdLength);
            return dec.Complete && Finish(dec);
        }

        private bool Finish(ObjectDecoder dec)
        {
            byte[] obj = dec.Result;
            int n = (int)dec.Oti.F;
            if (objectBox != null)
            {
                if (n <= Crypto.SecretBox.Overhead) { refusedObjects++; Restart(); return false; }
                byte[] opened = new byte[n - Crypto.SecretBox.Overhead];
                int openedLength;
                if (objectBox.Open(obj, 0, n, opened, 0, out openedLength) != Crypto.SecretBoxStatus.Ok) { refusedObjects++; Restart(); return false; }
                obj = opened;
                n = openedLength;
            }
            if (wire.FecObjectId)
            {
                Blake3Hasher.Hash(obj, 0, n, hash, 0);
                if (!Same(hash, 0, objectId, FecCoding.ObjectIdLength)) { refusedObjects++; Restart(); return false; }
            }
            result = obj;
            resultLength = n;
            return true;
        }

        private static bool Same(byte[] a, int offset, byte[] b, int count)
        {
            for (int i = 0; i < count; i++)
                if (a[offset + i] != b[i]) return false;
            return true;
        }
    }
}
