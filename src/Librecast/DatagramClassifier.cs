using System;
using Librecast.Crypto;
using Librecast.Security;

namespace Librecast
{
    /// <summary>
    /// Decides what a received datagram is, without touching a socket: for a channel of this
    /// socket or not, whole or cut, sealed or not, a frame or not, fresh or replayed; counts the
    /// outcome. Every receive path of <see cref="Socket"/> goes through one of these. On an
    /// encrypted channel the datagram is opened where it lies.
    /// </summary>
    public sealed class DatagramClassifier
    {
        private readonly Context context;

        /// <summary>A classifier counting into <paramref name="context"/>'s counters, with its clock.</summary>
        public DatagramClassifier(Context context)
        {
            if (context == null) throw new ArgumentNullException("context");
            this.context = context;
        }

        /// <summary>Per-sender replay and loss detection for framed messages; null: off. See <see cref="Socket.ReplayWindow"/>.</summary>
        public ReplayWindow? ReplayWindow;

        /// <summary>Repeated-nonce filter on encrypted channels; null: off. See <see cref="Socket.NonceFilter"/>.</summary>
        public NonceFilter? NonceFilter;

        /// <summary>Drops other interfaces' copies of a frame already received; on by default, null: off. See <see cref="Socket.CopyFilter"/>.</summary>
        public CopyFilter? CopyFilter = new CopyFilter(CopyFilter.DefaultCapacity);

        /// <summary>
        /// Classifies the datagram in <c>message.Buffer[message.Offset, +length)</c>, described by
        /// <c>message.Info</c>, against <paramref name="channels"/> (those bound to the socket), and
        /// counts the outcome. Framed: decodes the header into <c>message.Header</c>.
        /// </summary>
        public ReceiveResult Classify(Message message, int length, bool framed, Channel[] channels)
        {
            Counters counters = context.Counters;
            message.Framed = framed;
            message.Channel = null;
            message.Length = length;
            message.Replay = ReplayVerdict.New;
            if (!Match(message, channels))
            {
                counters.Increment(Counter.Filtered);
                return ReceiveResult.Filtered;
            }
            if (message.Info.Truncated)
            {
                counters.Increment(Counter.Truncated);
                counters.Increment(Counter.Malformed);
                message.Status = FrameStatus.LengthMismatch;
                return ReceiveResult.Truncated;
            }
            Channel? channel = message.Channel;
            // A restricted channel's token and signature, checked and taken off (Security/TokenFilter.cs).
            if (!TokenFilter.Admit(message, ref length, channel, channels, context.Platform))
            {
                counters.Increment(Counter.Unauthenticated);
                message.Status = FrameStatus.Ok;
                return ReceiveResult.Unauthorized;
            }
            SecretBox? box = channel == null ? null : channel.ReceiveBox;
            // On an encrypted channel the datagram must open. One that cannot be attributed to a
            // channel, on a socket whose channels are encrypted, cannot be checked. Neither is delivered.
            if (box != null ? !OpenInPlace(box, message, ref length) : channel == null && AnyEncrypted(channels))
            {
                counters.Increment(Counter.Unauthenticated);
                message.Status = FrameStatus.Ok;
                return ReceiveResult.Unauthenticated;
            }
            if (framed)
            {
                message.Status = Frame.TryDecode(message.Buffer, message.Offset, length, message.Header);
                if (message.Status != FrameStatus.Ok)
                {
                    counters.Increment(Counter.Malformed);
                    return ReceiveResult.Malformed;
                }
                if (IsCopy(message, channel))
                {
                    counters.Increment(Counter.Duplicates);
                    return ReceiveResult.Duplicate;
                }
                if (!Fresh(message, channel, box != null))
                {
                    counters.Increment(Counter.Replayed);
                    return ReceiveResult.Replayed;
                }
                // NACK gap repair (ChannelNack.cs): may send NACKs; a second copy of a repair is dropped.
                if (channel != null && !channel.AcceptSequence(message.Header.Sequence))
                {
                    message.Replay = ReplayVerdict.Duplicate;
                    counters.Increment(Counter.Replayed);
                    return ReceiveResult.Replayed;
                }
            }
            else message.Status = FrameStatus.Ok;
            counters.Increment(Counter.Received);
            return ReceiveResult.Ok;
        }

