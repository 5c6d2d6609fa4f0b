using System;
using System.Collections.Generic;
using System.IO;
using Xunit;

namespace Librecast.Tests.Support;

/// <summary>
/// Three network namespaces made for one test and removed after it: sensor (s0) — router (r0, r1)
/// — gateway (g0), joined by two veth pairs, with smcrouted on the router forwarding one group
/// from r0 to r1 and tcpdump on r1 recording what the gateway side says (MLD).
/// </summary>
public sealed class RoutedTopology : IDisposable
{
    private readonly List<PeerProcess> daemons = new();
    private readonly string dir;

    public readonly string Sensor, Router, Gateway;
    public readonly string Group;

    public RoutedTopology(string channel)
    {
        foreach (string tool in new[] { "smcrouted", "tcpdump", "ip" })
            if (!File.Exists("/usr/sbin/" + tool) && !File.Exists("/usr/bin/" + tool) && !File.Exists("/sbin/" + tool))
                Assert.Fail($"{tool} is missing: apt-get install -y smcroute tcpdump iproute2 (tools/setup installs them)");
        string id = Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..6];
        Sensor = "lcs-" + id;
        Router = "lcr-" + id;
        Gateway = "lcg-" + id;
        dir = Directory.CreateTempSubdirectory("lc-routed-").FullName;
        Group = GroupAddress.Format(GroupAddress.FromName(channel), 0);
        try
        {
            foreach (string ns in new[] { Sensor, Router, Gateway })
            {
                Ip($"netns add {ns}");
                // Before any link exists, so link-local addresses are usable at once.
                Exec(ns, "sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0");
                Ip($"-n {ns} link set lo up");
            }
            Exec(Router, "sysctl -qw net.ipv6.conf.all.forwarding=1");
            Ip($"-n {Sensor} link add s0 type veth peer name r0 netns {Router}");
            Ip($"-n {Gateway} link add g0 type veth peer name r1 netns {Router}");
            Ip($"-n {Sensor} link set s0 up");
            Ip($"-n {Router} link set r0 up");
            Ip($"-n {Router} link set r1 up");
            Ip($"-n {Gateway} link set g0 up");

            string conf = Path.Combine(dir, "smcroute.conf");
            File.WriteAllText(conf, $"phyint r0 enable\nphyint r1 enable\nmroute from r0 group {Group} to r1\n");
            daemons.Add(new PeerProcess("ip", $"netns exec {Router} smcrouted -n -N -f {conf} -i lc{id} -u {dir}/smc.sock -P {dir}/smc.pid -l info"));
            Capture = new PeerProcess("ip", $"netns exec {Router} tcpdump -l -n -vv -i r1 ip6");
            daemons.Add(Capture);
            System.Threading.Thread.Sleep(1000); // smcrouted installs its route; tcpdump starts capturing
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>tcpdump on the router's gateway-side interface.</summary>
    public PeerProcess Capture { get; } = null!;

    /// <summary>Runs lc inside namespace <paramref name="ns"/> and waits for it.</summary>
    public (int Code, string Out, string Err) Lc(string ns, string args, int timeoutMs = 30_000) =>
        CPeer.Run("ip", $"netns exec {ns} dotnet {Support.Lc.Dll} {args}", null, timeoutMs);

    /// <summary>Starts lc inside namespace <paramref name="ns"/>.</summary>
    public PeerProcess StartLc(string ns, string args) => new("ip", $"netns exec {ns} dotnet {Support.Lc.Dll} {args}");

    /// <summary>Runs <c>ip ARGS</c>; throws with ip's message if it fails.</summary>
    public static void Ip(string args)
    {
        var (code, _, err) = CPeer.Run("ip", args, null, 10_000);
        if (code != 0) throw new InvalidOperationException($"ip {args}: {err}");
    }

    private static void Exec(string ns, string command) => Ip($"netns exec {ns} {command}");

    public void Dispose()
    {
        foreach (PeerProcess p in daemons) p.Dispose();
        foreach (string ns in new[] { Sensor, Router, Gateway })
            if (ns != null) CPeer.Run("ip", $"netns del {ns}", null, 10_000);
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
