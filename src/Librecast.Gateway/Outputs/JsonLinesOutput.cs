using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using Librecast.Gateway.Senml;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// Writes one JSON object per SenML record, one per line, to stdout or a file (appended):
/// <c>{"time":1795589518.968,"channel":"site1/node1/telemetry","source":"fe80::1","seq":7,
/// "name":"urn:dev:lc:site1:node1:temperature","unit":"Cel","value":21.53}</c>; string, boolean
/// and data values use "string", "bool" and "data" instead of "value"; a sum adds "sum".
/// </summary>
/// <remarks>
/// <see cref="Write"/> writes its pack's lines at once (one write(2)); the receive thread hands
/// its packs to <see cref="WriteInBatch"/> and they go out in one write after its receive batch
/// (<see cref="EndBatch"/>), or sooner when <see cref="BatchBytes"/> are waiting. A write that
/// fails (disk full, closed pipe) drops the lines it held (that pack's, or that batch's), counts
/// them (<see cref="Dropped"/>) and is logged once until writing works again. A file never keeps
/// half a line: what a failed write left is cut off again, and if even that fails the next write
/// starts on a new line, so every complete line stays one JSON object.
/// </remarks>
public sealed class JsonLinesOutput : IOutput
{
    private readonly Stream stream;
    private readonly bool ownsStream;
    private readonly Log log;
    private readonly MemoryStream buffer = new();
    private readonly Utf8JsonWriter json;
    private readonly object gate = new();
    private int errors, dropped;
    private bool failing, newlineFirst, discard;
    private int pendingLines; // lines in `buffer` not written yet (under gate)

    /// <summary>Lines waiting for <see cref="EndBatch"/> are written as soon as they reach this many bytes.</summary>
    public const int BatchBytes = 32 << 10;

    // The property names, escaped once; the strings a pack carries (channel, source, name, unit:
    // the receiver hands out the same string objects again) escaped once per string object, in
    // a small table by reference (a string not there is escaped and takes the place of its bucket's oldest).
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time"), ChannelName = JsonEncodedText.Encode("channel"),
        SourceName = JsonEncodedText.Encode("source"), SeqName = JsonEncodedText.Encode("seq"), NameName = JsonEncodedText.Encode("name"),
        UnitName = JsonEncodedText.Encode("unit"), ValueName = JsonEncodedText.Encode("value"), StringName = JsonEncodedText.Encode("string"),
        BoolName = JsonEncodedText.Encode("bool"), DataName = JsonEncodedText.Encode("data"), SumName = JsonEncodedText.Encode("sum");
    private const int EncodedSlots = 512, EncodedWays = 4; // buckets of 4: strings that hash alike do not push each other out
    private readonly string?[] encodedKeys = new string?[EncodedSlots];
    private readonly JsonEncodedText[] encodedValues = new JsonEncodedText[EncodedSlots];
    private readonly byte[] encodedOldest = new byte[EncodedSlots / EncodedWays];
    // Behind the table, every string escaped so far by value (up to EncodedKnownMax, then
    // forgotten at once): five or more strings whose identities hash to one bucket (by a Poisson
    // estimate about one run in 14 of GatewayHotPathTests' 84 strings) no longer escape, and
    // allocate, again on every turn.
    private const int EncodedKnownMax = 4096;
    private readonly Dictionary<string, JsonEncodedText> encodedKnown = new(StringComparer.Ordinal);
    // The time as Utf8JsonWriter writes a double (Utf8Formatter, shortest round trip), made once
    // for the records of a pack that share it.
    private readonly byte[] timeText = new byte[64];
    private int timeLength;
    private double timeOf = double.NaN;

