using System;
using System.Collections.Generic;
using System.Device.I2c;
using System.IO;

namespace Librecast.Sensors;

/// <summary>
/// Sensirion SHT3x (temperature, humidity) through Iot.Device.Sht3x, high repeatability.
/// Datasheet: https://sensirion.com/media/documents/213E6A3B/63A5A569/Datasheet_SHT3x_DIS.pdf
/// </summary>
/// <remarks>
/// Iot.Device.Sht3x ignores a failed CRC by returning the previous value. A stale reading
/// published as fresh is worse than none, so the device is wrapped in <see cref="CrcCheckedDevice"/>,
/// which turns a bad CRC into an <see cref="IOException"/>.
/// </remarks>
public sealed class Sht3xSensor : ISensor
{
    private readonly Iot.Device.Sht3x.Sht3x chip;

    /// <summary>Opens the chip on <paramref name="device"/> (soft reset).</summary>
    /// <exception cref="IOException">No chip answers.</exception>
    public Sht3xSensor(I2cDevice device, string description)
    {
        Description = description;
        chip = new Iot.Device.Sht3x.Sht3x(new CrcCheckedDevice(device, description), Iot.Device.Sht3x.Resolution.High);
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public void Read(ICollection<Reading> readings)
    {
        // Each property is one single-shot measurement of both values.
        double celsius = chip.Temperature.DegreesCelsius;
        double percent = chip.Humidity.Percent;
        readings.Add(new Reading("temperature", "Cel", celsius, 1));
        readings.Add(new Reading("humidity", "%RH", percent, 1));
    }

    /// <inheritdoc/>
    public void Dispose() => chip.Dispose();

    /// <summary>SHT3x CRC-8 (polynomial 0x31, init 0xFF) of two bytes; the datasheet's example: 0xBEEF gives 0x92.</summary>
    public static byte Crc8(byte msb, byte lsb)
    {
        int crc = 0xFF;
        crc ^= msb;
        for (int i = 0; i < 8; i++) crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x31) & 0xFF : (crc << 1) & 0xFF;
        crc ^= lsb;
        for (int i = 0; i < 8; i++) crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x31) & 0xFF : (crc << 1) & 0xFF;
        return (byte)crc;
    }

    /// <summary>Passes I2C traffic through and checks the CRC of every 6-byte measurement read.</summary>
    private sealed class CrcCheckedDevice(I2cDevice inner, string description) : I2cDevice
    {
        public override I2cConnectionSettings ConnectionSettings => inner.ConnectionSettings;

        public override void Read(Span<byte> buffer)
        {
            inner.Read(buffer);
            if (buffer.Length == 6 && (Crc8(buffer[0], buffer[1]) != buffer[2] || Crc8(buffer[3], buffer[4]) != buffer[5]))
                throw new IOException(description + ": measurement failed its CRC check (noise on the bus, or a loose wire)");
        }

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => inner.WriteRead(writeBuffer, readBuffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
