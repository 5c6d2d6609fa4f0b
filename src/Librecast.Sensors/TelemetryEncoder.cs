using System;
using System.Collections.Generic;
using Librecast.Senml;

namespace Librecast.Sensors;

/// <summary>
/// Turns readings into the SenML JSON pack (RFC 8428) the ESP32 node publishes, with the same
/// writer (<see cref="SenmlWriter"/>, from the portable core) and the same naming: base name
/// <c>urn:dev:lc:SITE:NODE:</c>, base time in seconds with millisecond precision, one record per
/// reading, e.g.
/// <c>[{"bn":"urn:dev:lc:site1:pi1:","bt":1795589518.968,"n":"temperature","u":"Cel","v":21.53},{"n":"humidity","u":"%RH","v":41.2}]</c>.
/// </summary>
public sealed class TelemetryEncoder
{
    /// <summary>The largest pack: one datagram's worth, like the node.</summary>
    public const int Capacity = 1200;

    private readonly byte[] buffer = new byte[Capacity];
    private readonly SenmlWriter writer;
    private readonly string baseName;

    /// <summary>An encoder for node <paramref name="node"/> of site <paramref name="site"/>.</summary>
    public TelemetryEncoder(string site, string node)
    {
        baseName = NodeNames.BaseName(site, node); // the convention is the core's, shared with the ESP32 node
        writer = new SenmlWriter(buffer, 0, buffer.Length);
    }

    /// <summary>
    /// Encodes <paramref name="readings"/> taken at <paramref name="unixMillis"/> into
    /// <see cref="Buffer"/>; returns the pack's length. Readings that are not finite are left out
    /// (JSON cannot carry them), as are those that no longer fit.
    /// </summary>
    public int Encode(long unixMillis, IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        writer.Begin(baseName, unixMillis);
        foreach (Reading r in readings)
            if (double.IsFinite(r.Value)) writer.Add(r.Name, r.Unit, r.Value, r.Decimals);
        return writer.End();
    }

    /// <summary>The pack written by the last <see cref="Encode"/>, from offset 0.</summary>
    public byte[] Buffer => buffer;
}
