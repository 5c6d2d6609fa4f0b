using System;
using Librecast.Crypto;

namespace Librecast
{
    /// <summary>
    /// Builds a datagram in place, in two steps shared by <see cref="Channel.SendMessage(Opcode, byte[], int, int)"/>
    /// and the <see cref="Publisher"/>: <see cref="Prepare"/> writes what the caller gives (op, len,
    /// payload), <c>Stamp</c> what the sender decides (timestamp, seq, rnd) and seals the
    /// result on an encrypted channel, header included. The datagram starts at <c>at</c>; on an
    /// encrypted channel its plaintext starts <see cref="SecretBox.MacSize"/> later, so that the
    /// box seals it where it lies.
    /// </summary>
    internal static class FrameStamper
    {
        /// <summary>Where the plaintext (frame or raw payload) goes for a datagram at <paramref name="at"/>.</summary>
        internal static int PlainStart(int at, SecretBox? box)
        {
            return box == null ? at : at + SecretBox.MacSize;
        }

        /// <summary>Copies op, length and payload (framed) or the payload alone (raw) to <paramref name="start"/>; returns the plaintext length.</summary>
        internal static int Prepare(byte[] buffer, int start, bool framed, Opcode op, byte[] payload, int offset, int count)
        {
            if (!framed)
            {
                Array.Copy(payload, offset, buffer, start, count);
                return count;
            }
            buffer[start + Frame.OffsetOp] = (byte)op;
            Frame.WriteUInt64(buffer, start + Frame.OffsetLen, (ulong)count);
            Array.Copy(payload, offset, buffer, start + Frame.HeaderSize, count);
            return Frame.HeaderSize + count;
        }

        /// <summary>Writes a frame's op and length at <paramref name="start"/>; returns where its payload goes.</summary>
        internal static int PrepareHeader(byte[] buffer, int start, Opcode op, int count)
        {
            buffer[start + Frame.OffsetOp] = (byte)op;
            Frame.WriteUInt64(buffer, start + Frame.OffsetLen, (ulong)count);
            return start + Frame.HeaderSize;
        }

        /// <summary>As <see cref="Stamp(byte[], int, int, bool, ulong, ulong, byte[], int, SecretBox, IPlatform)"/>, the rnd given as a number.</summary>
        internal static int Stamp(byte[] buffer, int at, int plainLength, bool framed, ulong timestamp, ulong seq,
            ulong random, SecretBox? box, IPlatform platform)
        {
            int start = PlainStart(at, box);
            if (framed)
            {
                Frame.WriteUInt64(buffer, start + Frame.OffsetTimestamp, timestamp);
                Frame.WriteUInt64(buffer, start + Frame.OffsetSeq, seq);
                Frame.WriteUInt64(buffer, start + Frame.OffsetRnd, random);
            }
            return box == null ? plainLength : box.Seal(buffer, start, plainLength, buffer, at, platform);
        }

        /// <summary>
        /// Framed: writes <paramref name="timestamp"/>, <paramref name="seq"/> and 8 random bytes
        /// from <paramref name="random"/>[randomOffset] into the header. Then, with a key, seals the
        /// plaintext into the datagram at <paramref name="at"/>. Returns the datagram's length.
        /// </summary>
        internal static int Stamp(byte[] buffer, int at, int plainLength, bool framed, ulong timestamp, ulong seq,
            byte[] random, int randomOffset, SecretBox? box, IPlatform platform)
        {
            int start = PlainStart(at, box);
            if (framed)
            {
                Frame.WriteUInt64(buffer, start + Frame.OffsetTimestamp, timestamp);
                Frame.WriteUInt64(buffer, start + Frame.OffsetSeq, seq);
                Array.Copy(random, randomOffset, buffer, start + Frame.OffsetRnd, 8);
            }
            // Sealed after stamping, so the header (seq, timestamp) is authenticated.
            return box == null ? plainLength : box.Seal(buffer, start, plainLength, buffer, at, platform);
        }
    }
}
