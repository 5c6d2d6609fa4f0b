using System;
using Librecast.Security;

namespace Librecast
{
    /// <summary>
    /// A received datagram and, for framed messages, its decoded header. Preallocated once and
    /// reused for every receive: its contents are valid until the next receive into it.
    /// </summary>
    public sealed class Message
    {
        /// <summary>Creates a message able to hold datagrams of up to <paramref name="capacity"/> bytes.</summary>
        /// <exception cref="ArgumentOutOfRangeException">capacity below the 33-byte header or above 65536.</exception>
        public Message(int capacity)
        {
            if (capacity < Frame.HeaderSize || capacity > 65536)
                throw new ArgumentOutOfRangeException("capacity", "must be between 33 and 65536 bytes");
            own = new byte[capacity];
            Buffer = own;
            Header = new FrameHeader();
            ownInfo = new DatagramInfo();
            Info = ownInfo;
        }

        private readonly byte[] own;
        private readonly DatagramInfo ownInfo;

        /// <summary>Points <see cref="Buffer"/> and <see cref="Info"/> back at the message's own memory.</summary>
        internal void UseOwnBuffer()
        {
            Buffer = own;
            Offset = 0;
            Info = ownInfo;
        }

        /// <summary>Points <see cref="Info"/> at metadata the transport wrote elsewhere (a listener's per-buffer record).</summary>
        internal void UseInfo(DatagramInfo info)
        {
            Info = info;
        }

        /// <summary>Largest datagram the message's own buffer holds.</summary>
        public int Capacity { get { return own.Length; } }

        /// <summary>
        /// The memory holding the datagram (header included for framed messages): the message's
        /// own buffer, or for a listener's batched receive a slice of its buffer pool.
        /// </summary>
        public byte[] Buffer;

        /// <summary>Where the datagram starts in <see cref="Buffer"/>.</summary>
        public int Offset;

        /// <summary>Datagram length in <see cref="Buffer"/> from <see cref="Offset"/>.</summary>
        public int Length;

        /// <summary>True if the datagram was decoded as a librecast frame, false for a raw receive.</summary>
        public bool Framed;

        /// <summary>Decode outcome for framed receives.</summary>
        public FrameStatus Status;

        /// <summary>The decoded header (valid when <see cref="Framed"/> and <see cref="Status"/> is Ok).</summary>
        public readonly FrameHeader Header;

        /// <summary>Source, destination and interface of the datagram.</summary>
        public DatagramInfo Info { get; private set; }

        /// <summary>The replay window's verdict when the socket has one (New otherwise): Restarted tells a sender restart.</summary>
        public ReplayVerdict Replay;

        /// <summary>The bound channel whose group the datagram was sent to, or null if unknown.</summary>
        public Channel? Channel;

        /// <summary>Where the payload starts in <see cref="Buffer"/>.</summary>
        public int PayloadOffset { get { return Framed ? Header.PayloadOffset : Offset; } }

        /// <summary>Payload length in bytes (the whole datagram for raw receives).</summary>
        public int PayloadLength { get { return Framed ? Header.PayloadLength : Length; } }

        /// <summary>Copies the payload into a new array (convenience; allocates).</summary>
        public byte[] ToPayloadArray()
        {
            byte[] copy = new byte[PayloadLength];
            Array.Copy(Buffer, PayloadOffset, copy, 0, copy.Length);
            return copy;
        }
    }
}
