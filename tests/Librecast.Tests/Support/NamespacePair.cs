using System;
using Xunit;

namespace Librecast.Tests.Support;

/// <summary>
/// Two network namespaces made for one test and removed after it, joined by one veth pair:
/// <see cref="Sender"/> (interface <c>a0</c>) and <see cref="Receiver"/> (interface <c>b0</c>);
/// with <c>links: 2</c> a second pair too, <c>a1</c> - <c>b1</c> (two LANs between the same hosts).
/// Unlike the suite's own namespace (tools/netns: both veth ends in one), a datagram here really
/// leaves one network stack and arrives in another.
/// </summary>
public sealed class NamespacePair : IDisposable
{
    public const string SendIf = "a0", RecvIf = "b0";

    public readonly string Sender, Receiver;

    public NamespacePair() : this(1) { }

    /// <summary>Two namespaces joined by <paramref name="links"/> veth pairs, a<i>i</i> - b<i>i</i>.</summary>
    public NamespacePair(int links)
    {
        Netns.Require();
        string id = Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6];
        Sender = "lca-" + id;
        Receiver = "lcb-" + id;
        try
        {
            foreach (string ns in new[] { Sender, Receiver })
            {
                Netns.Ip($"netns add {ns}");
                // Before any link exists, so link-local addresses are usable at once.
                Exec(ns, "sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0");
                Netns.Ip($"-n {ns} link set lo up");
            }
            for (int i = 0; i < links; i++)
            {
                string a = "a" + i, b = "b" + i;
                Netns.Ip($"-n {Sender} link add {a} type veth peer name {b} netns {Receiver}");
                Netns.Ip($"-n {Sender} link set {a} up");
                Netns.Ip($"-n {Receiver} link set {b} up");
            }
            // A fresh link takes a moment to settle (its link-local address starts tentative, even
            // without DAD); until then the first datagrams arrived 0.6 s late in 1 run of 2.
            for (int i = 0; i < links; i++)
            {
                Netns.WaitForLinkLocal(Sender, "a" + i);
                Netns.WaitForLinkLocal(Receiver, "b" + i);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="command"/> inside namespace <paramref name="ns"/> and waits for it.</summary>
    public static (int Code, string Out, string Err) Run(string ns, string command, int timeoutMs = 30_000) =>
        CPeer.Run("ip", $"netns exec {ns} {command}", null, timeoutMs);

    /// <summary>Runs lc inside namespace <paramref name="ns"/> and waits for it.</summary>
    public static (int Code, string Out, string Err) Lc(string ns, string args, int timeoutMs = 30_000) =>
        Run(ns, $"dotnet {Support.Lc.Dll} {args}", timeoutMs);

    /// <summary>Starts lc inside namespace <paramref name="ns"/>.</summary>
    public static PeerProcess StartLc(string ns, string args) => new("ip", $"netns exec {ns} dotnet {Support.Lc.Dll} {args}");

    private static void Exec(string ns, string command)
    {
        var (code, _, err) = Run(ns, command, 10_000);
        if (code != 0) Assert.Fail($"ip netns exec {ns} {command}: {err}");
    }

    public void Dispose()
    {
        foreach (string ns in new[] { Sender, Receiver })
            if (ns != null) CPeer.Run("ip", $"netns del {ns}", null, 10_000);
    }
}
