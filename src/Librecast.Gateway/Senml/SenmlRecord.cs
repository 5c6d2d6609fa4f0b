namespace Librecast.Gateway.Senml;

/// <summary>Which value a SenML record carries.</summary>
public enum SenmlValueKind
{
    /// <summary>No value, only a sum (<c>s</c>).</summary>
    None,

    /// <summary>A number (<c>v</c>, plus <c>bv</c>).</summary>
    Number,

    /// <summary>A string (<c>vs</c>).</summary>
    String,

    /// <summary>A boolean (<c>vb</c>).</summary>
    Boolean,

    /// <summary>Binary data, base64url (<c>vd</c>).</summary>
    Data,
}

/// <summary>
/// A resolved SenML record (RFC 8428 section 4.6): base fields applied, so the name is the full
/// name, the time absolute and the number value includes the base value.
/// </summary>
public sealed class SenmlRecord
{
    /// <summary>Base name + name, e.g. <c>urn:dev:lc:site1:node1:temperature</c>.</summary>
    public string Name = "";

    /// <summary>The record's own <c>n</c> (without the base name); may be empty.</summary>
    public string ShortName = "";

    /// <summary>Unit (<c>u</c>, else <c>bu</c>), or null.</summary>
    public string? Unit;

    /// <summary>Which value field is set.</summary>
    public SenmlValueKind Kind;

    /// <summary>The number value (bv + v) when <see cref="Kind"/> is Number.</summary>
    public double Number;

    /// <summary>The string (vs) or base64url data (vd).</summary>
    public string? Text;

    /// <summary>The boolean (vb).</summary>
    public bool Boolean;

    /// <summary>True when a sum (bs + s) is present.</summary>
    public bool HasSum;

    /// <summary>The sum.</summary>
    public double Sum;

    /// <summary>Absolute time, seconds since the Unix epoch (bt + t, relative times resolved against the clock).</summary>
    public double Time;
}
