using System.Collections.Generic;
using System.Device.I2c;
using Iot.Device.Bh1750fvi;

namespace Librecast.Sensors;

/// <summary>
/// ROHM BH1750FVI ambient light sensor through Iot.Device.Bh1750fvi, continuous high resolution
/// mode (a read returns the last finished 120 ms measurement; the binding does not wait, so the
/// one-time modes would read before the chip is done).
/// Datasheet: https://www.mouser.com/datasheet/2/348/bh1750fvi-e-186247.pdf
/// </summary>
public sealed class Bh1750Sensor : ISensor
{
    private readonly Bh1750fvi chip;

    /// <summary>Opens the chip on <paramref name="device"/> (power on, reset, default measurement time).</summary>
    /// <exception cref="System.IO.IOException">No chip answers.</exception>
    public Bh1750Sensor(I2cDevice device, string description)
    {
        Description = description;
        chip = new Bh1750fvi(device, MeasuringMode.ContinuouslyHighResolutionMode);
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public void Read(ICollection<Reading> readings) =>
        readings.Add(new Reading("illuminance", "lx", chip.Illuminance.Lux, 1));

    /// <inheritdoc/>
    public void Dispose() => chip.Dispose();
}
