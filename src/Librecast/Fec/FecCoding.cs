using System;

namespace Librecast.Fec
{
    /// <summary>
    /// librecast 0.5.1's <c>LC_CODE_FEC_RQ</c> channel coding on the wire: each datagram is a 4-byte
    /// payload id and one T-byte RaptorQ symbol, nothing else (no header, no OTI, no length).
    /// </summary>
    /// <remarks>
    /// The payload id is liblcrq's <c>rq_pid_t</c> as it lies in x86 memory: ESI as 24-bit big-endian
    /// in bytes 0..2, SBN in byte 3 (RFC 6330 3.2 puts SBN first; librecast does not). With SYMM as
    /// well, the 4 + T bytes are sealed as one secretbox: <see cref="Channel.Send"/> does that when
    /// the channel has a key. The receiver must know F and T out of band
    /// (<see cref="Oti.ForLibrecast"/> derives the rest exactly as liblcrq does).
    /// </remarks>
    public static class FecCoding
    {
        /// <summary>The coding's number in librecast (<c>lc_channel_coding_set(chan, LC_CODE_FEC_RQ)</c>).</summary>
        public const int LibrecastCode = 8;

        /// <summary>Bytes of payload id before the symbol.</summary>
        public const int PayloadIdLength = 4;

        /// <summary>The symbol size librecast 0.5.1 uses (fixed by lc_channel_new).</summary>
        public const int LibrecastSymbolSize = 1024;

        /// <summary>Writes the payload id for (sbn, esi) in librecast's layout.</summary>
        public static void WritePayloadId(byte[] dst, int offset, int sbn, int esi)
        {
            dst[offset] = (byte)(esi >> 16);
            dst[offset + 1] = (byte)(esi >> 8);
            dst[offset + 2] = (byte)esi;
            dst[offset + 3] = (byte)sbn;
        }

        /// <summary>The ESI of a payload id in librecast's layout.</summary>
        public static int PayloadEsi(byte[] src, int offset)
        {
            return (src[offset] << 16) | (src[offset + 1] << 8) | src[offset + 2];
        }

        /// <summary>The SBN of a payload id in librecast's layout.</summary>
        public static int PayloadSbn(byte[] src, int offset)
        {
            return src[offset + 3];
        }
    }

    /// <summary>Sends an object on a channel with the FEC_RQ coding: source symbols, then repair symbols, block by block in turn.</summary>
    /// <remarks>One (4 + T)-byte buffer, allocated once; each datagram goes through <see cref="Channel.Send"/> (sealed there with SYMM).</remarks>
    public sealed class FecSender
    {
        private readonly ObjectEncoder encoder;
        private readonly Channel channel;
        private readonly byte[] datagram;
        private readonly int[] nextEsi;
        private long sent;

        /// <summary>A sender of encoder's object on channel.</summary>
        public FecSender(ObjectEncoder encoder, Channel channel)
        {
            if (encoder == null) throw new ArgumentNullException("encoder");
            if (channel == null) throw new ArgumentNullException("channel");
            this.encoder = encoder;
            this.channel = channel;
            datagram = new byte[FecCoding.PayloadIdLength + encoder.Oti.T];
            nextEsi = new int[encoder.Oti.Z];
        }

        /// <summary>Datagrams sent so far.</summary>
        public long Sent { get { return sent; } }

        /// <summary>Sends symbol (sbn, esi) as one datagram.</summary>
        public void SendSymbol(int sbn, int esi)
        {
            FecCoding.WritePayloadId(datagram, 0, sbn, esi);
            encoder.Symbol(sbn, esi, datagram, FecCoding.PayloadIdLength);
            channel.Send(datagram, 0, datagram.Length);
            sent++;
        }

        /// <summary>
        /// Sends the next <paramref name="perBlock"/> symbols of every block, interleaved block by
        /// block; ESIs continue where the last call stopped (source first, then fresh repair
        /// symbols), so a receiver that missed some gets new ones rather than repeats.
        /// </summary>
        public void SendRound(int perBlock)
        {
            for (int j = 0; j < perBlock; j++)
                for (int sbn = 0; sbn < nextEsi.Length; sbn++)
                {
                    int esi = nextEsi[sbn];
                    SendSymbol(sbn, esi);
                    nextEsi[sbn] = esi == 0xFFFFFF ? encoder.K(sbn) : esi + 1;
                }
        }
    }

    /// <summary>Collects FEC_RQ datagrams for one object of known F and T until it decodes.</summary>
    public sealed class FecReceiver
    {
        private readonly ObjectDecoder decoder;
        private long malformed;

        /// <summary>A receiver for the object oti describes, holding up to K + extra symbols a block.</summary>
        public FecReceiver(Oti oti, int extra)
        {
            decoder = new ObjectDecoder(oti, extra);
        }

        /// <summary>The decoder (figures, and the object once complete).</summary>
        public ObjectDecoder Decoder { get { return decoder; } }

        /// <summary>Datagrams refused as not a symbol of this object (wrong length or block number).</summary>
        public long Malformed { get { return malformed; } }

        /// <summary>Takes one datagram's payload (already opened if the channel is encrypted); returns true once the object is complete.</summary>
        public bool Offer(byte[] buffer, int offset, int length)
        {
            Oti oti = decoder.Oti;
            if (length != FecCoding.PayloadIdLength + oti.T) { malformed++; return decoder.Complete; }
            int sbn = FecCoding.PayloadSbn(buffer, offset);
            if (sbn >= oti.Z) { malformed++; return decoder.Complete; }
            decoder.Add(sbn, FecCoding.PayloadEsi(buffer, offset), buffer, offset + FecCoding.PayloadIdLength);
            return decoder.Complete;
        }
    }
}
