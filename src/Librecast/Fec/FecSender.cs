using System;

namespace Librecast.Fec
{
    /// <summary>Sends an object on a channel with the FEC_RQ coding, in a wire profile's datagram layout and symbol order.</summary>
    /// <remarks>
    /// One datagram buffer, allocated once with its object id and OTI already in place; each symbol
    /// writes only its payload id and symbol and goes through <see cref="Channel.Send"/> (which seals
    /// it when the channel has a key: 0.5.1 and 0.9.1's SYMM). On a socket with a publisher the
    /// encoder writes the symbol straight into the datagram claimed in the send ring (header
    /// copied before it, waiting for room as Channel.Send does), sealed and signed there as sent. 0.11's SYMM seals the object instead:
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
            Socket? socket = channel.Socket;
            Publisher? publisher = socket == null ? null : socket.Publisher;
            if (publisher != null)
            {
                int claim, at;
                publisher.TryClaim(channel, Opcode.Data, false, datagram.Length, OverflowPolicy.Block, out claim, out at);
                byte[] slab = publisher.Buffer;
                try
                {
                    Array.Copy(datagram, 0, slab, at, pidOffset);
                    FecCoding.WritePayloadId(wire, slab, at + pidOffset, sbn, esi);
                    encoder.Symbol(sbn, esi, slab, at + pidOffset + FecCoding.PayloadIdLength);
                }
                catch (Exception)
                {
                    publisher.Abandon(claim);
                    throw;
                }
                publisher.Commit(claim);
                sent++;
                return;
            }
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
        /// <remarks>
        /// Before writing each symbol it asks for the next one's inputs to be loaded
        /// (<see cref="ObjectEncoder.Prefetch"/>): a repair symbol XORs intermediate symbols from
        /// all over a block much larger than the cache, and the loads overlap the send.
        /// </remarks>
        public void SendRound(int perBlock)
        {
            int z = nextEsi.Length;
            for (int j = 0; j < perBlock; j++)
                for (int sbn = 0; sbn < z; sbn++)
                {
                    int esi = nextEsi[sbn];
                    int after = sbn + 1 == z ? 0 : sbn + 1;
                    encoder.Prefetch(after, after == sbn ? NextEsi(sbn, esi) : nextEsi[after]);
                    SendSymbol(sbn, esi);
                    nextEsi[sbn] = NextEsi(sbn, esi);
                }
        }

        // The ESI after esi in block sbn's share order: past the last, back to the first repair symbol.
        private int NextEsi(int sbn, int esi)
        {
            return esi == FecCoding.MaxEsi ? encoder.K(sbn) : esi + 1;
        }
    }
}
