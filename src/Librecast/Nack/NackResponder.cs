using System;
using System.Threading;

namespace Librecast
{
    /// <summary>
    /// The sender's half of NACK gap repair on one channel (like librecast 0.6+'s
    /// <c>lc_channel_nack_handler(chan, n_seconds)</c>): every framed message the channel sends is
    /// logged in a preallocated <see cref="NackLog"/>; a thread listens on the channel's NACK group
    /// (sidehash(channel, "NACK"), port 4242) and answers each 8-byte NACK by sending the logged
    /// datagram again, byte for byte, to the channel's group. Made by <see cref="Channel.HandleNacks(NackOptions)"/>.
    /// </summary>
    /// <remarks>
    /// A NACK is not authenticated (librecast has no way to): anyone on the network can send one.
    /// What stops a NACK storm turning the sender into an amplifier: the resend goes to the
    /// group (never back to the NACK's source), only a logged datagram is ever sent (nothing
    /// new, nothing older than <see cref="NackOptions.Seconds"/>), the same seq at most once per
    /// <see cref="NackOptions.HoldoffMilliseconds"/>, and all resends through a
    /// <see cref="ResendLimiter"/>: at most Burst + ResendsPerSecond × T over T seconds, however
    /// many NACKs arrive. Every NACK is counted: received, resent, refused, unknown, malformed
    /// (<see cref="Context.NackCounters"/>).
    /// </remarks>
    public sealed class NackResponder : IDisposable
    {
        private const int PollMs = 200;

        private readonly Context context;
        private readonly Socket socket;
        private readonly NackLog log;
        private readonly ResendLimiter limiter;
        private readonly int holdoffMs;
        private readonly ulong[] resentSeq;
        private readonly long[] resentAt;
        private readonly byte[] scratch;
        private readonly Message message = new Message(64);
        private Thread? thread;
        private bool running;

        internal NackResponder(Channel channel, NackOptions options)
        {
            Channel = channel;
            context = channel.Context;
            log = new NackLog(options.LogBytes, options.SlotSize, (long)options.Seconds * 1000);
            limiter = new ResendLimiter(options.ResendsPerSecond, options.Burst, context.Platform.MonotonicMilliseconds());
            holdoffMs = options.HoldoffMilliseconds;
            resentSeq = new ulong[log.Slots];
            resentAt = new long[log.Slots];
            scratch = new byte[log.SlotSize];
            NackChannel = channel.NackSidehash();
            Socket data = channel.Socket!;
            socket = context.CreateSocket();
            try
            {
                socket.Bind(data.InterfaceIndex);
                socket.HopLimit = data.HopLimit;
                socket.Loopback = data.Loopback;
                socket.Bind(NackChannel);
                NackChannel.Join();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>The data channel whose messages are logged and resent.</summary>
        public Channel Channel { get; }

        /// <summary>The channel NACKs arrive on: sidehash(<see cref="Channel"/>, "NACK").</summary>
        public Channel NackChannel { get; }

        /// <summary>The log of sent datagrams.</summary>
        public NackLog Log { get { return log; } }

        internal void Start()
        {
            running = true;
            Thread t = new Thread(Run);
            thread = t;
            t.Start();
        }

        private void Run()
        {
            while (running)
            {
                ReceiveResult r;
                try
                {
                    r = socket.Receive(message, PollMs);
                }
                catch (LibrecastException)
                {
                    if (!running) return;
                    Thread.Sleep(PollMs);
                    continue;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                if (r == ReceiveResult.Timeout || r == ReceiveResult.Filtered) continue;
                if (r != ReceiveResult.Ok) { context.NackCounters.Increment(NackCounter.Malformed); continue; }
                Answer(message.Buffer, message.Offset, message.Length);
            }
        }

        /// <summary>
        /// Answers one datagram received on the NACK group: counts it and, if it is a NACK for a
        /// logged seq that the hold-off and the rate limit allow, resends the logged datagram.
        /// Returns true if it resent.
        /// </summary>
        internal bool Answer(byte[] buffer, int offset, int count)
        {
            NackCounters counters = context.NackCounters;
            if (count != GapRepair.NackSize)
            {
                counters.Increment(NackCounter.Malformed);
                return false;
            }
            counters.Increment(NackCounter.Received);
            ulong seq = Frame.ReadUInt64(buffer, offset);
            long now = context.Platform.MonotonicMilliseconds();
            int length = log.TryCopy(seq, now, scratch, 0);
            if (length < 0)
            {
                counters.Increment(NackCounter.Unknown);
                return false;
            }
            int slot = log.SlotOf(seq);
            if ((resentSeq[slot] == seq && now - resentAt[slot] < holdoffMs) || !limiter.TryTake(now))
            {
                counters.Increment(NackCounter.Refused);
                return false;
            }
            resentSeq[slot] = seq;
            resentAt[slot] = now;
            try
            {
                socket.SendDatagram(Channel, scratch, 0, length);
            }
            catch (LibrecastException)
            {
                return false; // counted as a send error by the socket
            }
            counters.Increment(NackCounter.Resent);
            return true;
        }

        /// <summary>Stops answering NACKs and logging: the thread ends, the NACK socket closes.</summary>
        public void Dispose()
        {
            running = false;
            Thread? t = thread;
            thread = null;
            if (t != null && t != Thread.CurrentThread) t.Join();
            Channel.StopLogging(this);
            socket.Dispose();
        }
    }
}
