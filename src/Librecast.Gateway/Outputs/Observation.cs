using Librecast.Gateway.Senml;

namespace Librecast.Gateway.Outputs;

/// <summary>One decoded SenML pack and where it came from, handed to every output. Reused: valid during the call only.</summary>
public sealed class Observation
{
    /// <summary>The channel name it arrived on (or the group address if the channel is unknown).</summary>
    public string Channel = "";

    /// <summary>The sender's address, or "local" for this gateway's own sensors.</summary>
    public string Source = "";

    /// <summary>The librecast sequence number (0 for local readings).</summary>
    public ulong Sequence;

    /// <summary>The decoded records: [0, <see cref="Count"/>).</summary>
    public SenmlRecord[] Records = [];

    /// <summary>Number of records.</summary>
    public int Count;

    /// <summary>The SenML JSON as received.</summary>
    public byte[] Payload = [];

    /// <summary>Where the payload starts.</summary>
    public int PayloadOffset;

    /// <summary>Payload length.</summary>
    public int PayloadLength;
}
