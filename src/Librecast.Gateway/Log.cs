using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Librecast.Gateway.Config;

namespace Librecast.Gateway;

/// <summary>
/// Structured logs on stderr (stdout carries the JSON lines output): logfmt
/// (<c>ts=2026-01-02T03:04:05.678Z level=info msg="lcgw started" channels=2</c>) or one JSON
/// object per line. Thread-safe; a line is written whole.
/// </summary>
public sealed class Log(TextWriter writer, LogFormat format, LogLevel level)
{
    private readonly object gate = new();
    private long lost;

    /// <summary>Log lines that could not be written (stderr closed or broken).</summary>
    public long Lost { get { lock (gate) return lost; } }

    /// <summary>Least severe level written.</summary>
    public LogLevel Level { get; } = level;

    /// <summary>Logs at debug level.</summary>
    public void Debug(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Debug, message, fields);

    /// <summary>Logs at info level.</summary>
    public void Info(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Info, message, fields);

    /// <summary>Logs at warn level.</summary>
    public void Warn(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Warn, message, fields);

    /// <summary>Logs at error level.</summary>
    public void Error(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Error, message, fields);

    /// <summary>True if <paramref name="at"/> is written (to skip building costly fields).</summary>
    public bool Enabled(LogLevel at) => at >= Level;

    private void Write(LogLevel at, string message, (string Key, object? Value)[] fields)
    {
        if (at < Level) return;
        string ts = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        string levelText = at.ToString().ToLowerInvariant();
        string line;
        if (format == LogFormat.Json)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("ts", ts);
                json.WriteString("level", levelText);
                json.WriteString("msg", message);
                foreach ((string key, object? value) in fields)
                {
                    switch (value)
                    {
                        case null: json.WriteNull(key); break;
                        case int i: json.WriteNumber(key, i); break;
                        case long l: json.WriteNumber(key, l); break;
                        case double d when double.IsFinite(d): json.WriteNumber(key, d); break;
                        case bool b: json.WriteBoolean(key, b); break;
                        default: json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
                    }
                }
                json.WriteEndObject();
            }
            line = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        else
        {
            var sb = new StringBuilder(128);
            sb.Append("ts=").Append(ts).Append(" level=").Append(levelText).Append(" msg=");
            AppendValue(sb, message);
            foreach ((string key, object? value) in fields)
            {
                sb.Append(' ').Append(key).Append('=');
                AppendValue(sb, value == null ? "" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
            }
            line = sb.ToString();
        }
        lock (gate)
        {
            try
            {
                writer.WriteLine(line);
                writer.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
            {
                // Closed or broken stderr: a log line lost must never stop the daemon.
                lost++;
            }
        }
    }

    // logfmt: bare when safe, else double-quoted with \" \\ \n escaped.
    private static void AppendValue(StringBuilder sb, string value)
    {
        bool bare = value.Length > 0;
        foreach (char c in value)
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c > '~') { bare = false; break; }
        if (bare)
        {
            sb.Append(value);
            return;
        }
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
