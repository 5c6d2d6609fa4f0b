using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CsCheck;
using Librecast.Gateway.Config;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// Fuzzing lcgw's config reader (UCI syntax, then validation) from the bytes of the file up:
/// the shipped configs and a config using every section, mutated line by line (deleted,
/// duplicated, swapped, keyword or key replaced, value replaced by an edge value: huge, negative,
/// empty, NaN, unicode, lone surrogate, unbalanced quotes, tabs, CR, NUL), as text (CRLF,
/// truncation, control characters) and as bytes (bit flips, BOMs); plus random token soup and
/// random bytes. Every input is accepted, and then within every documented bound, or rejected
/// with a <see cref="ConfigException"/> whose message names the file and is one printable line
/// (no line break or other control character); any other exception fails. <c>LIBRECAST_FUZZ_ITERATIONS</c> (default 50,000) inputs; the long
/// run is <c>tests/fuzz</c>.
/// </summary>
public class GatewayConfigFuzzTests
{
    private static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("LIBRECAST_FUZZ_ITERATIONS"), out long n) && n > 0 ? n : 50_000;

    private const string FileName = "fuzz.conf";

    private static string RepoText(string relative)
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "LibrecastIoT.sln"))) dir = Path.GetDirectoryName(dir)!;
        return File.ReadAllText(Path.Combine(dir, relative));
    }

    private static readonly string[] Seeds =
    [
        RepoText("tools/image/lcgw.conf"),
        RepoText("tools/image/openwrt/lcgw.config"),
        """
        package lcgw
        config gateway 'main'
        	option interface lc1   # trailing comment
        	option site "s1"
        	option node 'pi 1'
        	option log_format json
        	option log_level debug
        	option max_datagram 0x800
        config subscribe
        	list channel 'a/b/telemetry'
        	list channel "c/d/tele\"metry"
        config jsonl
        	option path '/tmp/x.jsonl'
        config metrics
        	option listen '[::1]:9464'
        config mqtt
        	option host 10.0.0.1
        	option port 8883
        	option client_id gw
        	option topic_prefix 'lc/'
        	option qos 2
        	option retain yes
        	option username u
        	option password 'p w'
        config sensor 'inside'
        	option type sht31
        	option bus sim
        	option address 0x45
        	option interval 2.5
        	option channel 's1/in/telemetry'
        config sensor
        	option type bh1750
        	option bus 0
        config bridge
        	list ipv4 's1/esp/telemetry'
        	list command 's1/esp/command'
        config migrate 'fleet'
        	option from '0.5'
        	list channel 's1/old/telemetry'
        	list command 's1/old/command'
        config share
        	option directory '/srv/images'
        	option channel 's1/images'
        	option rate 2.5
        	option symbol_size 1400
        	option rescan 0
        	option max_bytes 0x100000
        	option max_files 7
        """,
        "config subscribe\n list channel a\nconfig jsonl\n",
    ];

    private static readonly string[] Keywords = ["config", "option", "list", "package", "Config", "opt", "", "#", "config\t", "option option"];

    private static readonly string[] Keys =
    [
        "interface", "site", "node", "log_format", "log_level", "max_datagram", "channel", "path", "listen", "host", "port",
        "client_id", "topic_prefix", "qos", "retain", "username", "password", "type", "bus", "address", "interval",
        "ipv4", "command", "from", "to", "wire", "enabled", "Enabled", "directory", "rate", "symbol_size", "rescan", "max_bytes", "max_files", "key_file", "", "x", "é",
    ];

    private static readonly string[] Sections = ["gateway", "subscribe", "jsonl", "metrics", "mqtt", "sensor", "bridge", "migrate", "share", "routers", "GATEWAY", ""];

    private static readonly string[] EdgeValues =
    [
        "", "0", "1", "-1", "-0", "+1", "2", "3", "63", "64", "65535", "65536", "65537", "2147483647", "2147483648", "-2147483648",
        "-2147483649", "99999999999999999999999999", "0x", "0x0", "0x77", "0x78", "0X45", "0xFFFFFFFF", "0x100000000", "0x-1", "0x 1",
        "00012", "1_000", "1e308", "1e309", "-1e309", "4.9e-324", "NaN", "-NaN", "nan", "Infinity", "-Infinity", "∞", "0.1",
        "0.09999999", "86400", "86400.0000001", "1,5", " 5", "5 ", " ", "\t", "é", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u200b", "\u2028", "\u0085", "\uFEFF",
        "\uFFFD", "\ud800", "\udc00x", "'", "\"", "'a", "a'", "\"a", "a\"", "''", "\"\"", "\\", "\\\"", "\\'", "a\\", "a#b", "#", "a b",
        "a\tb", "a\rb", "\r", "a\0b", "\0", "\u001b[31m", "[::1]:9464", "[::1]:99999", "[::1]", "::", "::1:80", "127.0.0.1:0",
        "127.0.0.1:65536", "256.1.1.1:1", "localhost:80", "x/#", "+", "a/+/b", "sim", "SIM", "bme280", "BME280", "sht3x", "dht22",
        "json", "text", "JSON", "debug", "trace", "yes", "no", "on", "off", "true", "false", "maybe", "a/b", "a:b", "-", "/", "site1/node1/telemetry",
        new string('a', 5000), new string('9', 400), new string('/', 300),
    ];

    private static readonly string[] ExtraLines =
    [
        "config gateway", "config subscribe", "config jsonl", "config metrics", "config mqtt", "config sensor", "config bridge", "config migrate", "config share",
        "config sensor 'a' 'b'", "option from 0.5", "option to 0.9", "config", "option enabled '0'", "option enabled 1", "list channel x", "list channel ''",
        "option type bme280", "option bus sim", "list ipv4 ''", "option site a", "list site a", "option", "list", "package",
        "package lcgw", "\t# comment", "", "\t", "\r", "option a b c", "config 'gate way'", "config \"mqtt\"", "\\config jsonl",
    ];

    private static readonly string[] Quotes = ["", "'", "\"", "'", "\""];

    /// <summary>A seed config as lines, mutated by 1-6 edits; then text- and byte-level damage.</summary>
    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Select(Gen.Int[0, 15], Gen.Int, Gen.Int, Gen.Int).Array[1, 4],
                   Gen.Select(Gen.Int[0, 29], Gen.Int, Gen.Int).Array[0, 2])
            .Select((seed, lineEdits, rawEdits) =>
            {
                var lines = new List<string>(Seeds[seed].Split('\n'));
                foreach ((int kind, int a, int b, int c) in lineEdits) EditLine(lines, kind, a, b, c);
                string text = string.Join("\n", lines);
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                foreach ((int kind, int a, int b) in rawEdits) bytes = EditRaw(bytes, text, kind, a, b);
                return bytes;
            });

    private static int Pick(int r, int count) => (int)((uint)r % (uint)count);

    private static void EditLine(List<string> lines, int kind, int a, int b, int c)
    {
        if (lines.Count == 0) lines.Add("");
        int i = Pick(a, lines.Count);
        if (kind >= 10)
        {
            // Most edits hit an option's value: the i-th option or list line, if there is one.
            int values = 0;
            foreach (string line in lines) if (IsValueLine(line)) values++;
            if (values > 0)
            {
                int k = Pick(a, values);
                for (i = 0; !IsValueLine(lines[i]) || k-- > 0; i++) { }
            }
        }
        string[] words = lines[i].TrimStart().Split(' ', '\t');
        switch (kind)
        {
            case 0: lines.RemoveAt(i); break;
            case 1: lines.Insert(i, lines[i]); break;
            case 2: (lines[i], lines[Pick(b, lines.Count)]) = (lines[Pick(b, lines.Count)], lines[i]); break;
            case 10: case 11: case 12: case 13: case 14: case 15:
            {
                // The value (third word) becomes an edge value, quoted either way or bare; sometimes the quote is left open.
                string q = Quotes[Pick(c, Quotes.Length)];
                string value = q + EdgeValues[Pick(b, EdgeValues.Length)] + (c % 7 == 0 ? "" : q);
                lines[i] = "\t" + (words.Length >= 2 ? words[0] + " " + words[1] : lines[i]) + " " + value;
                break;
            }
            case 3: lines.Insert(i, lines[i].Replace(Pick(b, 2) == 0 ? "option" : "list", Pick(b >> 1, 2) == 0 ? "list" : "option")); break;
            case 4: if (words.Length >= 3) lines[i] = lines[i] + " " + words[^1]; break; // a fourth word
            case 5: words[0] = Keywords[Pick(b, Keywords.Length)]; lines[i] = string.Join("\t", words); break;
            case 6: // the key, or for a config line the section type
                if (words.Length >= 2)
                {
                    words[1] = words[0] == "config" ? Sections[Pick(b, Sections.Length)] : Keys[Pick(b, Keys.Length)];
                    lines[i] = string.Join(" ", words);
                }
                break;
            case 7: lines.Insert(i, ExtraLines[Pick(b, ExtraLines.Length)]); break;
            case 8: lines[i] = (c % 3 == 0 ? "" : c % 3 == 1 ? "\t\t" : "  ") + lines[i].TrimStart() + (b % 2 == 0 ? "" : " # x 'y"); break;
            default: lines[i] = lines[i].Insert(Pick(b, lines[i].Length + 1), ((char)Pick(c, 0x80)).ToString()); break; // any ASCII, controls too
        }
    }

    private static bool IsValueLine(string line)
    {
        string t = line.TrimStart();
        return t.StartsWith("option ", StringComparison.Ordinal) || t.StartsWith("list ", StringComparison.Ordinal);
    }

    private static byte[] EditRaw(byte[] bytes, string text, int kind, int a, int b)
    {
        int at = Pick(a, bytes.Length + 1);
        switch (kind)
        {
            case 0: return Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n"));                    // Windows line ends
            case 1: return bytes[..at];                                                             // truncated
            case 2: if (at < bytes.Length) bytes[at] ^= (byte)(1 << (b & 7)); return bytes;       // bit flip
            case 3: if (at < bytes.Length) bytes[at] = (byte)b; return bytes;                     // any byte
            case 4: return [.. bytes[..at], 0, .. bytes[at..]];                                     // NUL
            case 5: return [0xEF, 0xBB, 0xBF, .. bytes];                                            // UTF-8 BOM
            case 6: return [0xFF, 0xFE, .. bytes];                                                  // UTF-16 LE BOM on UTF-8 text
            case 7: return [.. Encoding.UTF8.GetPreamble(), .. Encoding.Unicode.GetBytes(text)];    // mislabelled UTF-16
            case 8: return [.. bytes, .. bytes];                                                    // the file twice
            case 9: return [.. bytes[..at], (byte)'\r', .. bytes[at..]];                             // a lone CR
            default: return bytes;                                                                  // most inputs: no raw damage
        }
    }

    /// <summary>Random tokens of the syntax, joined by random separators: mostly nonsense, sometimes a config.</summary>
    private static readonly Gen<byte[]> TokenSoup =
        Gen.Select(Gen.Int[0, 60], Gen.Int).Array[1, 80].Select(parts =>
        {
            string[] separators = [" ", "\t", "\n", "\n", "\r\n", "'", "\"", "#", "\\", "\0"];
            var sb = new StringBuilder();
            foreach ((int kind, int r) in parts)
            {
                if (kind < 10) sb.Append(Keywords[Pick(r, Keywords.Length)]);
                else if (kind < 20) sb.Append(Keys[Pick(r, Keys.Length)]);
                else if (kind < 26) sb.Append(Sections[Pick(r, Sections.Length)]);
                else if (kind < 40) sb.Append(EdgeValues[Pick(r, EdgeValues.Length)]);
                else sb.Append(separators[Pick(r, separators.Length)]);
                if (kind % 3 == 0) sb.Append(' ');
            }
            return Encoding.UTF8.GetBytes(sb.ToString());
        });

    private static readonly Gen<byte[]> Inputs = Gen.Frequency(
        (14, Mutated),
        (3, TokenSoup),
        (2, Gen.Byte.Array[0, 600]),
        (1, Gen.String.Select(s => Encoding.UTF8.GetBytes(s))));

    /// <summary>The bytes as lcgw reads them: File.ReadAllText's decoding (UTF-8, or what a BOM says).</summary>
    private static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static string Show(string text) =>
        text.Length > 3000 ? Escape(text[..3000]) + "..." : Escape(text);

    private static string Escape(string s)
    {
        var sb = new StringBuilder();
        foreach (char ch in s)
            sb.Append(char.IsControl(ch) || ch is '\u2028' or '\u2029' ? "\\u" + ((int)ch).ToString("x4") : ch.ToString());
        return sb.ToString();
    }

    [Fact]
    public void Config_Parse_Accepts_Valid_Or_Rejects_With_One_Line_Naming_The_File()
    {
        long accepted = 0, rejected = 0, sensors = 0, mqtt = 0, shares = 0, migrations = 0;
        var reasons = new Dictionary<string, long>();
        Inputs.Sample(bytes =>
        {
            string text = Decode(bytes);
            GatewayConfig config;
            try
            {
                config = GatewayConfig.Parse(text, FileName);
            }
            catch (ConfigException e)
            {
                string m = e.Message;
                if (m.Length <= FileName.Length + 2 || !m.StartsWith(FileName, StringComparison.Ordinal) || Escape(m) != m)
                    throw new InvalidOperationException("config error is not one printable line naming the file: \"" + Escape(m) + "\" for input \"" + Show(text) + "\"");
                rejected++;
                string reason = Reason(m);
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                return;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(e.GetType().Name + " escaped the config reader for input \"" + Show(text) + "\"", e);
            }
            string? broken = Broken(config);
            if (broken != null)
                throw new InvalidOperationException("accepted a config outside its documented bounds (" + broken + "): \"" + Show(text) + "\"");
            accepted++;
            sensors += config.Sensors.Count;
            if (config.Mqtt != null) mqtt++;
            if (config.Share != null) shares++;
            if (config.MigrateUp.Count + config.MigrateDown.Count > 0) migrations++;
        }, iter: Iterations, threads: 1);

        Assert.Equal(Iterations, accepted + rejected);
        Assert.True(accepted > Iterations / 50 && rejected > Iterations / 2, $"accepted {accepted}, rejected {rejected}: the generator is off balance");
        Assert.True(sensors > 0 && mqtt > 0 && shares > 0 && migrations > 0, "no accepted config had a sensor, an MQTT, a share or a migrate section: the generator is too narrow");
        var top = new List<KeyValuePair<string, long>>(reasons);
        top.Sort((x, y) => y.Value.CompareTo(x.Value));
        var sb = new StringBuilder();
        for (int i = 0; i < Math.Min(5, top.Count); i++) sb.Append(i == 0 ? "" : ", ").Append(top[i].Key).Append(' ').Append(top[i].Value);
        if (top.Count > 5) sb.Append(" and ").Append(top.Count - 5).Append(" other reasons");
        TestContext.Current.SendDiagnosticMessage(
            $"gateway config fuzz: {Iterations} inputs, {accepted} accepted ({sensors} sensors, {mqtt} with MQTT, {shares} with a share, {migrations} migrating), {rejected} rejected, 0 exceptions; rejected as: {sb}");
    }

    // Found by the fuzzer: NaN passed "value < min || value > max", and a sensor read every NaN seconds was accepted.
    [Theory]
    [InlineData("NaN")]
    [InlineData("-nan")]
    [InlineData("Infinity")]
    public void Interval_That_Is_Not_A_Finite_Number_Is_Rejected(string interval)
    {
        ConfigException e = Assert.Throws<ConfigException>(() =>
            GatewayConfig.Parse("config sensor\n option type bme280\n option interval '" + interval + "'\nconfig jsonl", "t.conf"));
        Assert.Equal("t.conf:3: interval '" + interval + "' is not a number from 0.1 to 86400", e.Message);
    }

    // Found by the fuzzer: a CR inside a line (not at its end) reached the message and split lcgw's one-line error.
    [Fact]
    public void Control_Characters_From_The_File_Are_Escaped_In_Errors()
    {
        ConfigException e = Assert.Throws<ConfigException>(() => GatewayConfig.Parse("config su\rb\u001b[2J\n", "t.conf"));
        Assert.StartsWith("t.conf:1: unknown section 'config su\\u000db\\u001b[2J' (known:", e.Message);
    }

    // What lcgw can say is wrong, in the words of its messages (GatewayConfig.cs, UciFile.cs); most specific first.
    private static readonly string[] ReasonPhrases =
    [
        "unterminated ' quote", "unterminated \" quote", "before any 'config' line", "expected \"config", "expected \"option", "expected \"list",
        "unknown keyword", "unknown section", "a second 'config", "is set twice", "is an option, not a list", "unknown option",
        "unknown sensor type", "needs \"option type\"", "needs \"option directory\"", "needs \"option channel\"", "is not a multiple of 4", "may not contain MQTT wildcards", "may hold only letters", "empty channel name",
        "is not a boolean", "is not one of", "is not ADDRESS:PORT", "is not a number", "nothing to do", "readings would go nowhere",
        "needs \"option from\"", "needs \"list channel\"", "nothing to migrate", "is already migrated", "bridge it or migrate it", "is not a librecast wire",
    ];

    private static string Reason(string message)
    {
        foreach (string phrase in ReasonPhrases)
            if (message.Contains(phrase, StringComparison.Ordinal)) return phrase;
        return "other";
    }

    /// <summary>Null when every value is inside what docs/deploy.md promises; else which one is not.</summary>
    private static string? Broken(GatewayConfig c)
    {
        if (c.MaxDatagram is < 64 or > 65536) return "max_datagram " + c.MaxDatagram;
        if (c.Site.Length == 0 || c.Site.IndexOfAny(['/', ':']) >= 0) return "site";
        if (c.Node.Length == 0 || c.Node.IndexOfAny(['/', ':']) >= 0) return "node";
        if (c.Channels.Count == 0 && c.Sensors.Count == 0 && c.BridgeUp.Count == 0 && c.BridgeDown.Count == 0 && c.Share == null &&
            c.MigrateUp.Count == 0 && c.MigrateDown.Count == 0) return "nothing to do";
        if (c.Share is { } sh)
        {
            if (sh.Directory.Length == 0 || sh.Channel.Length == 0) return "share directory/channel";
            if (!(sh.RateMbit >= 0.001 && sh.RateMbit <= 100000)) return "share rate " + sh.RateMbit;
            if (sh.SymbolSize is < 4 or > 8192 || sh.SymbolSize % 4 != 0) return "share symbol_size " + sh.SymbolSize;
            if (!(sh.RescanSeconds >= 0 && sh.RescanSeconds <= 86400)) return "share rescan " + sh.RescanSeconds;
            if (sh.MaxBytes is < 1 or > int.MaxValue || sh.MaxFiles is < 1 or > 10000) return "share limits";
        }
        if ((c.Channels.Count > 0 || c.Sensors.Count > 0) && c.JsonLinesPath == null && c.MetricsEndpoint == null && c.Mqtt == null) return "no output";
        foreach (List<string> list in new[] { c.Channels, c.BridgeUp, c.BridgeDown })
        {
            var seen = new HashSet<string>();
            foreach (string name in list)
                if (name.Length == 0 || !seen.Add(name)) return "channel list";
        }
        foreach (List<MigratedChannel> list in new[] { c.MigrateUp, c.MigrateDown })
        {
            var seen = new HashSet<string>();
            foreach (MigratedChannel mc in list)
                if (mc.Name.Length == 0 || !seen.Add(mc.Name) || mc.Old == mc.New || c.BridgeUp.Contains(mc.Name) || c.BridgeDown.Contains(mc.Name)) return "migrate " + mc.Name;
        }
        if (c.Mqtt is { } m)
        {
            if (m.Host.Length == 0 || m.Port is < 1 or > 65535 || m.Qos is < 0 or > 2 || m.ClientId.Length == 0) return "mqtt";
            if (m.TopicPrefix.IndexOfAny(['+', '#']) >= 0) return "topic_prefix";
        }
        foreach (LocalSensorConfig s in c.Sensors)
        {
            if (!(s.IntervalSeconds >= 0.1 && s.IntervalSeconds <= 86400)) return "interval " + s.IntervalSeconds;
            if (s.Spec.Address is < 0x03 or > 0x77 || s.Spec.Bus is < 0 or > 255) return "sensor " + s.Spec;
            if (s.Channel.Length == 0) return "sensor channel";
        }
        try
        {
            c.Describe(); // what --check-config prints
        }
        catch (Exception e)
        {
            return "Describe threw " + e.GetType().Name;
        }
        return null;
    }
}
