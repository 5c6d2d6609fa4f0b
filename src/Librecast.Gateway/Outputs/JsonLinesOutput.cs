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
public sealed class JsonLinesOutput : IOutput
{
    private readonly Stream stream;
    private readonly bool ownsStream;
    private readonly Log log;
    private readonly MemoryStream buffer = new();
    private readonly Utf8JsonWriter json;
    private readonly object gate = new();
    private int errors;
    private bool failing;

    /// <summary>Writes to <paramref name="path"/>: "-" is stdout, anything else a file opened for appending.</summary>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public JsonLinesOutput(string path, Log log)
    {
        this.log = log;
        if (path == "-")
        {
            stream = Console.OpenStandardOutput();
            ownsStream = false;
        }
        else
        {
            try
            {
                stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException("jsonl: cannot open " + path + " for appending: " + IoErrors.Describe(e), e);
            }
            ownsStream = true;
        }
        json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Write failures (disk full, closed pipe).</summary>
    public int Errors => Volatile.Read(ref errors);

    /// <inheritdoc/>
    public void Write(Observation o)
    {
        lock (gate)
        {
            buffer.SetLength(0);
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
            try
            {
                stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
                stream.Flush();
                if (failing)
                {
                    failing = false;
                    log.Info("jsonl output writing again");
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                Interlocked.Increment(ref errors);
                if (!failing)
                {
                    failing = true;
                    log.Error("jsonl output cannot write; readings are dropped until it can", ("error", e.Message));
                }
            }
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
