using System;

namespace Librecast.Fec
{
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
