using System;
using System.Collections.Generic;
using System.IO;
using Xunit;

namespace Librecast.Tests.Support;

/// <summary>
/// tcpdump on one interface of a test namespace, writing a pcap file: what really crossed that
/// wire, seen by a program that knows nothing of librecast. <see cref="Stop"/> returns the UDP
/// payloads sent to one group, in arrival order.
/// </summary>
public sealed class Capture : IDisposable
{
    private readonly DaemonProcess tcpdump;
    private readonly string path;

    /// <summary>Starts tcpdump on <paramref name="device"/> in namespace <paramref name="ns"/> (UDP port 4242) and waits until it captures.</summary>
    public Capture(string ns, string device)
    {
        path = Path.Combine(Path.GetTempPath(), $"capture-{ns}-{device}-{Guid.NewGuid():N}.pcap");
        // --immediate-mode: packets reach tcpdump as they come (else the kernel holds them in a block
        // for up to a second, and an interrupt loses them); -U: each is written at once; -Z root: keep writing where the test can read.
        tcpdump = new DaemonProcess("ip", $"netns exec {ns} tcpdump --immediate-mode -U -n -s 0 -Z root -i {device} -w {path} udp port 4242");
        tcpdump.WaitForStderr("listening on");
    }

    /// <summary>
    /// Stops tcpdump and returns the UDP payloads addressed to <paramref name="group"/>. A packet
    /// the sender handed over as one UDP GSO send crosses a veth unsegmented; with
    /// <paramref name="segment"/> &gt; 0 its payload is cut back into datagrams of that size (the
    /// last may be shorter), as the receiving stack cuts it.
    /// </summary>
    public List<byte[]> Stop(byte[] group, int segment = 0)
    {
        tcpdump.Signal("INT");
        tcpdump.WaitForExit();
        var found = new List<byte[]>();
        Records = 0;
        byte[] pcap = File.ReadAllBytes(path);
        File.Delete(path);
        Assert.True(pcap.Length >= 24, "tcpdump wrote no pcap header: " + tcpdump.Stderr);
        Assert.Equal(0xa1b2c3d4u, BitConverter.ToUInt32(pcap, 0)); // microsecond pcap, host (little-endian) order
        Assert.Equal(1u, BitConverter.ToUInt32(pcap, 20)); // LINKTYPE_ETHERNET
        for (int at = 24; at + 16 <= pcap.Length;)
        {
            int captured = BitConverter.ToInt32(pcap, at + 8);
            int frame = at + 16;
            at = frame + captured;
            Records++;
            // Ethernet (14) ‖ IPv6 (40, next header UDP) ‖ UDP (8) ‖ payload.
            if (captured < 62 || pcap[frame + 12] != 0x86 || pcap[frame + 13] != 0xdd || pcap[frame + 14 + 6] != 17) continue;
            if (!pcap.AsSpan(frame + 14 + 24, 16).SequenceEqual(group)) continue;
            byte[] payload = pcap.AsSpan(frame + 62, captured - 62).ToArray();
            if (segment <= 0 || payload.Length <= segment)
            {
                found.Add(payload);
                continue;
            }
            for (int s = 0; s < payload.Length; s += segment)
                found.Add(payload.AsSpan(s, Math.Min(segment, payload.Length - s)).ToArray());
        }
        return found;
    }

    /// <summary>Packets in the capture, any group (for messages).</summary>
    public int Records { get; private set; }

    /// <summary>What tcpdump said (its packet counts at the end), for messages.</summary>
    public string Said => tcpdump.Stderr;

    public void Dispose()
    {
        tcpdump.Dispose();
        if (File.Exists(path)) File.Delete(path);
    }
}
