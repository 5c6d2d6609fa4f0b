using System.IO;
using System.Text.Json;
using Librecast.Gateway.Senml;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// Home Assistant MQTT discovery: one retained config message per series, at
/// <c>DISCOVERY_PREFIX/sensor/NODE_ID/OBJECT_ID/config</c> (<c>binary_sensor</c> for SenML
/// booleans), naming the device (the record's SenML base name), its device_class and unit where
/// SenML's unit says it, the JSON state topic, a unique_id, and lcgw's availability topic (its
/// MQTT last will: <c>offline</c> when lcgw vanishes, <c>online</c> while it is connected).
/// </summary>
internal static class HomeAssistant
{
    /// <summary>Home Assistant's unit and device class for a SenML unit (RFC 8428 section 12.1), or the unit as it is and no class.</summary>
    public static (string? Unit, string? DeviceClass) Map(string? senmlUnit) => senmlUnit switch
    {
        null => (null, null),
        "Cel" => ("°C", "temperature"),
        "K" => ("K", "temperature"),
        "%RH" => ("%", "humidity"),
        "Pa" => ("Pa", "pressure"),
        "lx" => ("lx", "illuminance"),
        "V" => ("V", "voltage"),
        "A" => ("A", "current"),
        "W" => ("W", "power"),
        "J" => ("J", "energy"),
        "Wh" => ("Wh", "energy"),
        "Hz" => ("Hz", "frequency"),
        "%EL" => ("%", "battery"),
        "dBW" => ("dBW", null),
        "ppm" => ("ppm", null),
        _ => (senmlUnit, null),
    };

    /// <summary>The device a record belongs to: its SenML base name (without a trailing separator), else its name up to the last ':', else the channel.</summary>
    public static string Device(SenmlRecord r, string channel)
    {
        string baseName = r.Name.Substring(0, r.Name.Length - r.ShortName.Length).TrimEnd(':', '/', '.', '-', '_');
        if (baseName.Length > 0) return baseName;
        int colon = r.Name.LastIndexOf(':');
        return colon > 0 ? r.Name.Substring(0, colon) : channel;
    }

    /// <summary>The discovery topic and retained config payload for record <paramref name="r"/>, or null for a kind HA cannot show (data).</summary>
    public static (string Topic, byte[] Payload)? Config(string discoveryPrefix, string gatewayId, string availabilityTopic, string stateTopic, string channel, SenmlRecord r)
    {
        string component = r.Kind == SenmlValueKind.Boolean ? "binary_sensor" : r.Kind == SenmlValueKind.Data ? "" : "sensor";
        if (component.Length == 0) return null;
        string device = Device(r, channel);
        string objectId = MqttTopics.Id(channel + "/" + r.Name);
        string shortName = r.ShortName.Length > 0 ? r.ShortName : r.Name;
        (string? unit, string? deviceClass) = Map(r.Unit);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", shortName);
            json.WriteString("unique_id", "lcgw_" + objectId);
            json.WriteString("state_topic", stateTopic);
            if (r.Kind == SenmlValueKind.Boolean)
            {
                json.WriteString("value_template", "{{ 'ON' if value_json.value else 'OFF' }}");
            }
            else
            {
                json.WriteString("value_template", "{{ value_json.value }}");
                if (r.Kind == SenmlValueKind.Number || r.Kind == SenmlValueKind.None)
                {
                    if (unit != null) json.WriteString("unit_of_measurement", unit);
                    json.WriteString("state_class", "measurement");
                }
            }
            if (deviceClass != null && r.Kind != SenmlValueKind.String) json.WriteString("device_class", deviceClass);
            json.WriteString("json_attributes_topic", stateTopic);
            json.WriteString("availability_topic", availabilityTopic);
            json.WriteString("payload_available", "online");
            json.WriteString("payload_not_available", "offline");
            json.WriteStartObject("device");
            json.WriteStartArray("identifiers");
            json.WriteStringValue("lcgw_" + MqttTopics.Id(device));
            json.WriteEndArray();
            json.WriteString("name", device);
            json.WriteString("manufacturer", "LibrecastIoT");
            json.WriteString("model", "SenML on librecast channel " + channel);
            json.WriteString("via_device", "lcgw_" + gatewayId);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return (discoveryPrefix + "/" + component + "/" + gatewayId + "/" + objectId + "/config", buffer.ToArray());
    }
}
