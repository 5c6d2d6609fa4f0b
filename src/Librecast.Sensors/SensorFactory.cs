using System;
using System.Device.I2c;
using System.IO;

namespace Librecast.Sensors;

/// <summary>Opens the right reader for a <see cref="SensorSpec"/>.</summary>
public static class SensorFactory
{
    /// <summary>Opens the I2C device and the chip behind it.</summary>
    /// <exception cref="IOException">No bus, no chip at the address, or the wrong chip; the message names the sensor.</exception>
    public static ISensorDriver Open(SensorSpec spec, II2cDeviceSource source)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(source);
        string what = spec.ToString();
        I2cDevice device = source.Open(spec.Bus, spec.Address);
        try
        {
            return spec.Type switch
            {
                SensorType.Bme280 => new Bme280Driver(device, what),
                SensorType.Sht3x => new Sht3xDriver(device, what),
                SensorType.Bh1750 => new Bh1750Driver(device, what),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), "unknown sensor type " + spec.Type),
            };
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}
