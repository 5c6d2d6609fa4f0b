using System.Text;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// How lcgw names MQTT topics. A channel name may hold anything but control characters, a SenML
/// name letters, digits and <c>- : . / _</c>; MQTT forbids the wildcards <c>+ #</c> and U+0000 in a
/// published topic, reserves a leading <c>$</c> for the broker, and limits a topic to 65,535
/// UTF-8 bytes. <see cref="Safe"/> replaces each forbidden character with <c>_</c>; a topic
/// still too long is not sent (dropped and counted as <c>topic_too_long</c>).
/// </summary>
public static class MqttTopics
{
    /// <summary>Longest topic MQTT can carry, in UTF-8 bytes.</summary>
    public const int MaxTopicBytes = 65535;

    /// <summary><paramref name="level"/> with <c>+</c>, <c>#</c> and control characters replaced by <c>_</c>.</summary>
    public static string Safe(string level)
    {
        bool clean = true;
        foreach (char c in level)
            if (Forbidden(c)) { clean = false; break; }
        if (clean) return level;
        var sb = new StringBuilder(level.Length);
        foreach (char c in level) sb.Append(Forbidden(c) ? '_' : c);
        return sb.ToString();
    }

    private static bool Forbidden(char c) => c == '+' || c == '#' || char.IsControl(c);

    /// <summary>The topic of a channel's SenML pack: <c>PREFIX + CHANNEL</c>, made safe; a leading <c>$</c> becomes <c>_</c>.</summary>
    public static string Pack(string prefix, string channel)
    {
        string topic = prefix + Safe(channel);
        return topic.Length > 0 && topic[0] == '$' ? "_" + topic.Substring(1) : topic;
    }

    /// <summary>
    /// The topic of one record's bare value: the pack topic, <c>/</c>, and the record's resolved
    /// SenML name (base name + name: <c>urn:dev:lc:site1:node1:temperature</c>), so two devices
    /// on one channel never share a topic.
    /// </summary>
    public static string Value(string packTopic, string resolvedName) => packTopic + "/" + Safe(resolvedName);

    /// <summary>The topic of one record's JSON state (<c>{"value":..,"unit":..,"time":..}</c>): the value topic + <c>/state</c>.</summary>
    public static string State(string valueTopic) => valueTopic + "/state";

    /// <summary>True if <paramref name="topic"/> fits MQTT's length limit.</summary>
    public static bool FitsLength(string topic) =>
        topic.Length <= MaxTopicBytes / 3 || Encoding.UTF8.GetByteCount(topic) <= MaxTopicBytes;

    /// <summary>
    /// An identifier Home Assistant accepts as node or object id (<c>[a-zA-Z0-9_-]</c>): other
    /// characters become <c>_</c>, and a short hash of the exact text keeps two texts that map to
    /// the same letters apart (<c>a:b</c> and <c>a.b</c>).
    /// </summary>
    public static string Id(string text)
    {
        var sb = new StringBuilder(text.Length + 9);
        foreach (char c in text)
            sb.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' ? c : '_');
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) h = unchecked((h ^ b) * 16777619);
        return sb.Append('_').Append(h.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)).ToString();
    }
}
