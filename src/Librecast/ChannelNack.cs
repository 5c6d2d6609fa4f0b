using System;

namespace Librecast
{
    /// <summary>NACK gap repair on a channel (librecast 0.6+): the receiver's DetectGaps, the sender's HandleNacks.</summary>
    public sealed partial class Channel
    {
        private static readonly byte[] NackKey = new byte[] { (byte)'N', (byte)'A', (byte)'C', (byte)'K' };

        private GapRepair? gaps;
        private NackResponder? nacks;

        /// <summary>The receiver's gap repair on this channel, or null (see <see cref="DetectGaps()"/>).</summary>
        public GapRepair? Gaps { get { return gaps; } }

        /// <summary>The sender's NACK responder on this channel, or null (see <see cref="HandleNacks(NackOptions)"/>).</summary>
        public NackResponder? Nacks { get { return nacks; } }

        /// <summary>
        /// This channel's NACK channel, as librecast 0.6+ names it: <c>lc_channel_sidehash(chan, "NACK", 4)</c>
        /// (ff1e ‖ BLAKE3(channel hash ‖ "NACK")[0..13], port 4242).
        /// </summary>
        /// <exception cref="LibrecastException">The channel's wire (0.5) has no NACK repair.</exception>
        public Channel NackSidehash()
        {
            RequireNack();
            return Sidehash(NackKey, 0, NackKey.Length);
        }

        /// <summary>
        /// Repairs gaps in the framed messages received on this channel (like
        /// <c>lc_channel_detect_gaps</c>): each missing seq is NACKed on the NACK channel, a repair
        /// is delivered once. See <see cref="GapRepair"/> and <see cref="GapDetector"/> (what bounds
        /// the NACKs). Dispose the result to stop. Bind the channel first; its socket's interface
        /// and hop limit are the NACKs'.
        /// </summary>
        /// <exception cref="LibrecastException">Not bound, already detecting gaps, or the wire (0.5) has no NACK repair.</exception>
        public GapRepair DetectGaps()
        {
            return DetectGaps(GapDetector.DefaultWindowSize);
        }

        /// <summary>As <see cref="DetectGaps()"/>, tracking the last <paramref name="windowSize"/> seqs (a multiple of 64, 64..4096).</summary>
        public GapRepair DetectGaps(int windowSize)
        {
            RequireNack();
            GapDetector detector = new GapDetector(windowSize);
            RequireSocket("detect gaps on");
            lock (sendLock)
            {
                if (gaps != null) throw new LibrecastException(ToString() + ": DetectGaps twice");
                GapRepair repair = new GapRepair(this, detector);
                gaps = repair;
                return repair;
            }
        }

        /// <summary>
        /// Logs every framed message this channel sends from now on and answers NACKs with the
        /// logged datagram, byte for byte (like <c>lc_channel_nack_handler(chan, n_seconds)</c>),
        /// within the limits of <paramref name="options"/>. See <see cref="NackResponder"/>.
        /// Bind the channel first. Dispose the result to stop.
        /// </summary>
        /// <exception cref="LibrecastException">Not bound, already answering NACKs, or the wire (0.5) has no NACK repair.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
        public NackResponder HandleNacks(NackOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            options.Validate();
            RequireNack();
            RequireSocket("answer NACKs on");
            lock (sendLock)
            {
                if (nacks != null) throw new LibrecastException(ToString() + ": HandleNacks twice");
                NackResponder responder = new NackResponder(this, options);
                nacks = responder;
                responder.Start();
                return responder;
            }
        }

        private void RequireNack()
        {
            if (!Wire.HasNack)
                throw new LibrecastException(ToString() + ": librecast " + Wire.Release + " has no NACK (0.6.0 added it): use wire 0.9 or 0.11");
        }

        // Channel.LogSent: a framed datagram just sent (or stamped for the ring) goes into the log.
        partial void OnSentFramed(ulong seq, byte[] buffer, int offset, int count)
        {
            NackResponder? r = nacks;
            if (r != null && !r.Log.Record(seq, buffer, offset, count, Context.Platform.MonotonicMilliseconds()))
                Context.NackCounters.Increment(NackCounter.NotLogged);
        }

        // Channel.AcceptSequence: gap detection; copy is set for a second copy of a frame.
        partial void OnReceivedFramed(ulong seq, ref bool copy)
        {
            GapRepair? g = gaps;
            if (g != null && !g.Accept(seq)) copy = true;
        }

        internal void StopDetectingGaps(GapRepair repair)
        {
            lock (sendLock) if (gaps == repair) gaps = null;
        }

        internal void StopLogging(NackResponder responder)
        {
            lock (sendLock) if (nacks == responder) nacks = null;
        }
    }
}
