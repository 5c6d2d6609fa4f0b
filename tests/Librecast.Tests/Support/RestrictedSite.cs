using System;
using System.IO;
using Xunit;

namespace Librecast.Tests.Support;

/// <summary>
/// The restricted site of docs/security.md, as the site tests run it (SiteRestrictedTests with lc
/// playing the nodes, FirmwareSiteTests with host twins): lcgw holds the site signer key, signs its
/// own sends and a time beacon every second, and takes nodes a's and b's telemetry each from that
/// node's own bearer key only; JSON lines on stdout, /metrics on a free port. Keys are made with
/// <c>lc key new</c> in <see cref="Dir"/> (signer.key and signer.pub, a.key, b.key).
/// </summary>
public sealed record RestrictedSite(string Dir, string Config, int MetricsPort, string Signer, string BearerA, string BearerB)
{
    public static RestrictedSite Create(string dir, string site)
    {
        string F(string name) => Path.Combine(dir, name);
        string signer = Lc($"key new {F("signer.key")}");
        File.WriteAllText(F("signer.pub"), signer + "\n");
        string a = Lc($"key new {F("a.key")}"), b = Lc($"key new {F("b.key")}");
        int metricsPort = DaemonProcess.FreeTcpPort();
        string config = F("lcgw.conf");
        File.WriteAllText(config, $"""
            config gateway
            	option interface '{Netns.RecvIf}'
            	option site '{site}'
            	option node 'gw'
            	option signer_key '{F("signer.key")}'
            	option restricted '1'
            	option time_beacon '1'
            config node 'a'
            	option bearer '{a}'
            config node 'b'
            	option bearer '{b}'
            config jsonl
            	option path '-'
            config metrics
            	option listen '127.0.0.1:{metricsPort}'
            """);
        return new RestrictedSite(dir, config, metricsPort, signer, a, b);
    }

    /// <summary>Runs <c>lc ARGS</c>, which must succeed; its stdout, trimmed.</summary>
    public static string Lc(string args)
    {
        var (code, stdout, err) = Support.Lc.Run(args);
        Assert.True(code == 0, $"lc {args}: exit {code}: {err}");
        return stdout.Trim();
    }

    /// <summary>Runs <c>lcgw -c CONFIG ARGS</c> (e.g. <c>token a FILE</c>), which must succeed; its stdout, trimmed.</summary>
    public static string Gw(string config, string args)
    {
        var (code, stdout, err) = CPeer.Run("dotnet", $"{GatewayTests.Lcgw} -c {config} {args}", null, 30_000);
        Assert.True(code == 0, $"lcgw {args}: exit {code}: {err}");
        return stdout.Trim();
    }
}
