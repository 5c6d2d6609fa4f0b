namespace Librecast.Gateway.Outputs;

/// <summary>Somewhere decoded readings go: JSON lines, the metrics store, the MQTT bridge.</summary>
public interface IOutput : System.IDisposable
{
    /// <summary>Takes one observation. Must not block for long (it runs on the receive thread) and must not throw for I/O trouble (count and log it).</summary>
    void Write(Observation observation);
}
