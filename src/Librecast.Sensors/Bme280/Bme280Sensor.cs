using System.Collections.Generic;
using System.Device.I2c;
using System.IO;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.ReadResult;

namespace Librecast.Sensors;

/// <summary>
/// Bosch BME280 (temperature, humidity, pressure) through Iot.Device.Bmxx80, in forced mode:
/// one measurement per <see cref="Read"/>, the chip sleeping in between.
/// Datasheet: https://www.bosch-sensortec.com/media/boschsensortec/downloads/datasheets/bst-bme280-ds002.pdf
/// </summary>
public sealed class Bme280Sensor : ISensor
{
    private readonly Bme280 chip;

    /// <summary>Opens the chip on <paramref name="device"/>: checks its id, reads its calibration.</summary>
    /// <exception cref="IOException">No chip answers, or it is not a BME280 (a BMP280 reports id 0x58).</exception>
    public Bme280Sensor(I2cDevice device, string description)
    {
        Description = description;
        chip = new Bme280(device)
        {
            TemperatureSampling = Sampling.UltraHighResolution,
            PressureSampling = Sampling.UltraHighResolution,
            HumiditySampling = Sampling.UltraHighResolution,
        };
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public void Read(ICollection<Reading> readings)
    {
        Bme280ReadResult r = chip.Read();
        if (r.Temperature is null || r.Pressure is null || r.Humidity is null)
            throw new IOException(Description + ": the chip returned no measurement (sampling skipped)");
        readings.Add(new Reading("temperature", "Cel", r.Temperature.Value.DegreesCelsius, 2));
        readings.Add(new Reading("humidity", "%RH", r.Humidity.Value.Percent, 1));
        readings.Add(new Reading("pressure", "Pa", r.Pressure.Value.Pascals, 0));
    }

    /// <inheritdoc/>
    public void Dispose() => chip.Dispose();
}
