using System;
using System.Collections.Generic;
using System.Device.I2c;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace Librecast.Sensors;

/// <summary>
/// ROHM BH1750FVI ambient light sensor over I2C, continuous high-resolution mode (1 lx per
/// count at the default measurement time): a read returns the last finished measurement; the
/// first one is waited for (180 ms at most, datasheet page 2).
/// Datasheet: https://www.mouser.com/datasheet/2/348/bh1750fvi-e-186247.pdf
/// </summary>
public sealed class Bh1750Driver : ISensorDriver
{
    private const byte PowerOn = 0x01, Reset = 0x07, ContinuousHighResolution = 0x10;
    private const int FirstMeasurementMillis = 180;

    private readonly I2cDevice device;
    private readonly byte[] result = new byte[2];
    private readonly long started;

    /// <summary>Opens the chip on <paramref name="device"/>: power on, reset, continuous high-resolution mode.</summary>
    /// <exception cref="IOException">No chip answers.</exception>
    public Bh1750Driver(I2cDevice device, string description)
    {
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        Description = description;
        Instruction(PowerOn);
        Instruction(Reset); // clears the data register; accepted only when powered on
        Instruction(ContinuousHighResolution);
        started = Stopwatch.GetTimestamp();
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    /// <exception cref="IOException">The chip did not answer.</exception>
    public void Read(ICollection<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        int wait = FirstMeasurementMillis - (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (wait > 0) Thread.Sleep(wait);
        device.Read(result);
        // Datasheet page 7: lx = count / 1.2 at the default measurement time (MTreg 69).
        readings.Add(new Reading("illuminance", "lx", (result[0] << 8 | result[1]) / 1.2, 1));
    }

    /// <inheritdoc/>
    public void Dispose() => device.Dispose();

    private void Instruction(byte opcode)
    {
        Span<byte> one = stackalloc byte[1] { opcode };
        device.Write(one);
    }
}
