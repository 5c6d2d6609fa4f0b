// What each part of a NativeAOT image costs, from the compiler's map file.
//   dotnet run tools/size/mapsize.cs -- MAP.xml [--top N] [--assembly NAME] [--grep TEXT]...
// MAP.xml is written by `dotnet publish ... -p:PublishAot=true -p:IlcGenerateMapFile=true` to
// obj/Release/net10.0/RID/native/NAME.map.xml; the compiler's response file NAME.ilc.rsp next to
// it names every input assembly. Every node of the image (method code, GC info, type, static
// data, frozen object, metadata blob...) is charged to the first input assembly whose mangled
// name it carries (the defining type; a generic instantiation goes to the generic's assembly), or
// to its node kind when it names none (reflection metadata, stack-trace map, frozen objects...).
// `--assembly NAME` splits one assembly by namespace; each `--grep TEXT` also sums every node
// whose name contains TEXT anywhere (what UnitsNet costs including CoreLib generics over it).
// Sizes are before the linker lays the sections out and strips symbols: they sum to a little
// more than the file (see docs/deploy.md, "Where the bytes go").
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml;

if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: dotnet run tools/size/mapsize.cs -- MAP.xml [--top N] [--assembly NAME] [--grep TEXT]...");
    return 2;
}
string map = args[0];
int top = 25;
string? split = null;
var greps = new List<string>();
for (int i = 1; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException(args[i] + " needs a value");
    switch (args[i])
    {
        case "--top": top = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        case "--assembly": split = value; break;
        case "--grep": greps.Add(value); break;
        default: Console.Error.WriteLine("mapsize: unknown option " + args[i]); return 2;
    }
    i++;
}

// The input assemblies, from the compiler's response file: "-r:path" references and the main one.
string rsp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(map))!, Path.GetFileName(map).Replace(".map.xml", ".ilc.rsp"));
if (!File.Exists(rsp))
{
    Console.Error.WriteLine("mapsize: " + rsp + " not found (it is written next to the map by the same publish)");
    return 1;
}
var assemblies = new List<string>();
foreach (string line in File.ReadLines(rsp))
{
    if (line.StartsWith("-r:", StringComparison.Ordinal)) assemblies.Add(Path.GetFileNameWithoutExtension(line[3..]));
    else if (line.EndsWith(".dll", StringComparison.Ordinal) && !line.StartsWith('-')) assemblies.Add(Path.GetFileNameWithoutExtension(line));
}
// The compiler's mangling of an assembly name: System.Private.X becomes S_P_X, dots become '_'.
static string Mangle(string assembly) =>
    (assembly.StartsWith("System.Private.", StringComparison.Ordinal) ? "S_P_" + assembly["System.Private.".Length..] : assembly).Replace('.', '_') + "_";
// Longest first, so System_Net_Http_ wins over System_Net_.
var prefixes = assemblies.Distinct().Select(a => (Assembly: a, Prefix: Mangle(a))).OrderByDescending(p => p.Prefix.Length).ToArray();

var byOwner = new Dictionary<string, long>();
var byNamespace = new Dictionary<string, long>();
var byGrep = new Dictionary<string, long>();
long total = 0;
using (XmlReader reader = XmlReader.Create(map))
{
    while (reader.Read())
    {
        if (reader.NodeType != XmlNodeType.Element || reader.Name == "ObjectNodes") continue;
        string? name = reader.GetAttribute("Name");
        string? length = reader.GetAttribute("Length");
        if (name == null || length == null) continue;
        long bytes = long.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
        total += bytes;
        (string owner, int at, string prefix) = Owner(name, reader.Name);
        byOwner[owner] = byOwner.GetValueOrDefault(owner) + bytes;
        if (split != null && owner == split)
        {
            // Namespace: the mangled name's first two words after the prefix (UnitsNet_Units...).
            string rest = name[(at + prefix.Length)..];
            string[] words = rest.Split('_', StringSplitOptions.RemoveEmptyEntries);
            string ns = string.Join('.', words.Take(Math.Min(2, words.Length)));
            byNamespace[ns] = byNamespace.GetValueOrDefault(ns) + bytes;
        }
        foreach (string g in greps)
            if (name.Contains(g, StringComparison.Ordinal)) byGrep[g] = byGrep.GetValueOrDefault(g) + bytes;
    }
}

(string, int, string) Owner(string name, string kind)
{
    int best = int.MaxValue;
    string owner = "(" + kind + ")", prefix = "";
    foreach ((string assembly, string p) in prefixes)
    {
        for (int at = name.IndexOf(p, StringComparison.Ordinal); at >= 0 && at < best; at = name.IndexOf(p, at + 1, StringComparison.Ordinal))
        {
            // The prefix must start a mangled word, not sit inside one (MQTTnet_ in XMQTTnet_).
            if (at == 0 || !char.IsLetter(name[at - 1]))
            {
                best = at;
                owner = assembly;
                prefix = p;
                break;
            }
        }
    }
    return (owner, best == int.MaxValue ? 0 : best, prefix);
}

Console.WriteLine($"{map}: {total:N0} bytes in nodes");
Console.WriteLine("by assembly (node kind where no assembly is named):");
foreach (var (owner, bytes) in byOwner.OrderByDescending(p => p.Value).Take(top))
    Console.WriteLine($"  {bytes,12:N0}  {100.0 * bytes / total,5:F1}%  {owner}");
if (split != null)
{
    Console.WriteLine($"{split} by namespace:");
    foreach (var (ns, bytes) in byNamespace.OrderByDescending(p => p.Value).Take(top))
        Console.WriteLine($"  {bytes,12:N0}  {ns}");
}
foreach (string g in greps)
    Console.WriteLine($"nodes whose name contains '{g}': {byGrep.GetValueOrDefault(g):N0} bytes");
return 0;
