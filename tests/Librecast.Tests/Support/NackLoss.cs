using System;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Librecast.Tests.Support;

/// <summary>
/// Real loss for the NACK tests (NackInteropTests, GatewayNackTests): an nftables rule in the
/// receiver's namespace drops the first datagram to a 0.11 channel's group whose frame seq (8
/// bytes into the UDP payload) is one of <see cref="Dropped"/>; one match an hour, so the resend,
/// byte for byte the same, passes. Each rule counts what it dropped.
/// </summary>
public static class NackLoss
{
    /// <summary>The seqs whose first copy is dropped: one alone, then two in a row.</summary>
    public static readonly ulong[] Dropped = { 3, 7, 8 };

    /// <summary>Puts the drop rules for <paramref name="channel"/> (wire 0.11) in namespace <paramref name="ns"/>.</summary>
    public static void DropFirstCopies(string ns, string channel)
    {
        string group = GroupAddress.Format(GroupAddress.FromName(channel, WireProfile.V0_11), 0);
        string rules = string.Join(" && ", Dropped.Select(s =>
            $"nft add rule ip6 lcnack in iifname {NamespacePair.RecvIf} ip6 daddr {group} udp dport 4242 @th,128,64 {s} limit rate 1/hour burst 1 packets counter drop"));
        var (code, _, err) = NamespacePair.Run(ns, "sh -c \"nft add table ip6 lcnack && nft add chain ip6 lcnack in '{ type filter hook prerouting priority 0; }' && " + rules + "\"", 10_000);
        Assert.True(code == 0, "nftables rule failed (apt-get install nftables): " + err);
    }

    /// <summary>Every drop rule dropped exactly one datagram: the loss really happened, once per seq.</summary>
    public static void AssertEachDroppedOnce(string ns)
    {
        var (_, rules, _) = NamespacePair.Run(ns, "nft list table ip6 lcnack", 10_000);
        Assert.Equal(Dropped.Length, Regex.Matches(rules, @"counter packets 1 bytes").Count);
    }

    /// <summary>
    /// A NACK test's set-up: librecast 0.11.2's lcnack peer built, a namespace pair, a fresh
    /// channel <c>nack/WHAT/RANDOM</c> and its first copies of <see cref="Dropped"/> dropped on
    /// the receiver's side.
    /// </summary>
    public sealed class Link : IDisposable
    {
        public Link(string what)
        {
            Peer = CPeer.Build("lcnack", WireProfile.V0_11);
            Net = new NamespacePair();
            Channel = "nack/" + what + "/" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                DropFirstCopies(Net.Receiver, Channel);
            }
            catch
            {
                Net.Dispose();
                throw;
            }
        }

        /// <summary>The lcnack peer (tests/peers/lcnack.c) built against librecast 0.11.2.</summary>
        public string Peer { get; }

        public NamespacePair Net { get; }

        public string Channel { get; }

        /// <summary>lcnack's lc_channel_detect_gaps receiver in the receiver's namespace, for <paramref name="count"/> messages (30 s), once READY.</summary>
        public PeerProcess StartCReceiver(int count)
        {
            var recv = new PeerProcess("ip", $"netns exec {Net.Receiver} {Peer} recv {NamespacePair.RecvIf} {Channel} {count} 30");
            recv.WaitForLine(l => l == "READY");
            return recv;
        }

        public void Dispose() => Net.Dispose();
    }
}
