using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Librecast.Cli;

/// <summary>What an option's value must be; checked while parsing, so a bad value is one line and exit 2.</summary>
internal enum ValueKind { Flag, Text, Int, Long, Number, Positive, Seconds }

/// <summary>One option: --name, an optional one-letter alias, its value's name in --help, a default.</summary>
internal sealed class Opt(string name, string? alias, ValueKind kind, string? valueName, string description, string? defaultValue = null)
{
    public readonly string Name = name, Description = description;
    public readonly string? Alias = alias, ValueName = valueName, Default = defaultValue;
    public readonly ValueKind Kind = kind;
    /// <summary>If set, the only values accepted.</summary>
    public string[]? OneOf;
    /// <summary>Refuse an empty value (a file name).</summary>
    public bool NotEmpty;

    public static Opt Flag(string name, string? alias, string description) => new(name, alias, ValueKind.Flag, null, description);
}

/// <summary>One command: its options, its operands (with their --help lines) and what it runs.</summary>
internal sealed class Cmd(string name, string summary, string usage, string description, Opt[] options, string[][] operands, int minOperands, int maxOperands, Func<Parsed, int> run)
{
    public readonly string Name = name, Summary = summary, Usage = usage, Description = description;
    public readonly Opt[] Options = options;
    public readonly string[][] Operands = operands; // { "<CHANNEL>", "Channel name." }
    public readonly int MinOperands = minOperands, MaxOperands = maxOperands;
    public readonly Func<Parsed, int> Run = run;
}

/// <summary>A parsed command line: option values by --name (checked already) and the operands.</summary>
internal sealed class Parsed(Cmd command, Dictionary<string, string> values, List<string> operands)
{
    public readonly Cmd Command = command;
    public readonly List<string> Operands = operands;

    private string? Raw(string name)
    {
        if (values.TryGetValue(name, out string? v)) return v;
        foreach (Opt o in Command.Options) if (o.Name == name) return o.Default;
        throw new InvalidOperationException("lc: no option " + name + " on " + Command.Name); // a bug in lc, not bad input
    }

    public bool Flag(string name) => values.ContainsKey(name);
    public string? Text(string name) => Raw(name);
    public int? Int(string name) => Raw(name) is string s ? int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;
    public long? Long(string name) => Raw(name) is string s ? long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;
    public double? Number(string name) => Raw(name) is string s ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
    public string? Operand(int i) => i < Operands.Count ? Operands[i] : null;
}

/// <summary>
/// lc's command line: <c>lc COMMAND [options] OPERANDS</c>. Options are <c>--name value</c>,
/// <c>--name=value</c>, <c>-x value</c>, <c>-x=value</c>, bundled one-letter flags (<c>-vq</c>);
/// options and operands mix in any order; <c>--</c> ends the options; a word that is a number
/// (<c>-5</c>) is an operand. An unknown option, a missing or bad value, a repeated option or the
/// wrong number of operands is one line on stderr and exit 2. --help, -h, -? print the help.
/// </summary>
internal static class Args
{
    private const string HelpRow = "-?, -h, --help", HelpText = "Show help and usage information";

    /// <summary>Parses <paramref name="args"/> and runs the command, or prints help or the error.</summary>
    public static int Run(string rootDescription, Cmd[] commands, string[] args)
    {
        if (args.Length == 0) return Usage("no command given (try 'lc --help')");
        string first = args[0];
        if (IsHelp(first)) { Console.Out.Write(RootHelp(rootDescription, commands)); return Program.ExitOk; }
        if (first == "--version")
        {
            // A constant written at build time (lc.csproj): reading the attribute would pull
            // reflection, 314 KB of the static image, into lc.
            Console.Out.WriteLine(BuildInfo.Version);
            return Program.ExitOk;
        }
        Cmd? cmd = null;
        foreach (Cmd c in commands) if (c.Name == first) cmd = c;
        if (cmd is null)
            return Usage((first.StartsWith('-') ? "unknown option '" : "unknown command '") + first + "' (try 'lc --help')");
        for (int i = 1; i < args.Length && args[i] != "--"; i++)
            if (IsHelp(args[i])) { Console.Out.Write(CommandHelp(cmd)); return Program.ExitOk; }
        Parsed? parsed;
        try { parsed = Parse(cmd, args); }
        catch (UsageException e) { return Usage(e.Message + " (try 'lc " + cmd.Name + " --help')"); }
        return cmd.Run(parsed);
    }

    private static bool IsHelp(string a) => a is "--help" or "-h" or "-?";

    private static int Usage(string line)
    {
        Console.Error.WriteLine("lc: " + line);
        return Program.ExitUsage;
    }