        // Opens the datagram where it lies; on success length and message.Length are the plaintext's.
        private static bool OpenInPlace(SecretBox box, Message message, ref int length)
        {
            SecretBoxStatus opened;
            int plain;
            lock (box) opened = box.Open(message.Buffer, message.Offset, length, message.Buffer, message.Offset, out plain);
            if (opened != SecretBoxStatus.Ok) return false;
            length = plain;
            message.Length = plain;
            return true;
        }

        // Before the replay window: a copy from another interface comes from another source
        // address, which the window would take for a new sender.
        private bool IsCopy(Message message, Channel? channel)
        {
            CopyFilter? copies = CopyFilter;
            if (copies == null) return false;
            FrameHeader h = message.Header;
            lock (copies)
                return copies.IsCopy(channel == null ? 0 : channel.Id, h.Timestamp, h.Sequence, h.Random, message.Info.InterfaceIndex);
        }

        // The replay window's verdict (kept in message.Replay), then, on an encrypted channel, the
        // nonce filter, which takes a repeated rnd from any source for a duplicate.
        private bool Fresh(Message message, Channel? channel, bool encrypted)
        {
            ReplayWindow? window = ReplayWindow;
            if (window != null)
            {
                ulong now = context.Platform.NowNanoseconds();
                ReplayVerdict verdict;
                lock (window)
                    verdict = window.Check(message.Info.Source, 0, message.Info.SourcePort, channel == null ? 0 : channel.Id,
                        message.Header.Sequence, message.Header.Timestamp, now);
                message.Replay = verdict;
                if (!Security.ReplayWindow.IsAccepted(verdict)) return false;
            }
            NonceFilter? nonces = NonceFilter;
            if (nonces == null || !encrypted) return true;
            bool fresh;
            lock (nonces) fresh = nonces.Add(message.Header.Random);
            if (!fresh) message.Replay = ReplayVerdict.Duplicate;
            return fresh;
        }

        private static bool AnyEncrypted(Channel[] channels)
        {
            for (int i = 0; i < channels.Length; i++)
            {
                if (channels[i].Encrypted) return true;
            }
            return false;
        }

        // Finds the bound channel the datagram was addressed to. The kernel may hand a wildcard
        // socket datagrams for groups joined by other sockets; those are not ours.
        private static bool Match(Message message, Channel[] channels)
        {
            if (channels.Length == 0) return true;
            DatagramInfo info = message.Info;
            if (!info.HasDestination)
            {
                // The transport does not report destinations (nanoFramework): with one channel bound,
                // it is that one; with several, the one joined, if only one is (a socket hears the
                // groups it joined, besides unicast: the ESP32 node binds its telemetry channel only
                // to send, and without this a keyed node could open no command at all).
                if (channels.Length == 1) message.Channel = channels[0];
                else
                {
                    Channel? joined = null;
                    for (int i = 0; i < channels.Length; i++)
                    {
                        if (!channels[i].Joined) continue;
                        if (joined != null) return true; // two joined: cannot tell which
                        joined = channels[i];
                    }
                    message.Channel = joined;
                }
                return true;
            }
            for (int i = 0; i < channels.Length; i++)
            {
                if (GroupAddress.Equal(channels[i].GroupBytes, 0, info.Destination, 0))
                {
                    message.Channel = channels[i];
                    return true;
                }
            }
            // A unicast datagram to our port is not for a group at all; deliver it unattributed.
            // A group we are not bound to (IPv6, or IPv4 multicast in its mapped form) is not ours.
            return !GroupAddress.IsMulticast(info.Destination, 0) && !Ipv4Group.IsMulticast(info.Destination, 0);
        }
    }
}
