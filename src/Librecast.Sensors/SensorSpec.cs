using System;
using System.Globalization;

namespace Librecast.Sensors;

/// <summary>Where a sensor is: its chip type, I2C bus number and 7-bit address.</summary>
public sealed record SensorSpec(SensorType Type, int Bus, int Address)
{
    /// <summary>The chip's usual address when none is configured.</summary>
    public static int DefaultAddress(SensorType type) => type switch
    {
        SensorType.Bme280 => 0x76,
        SensorType.Sht3x => 0x44,
        SensorType.Bh1750 => 0x23,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Parses a type name as written in the config: <c>bme280</c>, <c>sht3x</c>, <c>bh1750</c>.</summary>
    public static bool TryParseType(string text, out SensorType type)
    {
        switch (text.ToLowerInvariant())
        {
            case "bme280": type = SensorType.Bme280; return true;
            case "sht3x": case "sht30": case "sht31": case "sht35": type = SensorType.Sht3x; return true;
            case "bh1750": case "bh1750fvi": type = SensorType.Bh1750; return true;
            default: type = default; return false;
        }
    }

    /// <summary>The type names the config accepts, for error messages.</summary>
    public const string TypeNames = "bme280, sht3x, bh1750";

    /// <summary><c>bme280 on i2c-1 at 0x76</c>.</summary>
    public override string ToString() =>
        Type.ToString().ToLowerInvariant() + " on i2c-" + Bus.ToString(CultureInfo.InvariantCulture) + " at 0x" + Address.ToString("x2", CultureInfo.InvariantCulture);
}
