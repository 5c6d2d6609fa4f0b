namespace Librecast.Gateway.Senml;

/// <summary>Why a SenML pack was rejected; each is counted separately (metric <c>lcgw_senml_rejected_total{reason}</c>).</summary>
public enum SenmlError
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>Not well-formed JSON (or not UTF-8).</summary>
    NotJson,

    /// <summary>Valid JSON, but not an array of objects.</summary>
    NotPack,

    /// <summary>A known field has the wrong JSON type (e.g. a string <c>v</c>).</summary>
    FieldType,

    /// <summary>A field whose label ends in '_' (must-understand) that this reader does not know.</summary>
    MustUnderstand,

    /// <summary>A <c>bver</c> newer than 10.</summary>
    Version,

    /// <summary>A resolved name that is empty or has characters RFC 8428 does not allow.</summary>
    Name,

    /// <summary>A record with no value and no sum, or with more than one value.</summary>
    Value,

    /// <summary>A number that is not finite, or a time that is not representable.</summary>
    Number,

    /// <summary>More records, or longer strings, than the gateway accepts.</summary>
    TooLarge,
}