    /// <summary>Writes to <paramref name="path"/>: "-" is stdout, anything else a file opened for appending.</summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public JsonLinesOutput(string path, Log log)
    {
        this.log = log;
        if (path == "-")
        {
            stream = Console.OpenStandardOutput();
            ownsStream = false;
            if (StandardStreams.StdoutClosed)
            {
                discard = true;
                log.Error("jsonl: stdout is closed; readings for it are dropped and counted (" + MetricNames.JsonlDropped + "): give it a file, \"option path '/var/log/lcgw/readings.jsonl'\"");
            }
        }
        else
        {
            try
            {
                // Not FileMode.Append: a failed write must be cut off again (SetLength), which Append
                // forbids. No buffer: a failed write leaves nothing behind to be retried later.
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                stream.Seek(0, SeekOrigin.End);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException("jsonl: cannot open " + path + " for appending: " + Librecast.Sockets.SystemErrors.Describe(e), e);
            }
            ownsStream = true;
        }
        json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Write failures (disk full, closed pipe).</summary>
    public int Errors => Volatile.Read(ref errors);

    /// <summary>Lines (one per SenML record) not written because a write failed.</summary>
    public int Dropped => Volatile.Read(ref dropped);

    /// <inheritdoc/>
    public void Write(Observation o) => Take(o, writeNow: true);

    /// <summary>
    /// Takes a pack of the receive thread's batch: its lines are written with the batch's
    /// (<see cref="EndBatch"/>), or when <see cref="BatchBytes"/> are waiting.
    /// </summary>
    public void WriteInBatch(Observation o) => Take(o, writeNow: false);

    // A pack's lines, written now or left for the batch's end (unless BatchBytes are waiting).
    private void Take(Observation o, bool writeNow)
    {
        if (discard)
        {
            Interlocked.Add(ref dropped, o.Count);
            return;
        }
        lock (gate)
        {
            Append(o);
            if (writeNow || buffer.Length >= BatchBytes) WritePending();
        }
    }

    /// <summary>Writes the lines waiting from <see cref="WriteInBatch"/> (one write).</summary>
    public void EndBatch()
    {
        lock (gate)
        {
            if (pendingLines > 0) WritePending();
        }
    }

    // Under gate: the pack's lines after what is waiting; nothing of them if one fails to format.
    private void Append(Observation o)
    {
        long start = buffer.Length;
        try
        {
            if (start == 0 && newlineFirst) buffer.WriteByte((byte)'\n'); // ends what a failed write left, on its own line
            JsonEncodedText channel = Encoded(o.Channel), source = Encoded(o.Source);
            for (int i = 0; i < o.Count; i++)
            {
                SenmlRecord r = o.Records[i];
                json.Reset(buffer);
                json.WriteStartObject();
                json.WritePropertyName(TimeName);
                json.WriteRawValue(TimeText(Math.Round(r.Time, 6)), skipInputValidation: true);
                json.WriteString(ChannelName, channel);
                json.WriteString(SourceName, source);
                json.WriteNumber(SeqName, o.Sequence);
                json.WriteString(NameName, Encoded(r.Name));
                if (r.Unit != null) json.WriteString(UnitName, Encoded(r.Unit));
                switch (r.Kind)
                {
                    case SenmlValueKind.Number: json.WriteNumber(ValueName, r.Number); break;
                    case SenmlValueKind.String: json.WriteString(StringName, r.Text); break;
                    case SenmlValueKind.Boolean: json.WriteBoolean(BoolName, r.Boolean); break;
                    case SenmlValueKind.Data: json.WriteString(DataName, r.Text); break;
                }
                if (r.HasSum) json.WriteNumber(SumName, r.Sum);
                json.WriteEndObject();
                json.Flush();
                buffer.WriteByte((byte)'\n');
            }
        }
        catch
        {
            buffer.SetLength(start); // no half line waits to be written
            throw;
        }
        pendingLines += o.Count;
    }

    // Under gate: `text` escaped as Utf8JsonWriter escapes a string (JsonEncodedText, the same
    // default encoder), once per string object.
    private JsonEncodedText Encoded(string text)
    {
        int bucket = System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(text) & (EncodedSlots / EncodedWays - 1);
        int first = bucket * EncodedWays;
        for (int slot = first; slot < first + EncodedWays; slot++)
            if (ReferenceEquals(encodedKeys[slot], text)) return encodedValues[slot];
        if (!encodedKnown.TryGetValue(text, out JsonEncodedText encoded))
        {
            if (encodedKnown.Count >= EncodedKnownMax) encodedKnown.Clear();
            encoded = JsonEncodedText.Encode(text);
            encodedKnown[text] = encoded;
        }
        int victim = first + encodedOldest[bucket];
        encodedOldest[bucket] = (byte)((encodedOldest[bucket] + 1) % EncodedWays);
        encodedKeys[victim] = text;
        encodedValues[victim] = encoded;
        return encoded;
    }

    private ReadOnlySpan<byte> TimeText(double time)
    {
        if (BitConverter.DoubleToInt64Bits(time) != BitConverter.DoubleToInt64Bits(timeOf))
        {
            if (!System.Buffers.Text.Utf8Formatter.TryFormat(time, timeText, out timeLength)) throw new FormatException("time " + time);
            timeOf = time;
        }
        return new ReadOnlySpan<byte>(timeText, 0, timeLength);
    }

    // Under gate: one write of everything waiting; on failure its lines are dropped and counted.
    private void WritePending()
    {
        int lines = pendingLines;
        pendingLines = 0;
        long mark = ownsStream ? stream.Position : 0;
        try
        {
            stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            stream.Flush();
            newlineFirst = false;
            if (failing)
            {
                failing = false;
                log.Info("jsonl output writing again");
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
        {
            // UnauthorizedAccessException: EBADF/EACCES on a descriptor that cannot be written.
            Interlocked.Increment(ref errors);
            Interlocked.Add(ref dropped, lines);
            if (ownsStream) CutBack(mark);
            if (!failing)
            {
                failing = true;
                log.Error("jsonl output cannot write; readings are dropped (and counted) until it can", ("error", Librecast.Sockets.SystemErrors.Describe(e)));
            }
        }
        finally
        {
            buffer.SetLength(0);
        }
    }

    // Removes what a failed write left (a truncate frees space even on a full disk); if that
    // fails too, the next write begins with a newline so the half line never joins the next object.
    private void CutBack(long mark)
    {
        try
        {
            if (stream.Length > mark) stream.SetLength(mark);
            stream.Position = mark;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            newlineFirst = true;
            try { stream.Seek(0, SeekOrigin.End); }
            catch (Exception again) when (again is IOException or ObjectDisposedException) { /* the next write fails and says so */ }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (gate)
        {
            if (pendingLines > 0 && !discard) WritePending();
            json.Dispose();
            if (ownsStream) stream.Dispose();
        }
    }
}
