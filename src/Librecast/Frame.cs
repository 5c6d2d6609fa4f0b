using System;

namespace Librecast
{
    /// <summary>
    /// The librecast 0.5 message frame that <c>lc_msg_send</c> puts on the wire: a packed 33-byte
    /// big-endian header followed by the payload.
    /// </summary>
    /// <remarks>
    /// Layout (offset, size): timestamp 0/8 (ns since the Unix epoch), seq 8/8, rnd 16/8,
    /// op 24/1, len 25/8, payload 33/len. Everything works on caller-provided arrays so that the
    /// hot path can frame in place in pooled buffers and the same code runs on nanoFramework.
    /// </remarks>
    public static partial class Frame
    {
        /// <summary>Size of the librecast message header in bytes.</summary>
        public const int HeaderSize = 33;

        /// <summary>Largest UDP payload over IPv6 without jumbograms (65535 - 8).</summary>
        public const int MaxDatagram = 65527;

        /// <summary>Largest payload a framed message can carry in one datagram.</summary>
        public const int MaxPayload = MaxDatagram - HeaderSize;

        internal const int OffsetTimestamp = 0;
        internal const int OffsetSeq = 8;
        internal const int OffsetRnd = 16;
        internal const int OffsetOp = 24;
        internal const int OffsetLen = 25;

        /// <summary>Writes a header at <paramref name="offset"/>; the payload goes right after it.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The header does not fit in the buffer.</exception>
        public static void WriteHeader(byte[] buffer, int offset, ulong timestamp, ulong seq, ulong rnd, Opcode op, ulong length)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || offset > buffer.Length - HeaderSize)
                throw new ArgumentOutOfRangeException("offset", "no room for the 33-byte header");
            WriteUInt64(buffer, offset + OffsetTimestamp, timestamp);
            WriteUInt64(buffer, offset + OffsetSeq, seq);
            WriteUInt64(buffer, offset + OffsetRnd, rnd);
            buffer[offset + OffsetOp] = (byte)op;
            WriteUInt64(buffer, offset + OffsetLen, length);
        }

        /// <summary>
        /// Frames <paramref name="payload"/> into <paramref name="destination"/> and returns the
        /// datagram length (header plus payload).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The frame does not fit or exceeds one datagram.</exception>
        public static int Encode(byte[] destination, int offset, ulong timestamp, ulong seq, ulong rnd, Opcode op,
            byte[] payload, int payloadOffset, int payloadCount)
        {
            if (destination == null) throw new ArgumentNullException("destination");
            if (payload == null) throw new ArgumentNullException("payload");
            if (payloadOffset < 0 || payloadCount < 0 || payloadOffset > payload.Length - payloadCount)
                throw new ArgumentOutOfRangeException("payloadCount", "payload range outside the array");
            if (payloadCount > MaxPayload)
                throw new ArgumentOutOfRangeException("payloadCount", "payload larger than one datagram can carry (" + MaxPayload + " bytes)");
            if (offset < 0 || offset > destination.Length - HeaderSize - payloadCount)
                throw new ArgumentOutOfRangeException("offset", "destination too small for header and payload");
            WriteHeader(destination, offset, timestamp, seq, rnd, op, (ulong)payloadCount);
            Array.Copy(payload, payloadOffset, destination, offset + HeaderSize, payloadCount);
            return HeaderSize + payloadCount;
        }

        /// <summary>
        /// Decodes the header of the datagram in <paramref name="buffer"/>[offset, offset+count).
        /// Never throws for bad network input and never reads outside the given range.
        /// </summary>
        /// <returns><see cref="FrameStatus.Ok"/> and a filled <paramref name="header"/>, or why the datagram is not a frame.</returns>
        public static FrameStatus TryDecode(byte[] buffer, int offset, int count, FrameHeader header)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (header == null) throw new ArgumentNullException("header");
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException("count", "range outside the array");
            if (count < HeaderSize) return FrameStatus.TooShort;
            ulong length = ReadUInt64(buffer, offset + OffsetLen);
            if (length != (ulong)(count - HeaderSize)) return FrameStatus.LengthMismatch;
            // Any op byte is a frame, as for librecast's lc_msg_recv and lc_socket_listen (7, 8
            // and 255 measured): the application decides what an unnamed opcode means.
            byte op = buffer[offset + OffsetOp];
            header.Timestamp = ReadUInt64(buffer, offset + OffsetTimestamp);
            header.Sequence = ReadUInt64(buffer, offset + OffsetSeq);
            header.Random = ReadUInt64(buffer, offset + OffsetRnd);
            header.Op = (Opcode)op;
            header.PayloadOffset = offset + HeaderSize;
            header.PayloadLength = (int)length;
            return FrameStatus.Ok;
        }

        /// <summary>Writes <paramref name="value"/> big-endian at <paramref name="offset"/>.</summary>
        public static void WriteUInt64(byte[] buffer, int offset, ulong value)
        {
            bool written = false;
            WriteUInt64Native(buffer, offset, value, ref written); // .NET: one store (src/Librecast.net/Frame.net.cs)
            if (!written) WriteUInt64Bytes(buffer, offset, value); // small enough to inline where it is called
        }

        private static void WriteUInt64Bytes(byte[] buffer, int offset, ulong value)
        {
            for (int i = 7; i >= 0; i--)
            {
                buffer[offset + i] = (byte)value;
                value >>= 8;
            }
        }

        // Four per frame sent: a build for .NET writes the 8 bytes in one store; nanoFramework
        // (no Span, no BinaryPrimitives) has no implementation, so the call compiles away.
        static partial void WriteUInt64Native(byte[] buffer, int offset, ulong value, ref bool written);

        /// <summary>Reads a big-endian unsigned 64-bit integer at <paramref name="offset"/>.</summary>
        public static ulong ReadUInt64(byte[] buffer, int offset)
        {
            ulong value = 0;
            for (int i = 0; i < 8; i++) value = (value << 8) | buffer[offset + i];
            return value;
        }
    }
}
