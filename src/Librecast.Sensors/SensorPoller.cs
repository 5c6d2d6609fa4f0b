using System;
using System.Collections.Generic;

namespace Librecast.Sensors;

/// <summary>
/// Keeps one configured sensor readable for a daemon: opens it when first polled, reads it, and
/// on any failure (no bus, no chip, wrong chip, bad CRC, driver exception) closes it, reports
/// the error and tries again on a later poll. <see cref="Poll"/> never throws: a missing or
/// broken sensor must not stop the gateway.
/// </summary>
public sealed class SensorPoller : IDisposable
{
    private readonly II2cDeviceSource source;
    private readonly List<Reading> buffer = new();
    private ISensorDriver? sensor;

    /// <summary>Creates a poller for <paramref name="spec"/>; nothing is opened yet.</summary>
    public SensorPoller(SensorSpec spec, II2cDeviceSource source)
    {
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        this.source = source ?? throw new ArgumentNullException(nameof(source));
    }

    /// <summary>The sensor this poller reads.</summary>
    public SensorSpec Spec { get; }

    /// <summary>True while the sensor is open and its last read succeeded.</summary>
    public bool Online => sensor != null;

    /// <summary>Successful reads.</summary>
    public int Reads { get; private set; }

    /// <summary>Failed opens and reads.</summary>
    public int Errors { get; private set; }

    /// <summary>The last failure's message, or null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Opens the sensor if needed and takes one measurement. Returns the readings (valid until
    /// the next poll), or null with <see cref="LastError"/> set.
    /// </summary>
    public IReadOnlyList<Reading>? Poll()
    {
        buffer.Clear();
        try
        {
            sensor ??= SensorFactory.Open(Spec, source);
            sensor.Read(buffer);
            Reads++;
            LastError = null;
            return buffer;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Third-party driver code: any exception is a sensor fault, never a daemon fault.
            Errors++;
            LastError = Spec + ": " + Describe(e);
            Close();
            return null;
        }
    }

    // The driver's words for an I/O error; otherwise the type too, which says whose bug it is.
    // SystemErrors: in the static image a runtime message would be a resource key.
    private static string Describe(Exception e)
    {
        string what = Librecast.Sockets.SystemErrors.Describe(e);
        return e is System.IO.IOException || what == e.GetType().Name ? what : e.GetType().Name + ": " + what;
    }

    private void Close()
    {
        ISensorDriver? s = sensor;
        sensor = null;
        try { s?.Dispose(); }
        catch (Exception e) when (e is not OutOfMemoryException) { /* closing a broken device may fail too */ }
    }

    /// <summary>Closes the sensor.</summary>
    public void Dispose() => Close();
}