    private static Parsed Parse(Cmd cmd, string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var operands = new List<string>();
        bool optionsEnded = false;
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            if (optionsEnded || a.Length < 2 || a[0] != '-' || IsNumber(a)) { operands.Add(a); continue; }
            if (a == "--") { optionsEnded = true; continue; }
            int eq = a.IndexOf('=');
            string word = eq < 0 ? a : a[..eq];
            string? inline = eq < 0 ? null : a[(eq + 1)..];
            Opt? opt = Find(cmd, word);
            if (opt is null && eq < 0 && a[1] != '-' && a.Length > 2 && AllFlags(cmd, a))
            {
                foreach (char c in a.AsSpan(1)) Set(values, Find(cmd, "-" + c)!, "");
                continue;
            }
            if (opt is null) throw new UsageException("unknown option '" + word + "'");
            string value;
            if (opt.Kind == ValueKind.Flag)
            {
                if (inline is not null) throw new UsageException(opt.Name + " takes no value (got '" + a + "')");
                value = "";
            }
            else if (inline is not null) value = inline;
            else if (i + 1 < args.Length) value = args[++i];
            else throw new UsageException(opt.Name + " needs a value (" + opt.ValueName + ")");
            Check(opt, value);
            Set(values, opt, value);
        }
        if (operands.Count < cmd.MinOperands && cmd.Operands.Length < cmd.MinOperands) // share: PATH... CHANNEL
            throw new UsageException(cmd.Operands[0][0] + " needs at least " + cmd.MinOperands + " arguments (got " + operands.Count + ")");
        if (operands.Count < cmd.MinOperands)
            throw new UsageException(cmd.Operands[Math.Min(operands.Count, cmd.Operands.Length - 1)][0].Trim('<', '>') + " is missing");
        if (operands.Count > cmd.MaxOperands)
            throw new UsageException("unexpected argument '" + operands[cmd.MaxOperands] + "'");
        return new Parsed(cmd, values, operands);
    }

    private static void Set(Dictionary<string, string> values, Opt opt, string value)
    {
        if (!values.TryAdd(opt.Name, value)) throw new UsageException(opt.Name + " is given more than once");
    }

    private static Opt? Find(Cmd cmd, string word)
    {
        foreach (Opt o in cmd.Options) if (o.Name == word || o.Alias == word) return o;
        return null;
    }

    private static bool AllFlags(Cmd cmd, string a)
    {
        foreach (char c in a.AsSpan(1)) if (Find(cmd, "-" + c) is not { Kind: ValueKind.Flag }) return false;
        return true;
    }

    private static bool IsNumber(string a) => double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static void Check(Opt o, string v)
    {
        string got = " (got '" + v + "')";
        if (o.NotEmpty && v.Length == 0) throw new UsageException(o.Name + " needs a " + o.ValueName + " name" + got);
        if (o.OneOf is not null && Array.IndexOf(o.OneOf, v) < 0)
            throw new UsageException(o.Name + " must be one of " + string.Join(", ", o.OneOf) + got);
        switch (o.Kind)
        {
            case ValueKind.Int:
                if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    throw new UsageException(o.Name + " must be a whole number" + got);
                break;
            case ValueKind.Long:
                if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    throw new UsageException(o.Name + " must be a whole number" + got);
                break;
            case ValueKind.Number:
            case ValueKind.Positive:
            case ValueKind.Seconds:
                // Finite: '-t NaN' or '-t inf' is a mistake, not a wait for ever.
                bool ok = double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d);
                if (o.Kind != ValueKind.Number) ok &= d > 0;
                if (!ok)
                    throw new UsageException(o.Name + (o.Kind == ValueKind.Seconds ? " must be a number of seconds greater than 0"
                        : o.Kind == ValueKind.Positive ? " must be a number greater than 0" : " must be a finite number") + got);
                break;
        }
    }

    // --help, laid out as lc has always printed it: sections, then two columns.
    private static string RootHelp(string description, Cmd[] commands)
    {
        var sb = new StringBuilder();
        Section(sb, "Description", description);
        sb.Append("Usage:\n  lc [command] [options]\n\n");
        Table(sb, "Options", new[] { new[] { HelpRow, HelpText }, new[] { "--version", "Show version information" } });
        var rows = new string[commands.Length][];
        for (int i = 0; i < commands.Length; i++) rows[i] = new[] { commands[i].Summary, commands[i].Description };
        Table(sb, "Commands", rows);
        return sb.ToString();
    }

    private static string CommandHelp(Cmd cmd)
    {
        var sb = new StringBuilder();
        Section(sb, "Description", cmd.Description);
        sb.Append("Usage:\n  lc ").Append(cmd.Usage).Append("\n\n");
        if (cmd.Operands.Length > 0) Table(sb, "Arguments", cmd.Operands);
        var rows = new string[cmd.Options.Length + 1][];
        for (int i = 0; i < cmd.Options.Length; i++)
        {
            Opt o = cmd.Options[i];
            string left = (o.Alias is null ? "" : o.Alias + ", ") + o.Name + (o.ValueName is null ? "" : " <" + o.ValueName + ">");
            rows[i] = new[] { left, o.Description + (o.Default is null ? "" : " [default: " + o.Default + "]") };
        }
        rows[^1] = new[] { HelpRow, HelpText };
        Table(sb, "Options", rows);
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string title, string text)
    {
        sb.Append(title).Append(":\n");
        foreach (string line in text.Split('\n')) sb.Append("  ").Append(line).Append('\n');
        sb.Append('\n');
    }

    private static void Table(StringBuilder sb, string title, string[][] rows)
    {
        int width = 0;
        foreach (string[] r in rows) width = Math.Max(width, r[0].Length);
        sb.Append(title).Append(":\n");
        foreach (string[] r in rows)
        {
            string[] lines = r[1].Split('\n');
            sb.Append("  ").Append(r[0].PadRight(width + 2)).Append(lines[0]).Append('\n');
            for (int i = 1; i < lines.Length; i++) sb.Append(' ', width + 4).Append(lines[i]).Append('\n');
        }
        sb.Append('\n');
    }
}
