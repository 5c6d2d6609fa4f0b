using System;
using System.Text.Json;
using System.Threading;

namespace Librecast.Gateway.Senml;

/// <summary>
/// Reads SenML JSON packs (RFC 8428) from network bytes. AOT-safe (<see cref="Utf8JsonReader"/>,
/// no reflection), reuses its records, and never throws for bad input: a rejected pack returns
/// false with its reason, which is also counted.
/// </summary>
/// <remarks>
/// Base fields (bn, bt, bu, bv, bs, bver) apply to their record and every later one until
/// changed. Times below 2^28 are relative to now (section 4.5.3). Unknown fields are ignored
/// unless their label ends in '_' (must-understand), which rejects the pack. Not thread-safe:
/// one decoder per receiving thread.
/// </remarks>
public sealed class SenmlDecoder
{
    /// <summary>Largest string (name, unit, vs, vd) accepted, in characters.</summary>
    public const int MaxStringLength = 1024;

    private const double RelativeTimeLimit = 268435456; // 2^28

    private readonly SenmlRecord[] records;
    // Names, units and texts seen before come back as the same strings (no allocation per pack):
    // the full names (base name + name) in one table, every field's own string in the other.
    // Each grows to 8 times its first size when strings collide, at most about 0.9 and 1.8 MB
    // (an entry: a 128-byte key and its string), which a flood of new names fills at worst.
    private readonly Utf8Strings fields = new(256, 2048);
    private readonly Utf8Strings names = new(512, 4096);
    private readonly byte[] nameKey = new byte[Utf8Strings.MaxBytes];
    private readonly Func<double> now;
    private readonly int[] rejected = new int[Enum.GetValues<SenmlError>().Length];
    private int accepted;

