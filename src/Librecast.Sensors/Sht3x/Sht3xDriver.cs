using System;
using System.Collections.Generic;
using System.Device.I2c;
using System.IO;
using System.Threading;

namespace Librecast.Sensors;

/// <summary>
/// Sensirion SHT3x (temperature, humidity) over I2C: one single-shot measurement per
/// <see cref="Read"/>, high repeatability, no clock stretching; each 16-bit word is checked
/// against its CRC-8, and a bad one is an error, never a stale or corrupt value.
/// Datasheet: https://sensirion.com/media/documents/213E6A3B/63A5A569/Datasheet_SHT3x_DIS.pdf
/// </summary>
public sealed class Sht3xDriver : ISensorDriver
{
    private const ushort SoftReset = 0x30A2;
    private const ushort SingleShotHighNoStretch = 0x2400;
    // Datasheet table 4: high repeatability takes at most 15.5 ms.
    private const int MeasurementMillis = 16;

    private readonly I2cDevice device;
    private readonly byte[] frame = new byte[6];

    /// <summary>Opens the chip on <paramref name="device"/> (soft reset).</summary>
    /// <exception cref="IOException">No chip answers.</exception>
    public Sht3xDriver(I2cDevice device, string description)
    {
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        Description = description;
        Command(SoftReset);
        Thread.Sleep(2); // datasheet table 4: 1.5 ms until the chip takes commands again
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    /// <exception cref="IOException">The chip did not answer, or a word failed its CRC.</exception>
    public void Read(ICollection<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        Command(SingleShotHighNoStretch);
        Thread.Sleep(MeasurementMillis);
        device.Read(frame);
        if (Crc8(frame[0], frame[1]) != frame[2] || Crc8(frame[3], frame[4]) != frame[5])
            throw new IOException("measurement failed its CRC check (noise on the bus, or a loose wire)");
        // Datasheet 4.13: T = -45 + 175 * S_T / (2^16 - 1); RH = 100 * S_RH / (2^16 - 1).
        double celsius = -45 + 175.0 * (frame[0] << 8 | frame[1]) / 65535;
        double percent = 100.0 * (frame[3] << 8 | frame[4]) / 65535;
        readings.Add(new Reading("temperature", "Cel", celsius, 1));
        readings.Add(new Reading("humidity", "%RH", percent, 1));
    }

    /// <inheritdoc/>
    public void Dispose() => device.Dispose();

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

    private void Command(ushort command)
    {
        Span<byte> bytes = stackalloc byte[2] { (byte)(command >> 8), (byte)command };
        device.Write(bytes);
    }
}
