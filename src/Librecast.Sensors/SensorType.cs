namespace Librecast.Sensors;

/// <summary>The sensor chips lcgw can read.</summary>
public enum SensorType
{
    /// <summary>Bosch BME280: temperature, humidity, pressure (I2C 0x76 or 0x77).</summary>
    Bme280,

    /// <summary>Sensirion SHT30/31/35: temperature, humidity (I2C 0x44 or 0x45).</summary>
    Sht3x,

    /// <summary>ROHM BH1750FVI: ambient light (I2C 0x23 or 0x5C).</summary>
    Bh1750,
}
