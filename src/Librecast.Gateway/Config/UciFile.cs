using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Librecast.Gateway.Config;

/// <summary>One <c>config TYPE ['NAME']</c> block of a UCI file, with its options and lists in order.</summary>
internal sealed class UciSection(string type, string? name, string file, int line)
{
    public string Type { get; } = type;
    public string? Name { get; } = name;
    public string File { get; } = file;
    public int Line { get; } = line;

    /// <summary>Every <c>option</c> and <c>list</c> line: key, value, whether it was a list item, line number.</summary>
    public List<(string Key, string Value, bool IsList, int Line)> Entries { get; } = new();

    public string Where => File + ":" + Line.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads OpenWrt's UCI configuration syntax, so one file serves as <c>/etc/config/lcgw</c> on a
/// router and <c>/etc/lcgw/lcgw.conf</c> on a Pi:
/// <code>
/// config TYPE ['NAME']
///     option KEY 'VALUE'
///     list KEY 'VALUE'
/// </code>
/// Values may be 'single quoted' (taken literally), "double quoted" (backslash escapes) or bare
/// words; <c>#</c> starts a comment outside quotes.
/// </summary>
internal static class UciFile
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="ConfigException">A syntax error, with file and line.</exception>
    public static List<UciSection> Parse(string text, string file)
    {
        var sections = new List<UciSection>();
        UciSection? current = null;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            string where = file + ":" + lineNo.ToString(CultureInfo.InvariantCulture);
            List<string> words = Tokenize(lines[i].TrimEnd('\r'), where);
            if (words.Count == 0) continue;
            switch (words[0])
            {
                case "config":
                    if (words.Count < 2 || words.Count > 3)
                        throw new ConfigException(where + ": expected \"config TYPE ['NAME']\"");
                    current = new UciSection(words[1], words.Count == 3 ? words[2] : null, file, lineNo);
                    sections.Add(current);
                    break;
                case "option":
                case "list":
                    if (current == null)
                        throw new ConfigException(where + ": '" + words[0] + "' before any 'config' line");
                    if (words.Count != 3)
                        throw new ConfigException(where + ": expected \"" + words[0] + " KEY 'VALUE'\" (quote values that contain spaces)");
                    current.Entries.Add((words[1], words[2], words[0] == "list", lineNo));
                    break;
                case "package":
                    break; // uci export writes it; one file is one package
                default:
                    throw new ConfigException(where + ": unknown keyword '" + words[0] + "' (expected config, option or list)");
            }
        }
        return sections;
    }

    private static List<string> Tokenize(string line, string where)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '#' && !inWord) break;
            if (c == ' ' || c == '\t')
            {
                if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                int end = line.IndexOf('\'', i + 1);
                if (end < 0) throw new ConfigException(where + ": unterminated ' quote");
                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                int j = i + 1;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\' && j + 1 < line.Length) j++;
                    word.Append(line[j]);
                }
                if (j >= line.Length) throw new ConfigException(where + ": unterminated \" quote");
                i = j;
            }
            else if (c == '\\' && i + 1 < line.Length) word.Append(line[++i]);
            else word.Append(c);
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}

/// <summary>The configuration is wrong; the message names the file, the line and what to change.</summary>
public sealed class ConfigException(string message) : Exception(OneLine(message))
{
    // Messages quote words from the file and lcgw prints them as one line on stderr: a CR, NUL or
    // escape sequence in the file must not split that line or reach the terminal raw.
    private static string OneLine(string message)
    {
        int i = 0;
        while (i < message.Length && !Escaped(message[i])) i++;
        if (i == message.Length) return message;
        var sb = new StringBuilder(message, 0, i, message.Length + 16);
        for (; i < message.Length; i++)
        {
            char c = message[i];
            if (Escaped(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool Escaped(char c) => char.IsControl(c) || c == '\u2028' || c == '\u2029';
}
