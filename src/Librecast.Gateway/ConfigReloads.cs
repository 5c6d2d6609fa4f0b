using System.Collections.Generic;
using System.Threading;
using Librecast.Gateway.Outputs;

namespace Librecast.Gateway;

/// <summary>
/// SIGHUP reloads since lcgw started, by outcome (one process, one count: it outlives the
/// <see cref="Gateway"/> each reload replaces): <c>applied</c>; <c>refused</c>, the new
/// configuration did not validate (a bad keyring, key or option: still on the previous one);
/// <c>failed</c>, it validated but could not start (back on the previous one).
/// </summary>
internal static class ConfigReloads
{
    private static long applied, refused, failed;

    public static void Applied() => Interlocked.Increment(ref applied);

    public static void Refused() => Interlocked.Increment(ref refused);

    public static void Failed() => Interlocked.Increment(ref failed);

    public static IEnumerable<MetricsStore.Metric> Metrics()
    {
        const string Help = "SIGHUP reloads by result: applied; refused (the new config did not validate, e.g. a bad keyring: still on the previous one); failed (it could not start: back on the previous one).";
        yield return new(MetricNames.ConfigReloads, "counter", Help, "result=\"applied\"", Interlocked.Read(ref applied));
        yield return new(MetricNames.ConfigReloads, "counter", Help, "result=\"refused\"", Interlocked.Read(ref refused));
        yield return new(MetricNames.ConfigReloads, "counter", Help, "result=\"failed\"", Interlocked.Read(ref failed));
    }
}
