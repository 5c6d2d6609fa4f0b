using System;

namespace Librecast
{
    /// <summary>
    /// The receiver's half of NACK gap repair on one channel (like librecast 0.6+'s
    /// <c>lc_channel_detect_gaps</c>): every framed message received on the channel goes through a
    /// <see cref="GapDetector"/>; each missing seq it asks for is sent as 8 bytes, the seq
    /// big-endian, to the channel's NACK group (sidehash(channel, "NACK"), port 4242) from a
    /// socket of its own; a repaired message is delivered once, a second copy is dropped.
    /// Made by <see cref="Channel.DetectGaps()"/>; the receive path calls it.
    /// </summary>
    /// <remarks>Bounds on what it sends: see <see cref="GapDetector"/>. NACKs are not
    /// authenticated in librecast (docs/security.md).</remarks>
    public sealed class GapRepair : IDisposable
    {
        /// <summary>The NACK datagram's size: one big-endian 64-bit seq, nothing else (librecast 0.6+).</summary>
        public const int NackSize = 8;

        private readonly Context context;
        private readonly GapDetector detector;
        private readonly byte[] nack = new byte[NackSize];
        private readonly Socket socket;

        internal GapRepair(Channel channel, GapDetector detector)
        {
            Channel = channel;
            context = channel.Context;
            this.detector = detector;
            NackChannel = channel.NackSidehash();
            Socket data = channel.Socket!;
            socket = context.CreateSocket();
            try
            {
                socket.Bind(data.InterfaceIndex);
                socket.HopLimit = data.HopLimit;
                socket.Bind(NackChannel);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>The data channel whose gaps are repaired.</summary>
        public Channel Channel { get; }

        /// <summary>The channel NACKs are sent to: sidehash(<see cref="Channel"/>, "NACK").</summary>
        public Channel NackChannel { get; }

        /// <summary>The gap detector (its window and figures).</summary>
        public GapDetector Detector { get { return detector; } }

        /// <summary>
        /// Takes one received frame's <paramref name="seq"/>, sends the NACKs now due and returns
        /// false if the frame is a copy of one already delivered. Called by the receive path under
        /// the repair's own lock; a NACK that cannot be sent is counted (send_errors) and skipped.
        /// </summary>
        internal bool Accept(ulong seq)
        {
            lock (this)
            {
                GapVerdict verdict = detector.Observe(seq, context.Platform.MonotonicMilliseconds());
                int gone = detector.TakeAbandoned();
                for (int i = 0; i < gone; i++) context.NackCounters.Increment(NackCounter.Abandoned);
                if (verdict == GapVerdict.Duplicate)
                {
                    context.NackCounters.Increment(NackCounter.Duplicates);
                    return false;
                }
                if (verdict == GapVerdict.Repaired) context.NackCounters.Increment(NackCounter.Repaired);
                int due = detector.DueCount;
                for (int i = 0; i < due; i++)
                {
                    Frame.WriteUInt64(nack, 0, detector.DueAt(i));
                    try
                    {
                        socket.SendDatagram(NackChannel, nack, 0, NackSize);
                        context.NackCounters.Increment(NackCounter.Sent);
                    }
                    catch (LibrecastException)
                    {
                        // counted as a send error by the socket; the next arrival retries.
                    }
                    catch (ObjectDisposedException)
                    {
                        return true; // closing
                    }
                }
                return true;
            }
        }

        /// <summary>Stops repairing: the channel's frames are no longer checked, the NACK socket closes.</summary>
        public void Dispose()
        {
            Channel.StopDetectingGaps(this);
            socket.Dispose();
        }
    }
}
