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
}
