using System;
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
/// A write that fails (disk full, closed pipe) drops that pack's lines, counts them
/// (<see cref="Dropped"/>) and is logged once until writing works again. A file never keeps half
/// a line: what a failed write left is cut off again, and if even that fails the next write
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
    public void Write(Observation o)
    {
        if (discard)
        {
            Interlocked.Add(ref dropped, o.Count);
            return;
        }
        lock (gate)
        {
            buffer.SetLength(0);
            if (newlineFirst) buffer.WriteByte((byte)'\n'); // ends what a failed write left, on its own line
            for (int i = 0; i < o.Count; i++)
            {
                SenmlRecord r = o.Records[i];
                json.Reset(buffer);
                json.WriteStartObject();
                json.WriteNumber("time", Math.Round(r.Time, 6));
                json.WriteString("channel", o.Channel);
                json.WriteString("source", o.Source);
                json.WriteNumber("seq", o.Sequence);
                json.WriteString("name", r.Name);
                if (r.Unit != null) json.WriteString("unit", r.Unit);
                switch (r.Kind)
                {
                    case SenmlValueKind.Number: json.WriteNumber("value", r.Number); break;
                    case SenmlValueKind.String: json.WriteString("string", r.Text); break;
                    case SenmlValueKind.Boolean: json.WriteBoolean("bool", r.Boolean); break;
                    case SenmlValueKind.Data: json.WriteString("data", r.Text); break;
                }
                if (r.HasSum) json.WriteNumber("sum", r.Sum);
                json.WriteEndObject();
                json.Flush();
                buffer.WriteByte((byte)'\n');
            }
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
                Interlocked.Add(ref dropped, o.Count);
                if (ownsStream) CutBack(mark);
                if (!failing)
                {
                    failing = true;
                    log.Error("jsonl output cannot write; readings are dropped (and counted) until it can", ("error", Librecast.Sockets.SystemErrors.Describe(e)));
                }
            }
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
            json.Dispose();
            if (ownsStream) stream.Dispose();
        }
    }
}
