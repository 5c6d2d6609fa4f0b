using System;
using System.IO;
using System.Net.NetworkInformation;
using Xunit;

namespace Librecast.Tests.Support;

/// <summary>
/// Guards every test that puts multicast on a wire: it may only run inside the private network
/// namespace that tests/run creates (veth pair lc0 - lc1), never on the host's interfaces.
/// </summary>
public static class Netns
{
    /// <summary>The sending end of the veth pair.</summary>
    public const string SendIf = "lc0";

    /// <summary>The receiving end of the veth pair.</summary>
    public const string RecvIf = "lc1";

    /// <summary>Runs <c>ip ARGS</c>; throws with ip's message if it fails.</summary>
    public static void Ip(string args)
    {
        var (code, _, err) = CPeer.Run("ip", args, null, 10_000);
        if (code != 0) throw new InvalidOperationException($"ip {args}: {err}");
    }

    /// <summary>
    /// Waits until <paramref name="dev"/> (in namespace <paramref name="ns"/>, or this one if null)
    /// has a link-local address that is no longer tentative: a fresh link takes a moment to settle,
    /// even without DAD, and a send from it before then fails or arrives late.
    /// </summary>
    public static void WaitForLinkLocal(string? ns, string dev)
    {
        string shown = "";
        string args = (ns == null ? "" : $"-n {ns} ") + $"-6 addr show dev {dev} scope link";
        for (int i = 0; i < 100; i++)
        {
            shown = CPeer.Run("ip", args, null, 10_000).Out;
            if (shown.Contains("inet6 fe80:") && !shown.Contains("tentative")) return;
            System.Threading.Thread.Sleep(50);
        }
        Assert.Fail($"{dev}{(ns == null ? "" : " in " + ns)} has no settled link-local address after 5 s: {shown}");
    }

    /// <summary>
    /// Skips the test, loudly and with the reason, outside the test namespace. When tests/run
    /// started us (LIBRECAST_NETNS=1) a missing namespace is a broken run and fails instead.
    /// </summary>
    public static void Require()
    {
        string? problem = Problem();
        if (problem == null) return;
        string message = "NOT RUN: this test multicasts and may only run inside the private network namespace " +
                         "that tests/run creates (" + problem + "). Run the whole suite with: tests/run";
        if (Environment.GetEnvironmentVariable("LIBRECAST_NETNS") == "1") Assert.Fail(message);
        Assert.Skip(message);
    }

    private static string? Problem()
    {
        string self = NamespaceId("/proc/self/ns/net");
        string init = NamespaceId("/proc/1/ns/net");
        if (self.Length == 0) return "cannot read /proc/self/ns/net";
        if (self == init) return "this process shares PID 1's network namespace";
        bool send = false, recv = false;
        foreach (NetworkInterface ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.Name == SendIf) send = true;
            if (ni.Name == RecvIf) recv = true;
        }
        return send && recv ? null : "veth pair " + SendIf + "/" + RecvIf + " not found";
    }

    private static string NamespaceId(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