    /// <summary>Creates a decoder that accepts packs of up to <paramref name="maxRecords"/> records.</summary>
    /// <param name="maxRecords">Bound on records per pack (bounded memory).</param>
    /// <param name="now">The clock for relative times, seconds since the epoch (null: the system clock).</param>
    public SenmlDecoder(int maxRecords = 64, Func<double>? now = null)
    {
        if (maxRecords < 1) throw new ArgumentOutOfRangeException(nameof(maxRecords), "at least 1");
        records = new SenmlRecord[maxRecords];
        for (int i = 0; i < records.Length; i++) records[i] = new SenmlRecord();
        this.now = now ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>Records of the last accepted pack: [0, <see cref="Count"/>). Reused by the next decode.</summary>
    public SenmlRecord[] Records => records;

    /// <summary>Number of records in the last accepted pack.</summary>
    public int Count { get; private set; }

    /// <summary>Why the last pack was rejected (None if accepted).</summary>
    public SenmlError LastError { get; private set; }

    /// <summary>Where and what, for the last rejection (for debug logs).</summary>
    public string LastErrorDetail { get; private set; } = "";

    /// <summary>Packs accepted.</summary>
    public int Accepted => Volatile.Read(ref accepted);

    /// <summary>Packs rejected for <paramref name="reason"/>.</summary>
    public int Rejected(SenmlError reason) => Volatile.Read(ref rejected[(int)reason]);

    /// <summary>Decodes <paramref name="data"/>[offset, offset+count). Never throws for bad input.</summary>
    /// <returns>True with <see cref="Records"/>[0..<see cref="Count"/>) filled, or false with <see cref="LastError"/> set.</returns>
    public bool TryDecode(byte[] data, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (offset < 0 || count < 0 || offset > data.Length - count) throw new ArgumentOutOfRangeException(nameof(count));
        Count = 0;
        SenmlError error;
        try
        {
            error = Decode(new ReadOnlySpan<byte>(data, offset, count));
        }
        catch (JsonException e)
        {
            error = Fail(SenmlError.NotJson, e.Message);
        }
        catch (InvalidOperationException e) // invalid UTF-8 inside a string, surfaced when it is read
        {
            error = Fail(SenmlError.NotJson, e.Message);
        }
        LastError = error;
        if (error == SenmlError.None)
        {
            Interlocked.Increment(ref accepted);
            LastErrorDetail = "";
            return true;
        }
        Count = 0;
        Interlocked.Increment(ref rejected[(int)error]);
        return false;
    }

    private SenmlError Fail(SenmlError error, string detail)
    {
        LastErrorDetail = detail;
        return error;
    }

    private SenmlError Decode(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            return Fail(SenmlError.NotPack, "a SenML pack is a JSON array of records");
        string baseName = "", baseUnit = "";
        ReadOnlySpan<byte> baseNameUtf8 = default;
        double baseTime = 0, baseValue = 0, baseSum = 0;
        while (true)
        {
            if (!reader.Read()) return Fail(SenmlError.NotJson, "unterminated array");
            if (reader.TokenType == JsonTokenType.EndArray) break;
            if (reader.TokenType != JsonTokenType.StartObject)
                return Fail(SenmlError.NotPack, "record " + Count + " is not a JSON object");
            if (Count == records.Length)
                return Fail(SenmlError.TooLarge, "more than " + records.Length + " records");

            string? n = null, u = null, vs = null, vd = null;
            ReadOnlySpan<byte> nUtf8 = default;
            double v = 0, s = 0, t = 0;
            bool hasV = false, hasVs = false, hasVb = false, hasVd = false, hasS = false, vb = false;
            bool hasRegular = false; // any field other than a base field: n, u, t, ut, a value or a sum
            while (true)
            {
                if (!reader.Read()) return Fail(SenmlError.NotJson, "unterminated record");
                if (reader.TokenType == JsonTokenType.EndObject) break;
                // The label is a slice of the input, valid after the reader moves on; an escaped
                // label ("\u0076" is "v") is unescaped first, as JSON says they are the same.
                ReadOnlySpan<byte> label = reader.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
                if (!reader.Read()) return Fail(SenmlError.NotJson, "missing value");
                SenmlError e;
                if (label.SequenceEqual("bn"u8)) e = String(ref reader, "bn", out baseName, out baseNameUtf8);
                else if (label.SequenceEqual("bt"u8)) e = Number(ref reader, "bt", out baseTime);
                else if (label.SequenceEqual("bu"u8)) e = String(ref reader, "bu", out baseUnit, out _);
                else if (label.SequenceEqual("bv"u8)) e = Number(ref reader, "bv", out baseValue);
                else if (label.SequenceEqual("bs"u8)) e = Number(ref reader, "bs", out baseSum);
                else if (label.SequenceEqual("bver"u8))
                {
                    e = Number(ref reader, "bver", out double version);
                    if (e == SenmlError.None && (version != Math.Floor(version) || version < 1 || version > 10))
                        e = Fail(SenmlError.Version, "bver " + version + " (this reader knows versions up to 10)");
                }
                else if (label.SequenceEqual("n"u8)) { e = String(ref reader, "n", out string name, out nUtf8); n = name; hasRegular = true; }
                else if (label.SequenceEqual("u"u8)) { e = String(ref reader, "u", out string unit, out _); u = unit; hasRegular = true; }
                else if (label.SequenceEqual("v"u8)) { e = Number(ref reader, "v", out v); hasV = true; }
                else if (label.SequenceEqual("vs"u8)) { e = String(ref reader, "vs", out string text, out _); vs = text; hasVs = true; }
                else if (label.SequenceEqual("vd"u8)) { e = String(ref reader, "vd", out string data, out _); vd = data; hasVd = true; }
                else if (label.SequenceEqual("vb"u8))
                {
                    e = SenmlError.None;
                    if (reader.TokenType == JsonTokenType.True) vb = true;
                    else if (reader.TokenType == JsonTokenType.False) vb = false;
                    else e = Fail(SenmlError.FieldType, "vb must be true or false");
                    hasVb = true;
                }
                else if (label.SequenceEqual("s"u8)) { e = Number(ref reader, "s", out s); hasS = true; }
                else if (label.SequenceEqual("t"u8)) { e = Number(ref reader, "t", out t); hasRegular = true; }
                else if (label.SequenceEqual("ut"u8)) { e = Number(ref reader, "ut", out _); hasRegular = true; }
                else e = Unknown(ref reader, label);
                if (e != SenmlError.None) return e;
            }

            int values = (hasV ? 1 : 0) + (hasVs ? 1 : 0) + (hasVb ? 1 : 0) + (hasVd ? 1 : 0);
            if (values > 1) return Fail(SenmlError.Value, "record " + Count + " has more than one value field");
            // A record of base fields only (RFC 8428's example of a first record holding bn, bt,
            // bu, bver; KPN-style packs; our own SenmlWriter when no reading fits) carries no
            // measurement: its base fields apply to the records after it.
            if (values == 0 && !hasS && !hasRegular) continue;
            if (values == 0 && !hasS) return Fail(SenmlError.Value, "record " + Count + " has no value and no sum");

            SenmlRecord r = records[Count];
            r.ShortName = n ?? "";
            r.Name = FullName(baseName, baseNameUtf8, r.ShortName, nUtf8, out bool valid);
            if (!valid) return Fail(SenmlError.Name, "record " + Count + ": name '" + r.Name + "' is not a valid SenML name");
            r.Unit = u ?? (baseUnit.Length > 0 ? baseUnit : null);
            double time = baseTime + t;
            if (time < RelativeTimeLimit) time += now();
            r.Time = time;
            r.Kind = hasV ? SenmlValueKind.Number : hasVs ? SenmlValueKind.String : hasVb ? SenmlValueKind.Boolean : hasVd ? SenmlValueKind.Data : SenmlValueKind.None;
            r.Number = hasV ? baseValue + v : 0;
            r.Text = hasVs ? vs : hasVd ? vd : null;
            r.Boolean = vb;
            r.HasSum = hasS;
            r.Sum = hasS ? baseSum + s : 0;
            if (!double.IsFinite(r.Time) || !double.IsFinite(r.Number) || !double.IsFinite(r.Sum))
                return Fail(SenmlError.Number, "record " + Count + ": value, sum or time out of range");
            if (hasVd && !ValidBase64Url(vd!)) return Fail(SenmlError.FieldType, "record " + Count + ": vd is not base64url");
            Count++;
        }
        // Nothing may follow the pack (the reader throws JsonException on trailing bytes).
        if (reader.Read()) return Fail(SenmlError.NotJson, "data after the pack");
        return SenmlError.None;
    }

    private SenmlError Unknown(ref Utf8JsonReader reader, ReadOnlySpan<byte> label)
    {
        if (label.Length > 0 && label[^1] == (byte)'_')
            return Fail(SenmlError.MustUnderstand, "must-understand field '" + System.Text.Encoding.UTF8.GetString(label) + "'");
        reader.Skip(); // unknown fields are ignored, whatever their value
        return SenmlError.None;
    }

    // A string field, and its UTF-8 bytes (the input's own, or for an escaped string its
    // unescaped copy). Bytes seen before give the string made then: they were valid UTF-8 and
    // short enough that time, and the same bytes are the same string.
    private SenmlError String(scoped ref Utf8JsonReader reader, string label, out string value, out ReadOnlySpan<byte> utf8)
    {
        value = "";
        utf8 = default;
        if (reader.TokenType != JsonTokenType.String) return Fail(SenmlError.FieldType, label + " must be a string");
        ReadOnlySpan<byte> raw = reader.ValueSpan;
        if (raw.Length > MaxStringLength * 6) return Fail(SenmlError.TooLarge, label + " longer than " + MaxStringLength);
        int hash = 0;
        if (!reader.ValueIsEscaped)
        {
            string? kept = fields.Find(raw, out hash);
            if (kept != null)
            {
                value = kept;
                utf8 = raw;
                return SenmlError.None;
            }
        }
        value = reader.GetString()!; // validates the UTF-8 (InvalidOperationException: counted as not JSON)
        if (value.Length > MaxStringLength) return Fail(SenmlError.TooLarge, label + " longer than " + MaxStringLength);
        if (reader.ValueIsEscaped) utf8 = System.Text.Encoding.UTF8.GetBytes(value); // rare: allocates
        else
        {
            fields.Keep(raw, hash, value);
            utf8 = raw;
        }
        return SenmlError.None;
    }

    // Base name + name, the string made once for those bytes; valid: a valid SenML name (the
    // table keeps valid names only).
    private string FullName(string baseName, ReadOnlySpan<byte> baseUtf8, string name, ReadOnlySpan<byte> nameUtf8, out bool valid)
    {
        int length = baseUtf8.Length + nameUtf8.Length;
        if (baseName.Length == 0 || name.Length == 0 || length > nameKey.Length)
        {
            string whole = baseName + name;
            valid = ValidName(whole);
            return whole;
        }
        baseUtf8.CopyTo(nameKey);
        nameUtf8.CopyTo(new Span<byte>(nameKey, baseUtf8.Length, nameUtf8.Length));
        ReadOnlySpan<byte> key = new ReadOnlySpan<byte>(nameKey, 0, length);
        string? kept = names.Find(key, out int hash);
        valid = true;
        if (kept != null) return kept;
        string full = baseName + name;
        valid = ValidName(full);
        if (valid) names.Keep(key, hash, full);
        return full;
    }

    private SenmlError Number(ref Utf8JsonReader reader, string label, out double value)
    {
        value = 0;
        if (reader.TokenType != JsonTokenType.Number) return Fail(SenmlError.FieldType, label + " must be a number");
        if (!reader.TryGetDouble(out value) || !double.IsFinite(value)) return Fail(SenmlError.Number, label + " is out of range");
        return SenmlError.None;
    }

    /// <summary>RFC 8428 4.5.1: starts with a letter or digit; then letters, digits, '-', ':', '.', '/', '_'.</summary>
    public static bool ValidName(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0])) return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != ':' && c != '.' && c != '/' && c != '_') return false;
        return true;
    }

    private static bool ValidBase64Url(string text)
    {
        foreach (char c in text)
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_' && c != '=') return false;
        return true;
    }
}
