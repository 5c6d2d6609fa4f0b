using System;
using System.Collections.Generic;
using System.Device.I2c;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace Librecast.Sensors;

/// <summary>
/// Bosch BME280 (temperature, humidity, pressure) over I2C, in forced mode with x16
/// oversampling: one measurement per <see cref="Read"/>, the chip sleeping in between. The
/// register map and the compensation formulas are the datasheet's (section 5.4, 4.2.2 and the
/// floating-point formulas of section 8.1).
/// Datasheet: https://www.bosch-sensortec.com/media/boschsensortec/downloads/datasheets/bst-bme280-ds002.pdf
/// </summary>
/// <remarks>
/// Written against the datasheet rather than through Iot.Device.Bmxx80: that binding returns
/// UnitsNet quantities, and UnitsNet's converter registers every unit of every quantity by
/// reflection, 4.4 MB of a 13 MB static image (docs/deploy.md, "Where the bytes go").
/// </remarks>
public sealed class Bme280Driver : ISensorDriver
{
    /// <summary>What register 0xD0 holds on a BME280 (a BMP280 answers 0x58).</summary>
    public const byte ChipId = 0x60;

    private const byte RegisterId = 0xD0, RegisterReset = 0xE0, RegisterCtrlHum = 0xF2, RegisterStatus = 0xF3,
        RegisterCtrlMeas = 0xF4, RegisterConfig = 0xF5, RegisterData = 0xF7;
    private const byte Oversampling16 = 0b101;
    // Datasheet 9.1, t_measure,max: 1.25 + 2.3 * osrs_t + (2.3 * osrs_p + 0.575) + (2.3 * osrs_h + 0.575) ms.
    private const int MeasurementMillis = 113;

    private readonly I2cDevice device;
    private readonly byte[] data = new byte[8];
    private readonly Bme280Compensation compensation; // the datasheet's formulas, shared with SimulatedBme280Chip

    /// <summary>Opens the chip on <paramref name="device"/>: checks its id, resets it, reads its trimming parameters.</summary>
    /// <exception cref="IOException">No chip answers, or it is not a BME280 (a BMP280 reports id 0x58).</exception>
    public Bme280Driver(I2cDevice device, string description)
    {
        this.device = device ?? throw new ArgumentNullException(nameof(device));
        Description = description;
        byte id = ReadRegister(RegisterId);
        if (id != ChipId)
            throw new IOException("found a chip with id " + id + " (0x" + id.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) +
                                  ") where a BME280 (id 96, 0x60) was expected" + (id == 0x58 ? "; 0x58 is a BMP280, which measures no humidity" : ""));
        WriteRegister(RegisterReset, 0xB6);
        // After a reset the chip copies its trimming parameters from NVM (status bit 0, ~2 ms).
        Thread.Sleep(2);
        WaitWhile(0x01, 50);

        Span<byte> c = stackalloc byte[26];
        ReadRegisters(0x88, c);
        Span<byte> h = stackalloc byte[7];
        ReadRegisters(0xE1, h);
        compensation = new Bme280Compensation(U16(c, 0), S16(c, 2), S16(c, 4),
            U16(c, 6), S16(c, 8), S16(c, 10), S16(c, 12), S16(c, 14), S16(c, 16), S16(c, 18), S16(c, 20), S16(c, 22),
            c[25], S16(h, 0), h[2],
            ((sbyte)h[3] << 4) | (h[4] & 0x0F), // dig_H4, dig_H5: 12-bit signed, 0xE5 shared
            ((sbyte)h[5] << 4) | (h[4] >> 4),
            (sbyte)h[6]);
        WriteRegister(RegisterConfig, 0); // no IIR filter: each forced measurement stands alone
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    /// <exception cref="IOException">The chip did not answer, or skipped a measurement.</exception>
    public void Read(ICollection<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        // ctrl_hum takes effect only with the following write of ctrl_meas (datasheet 5.4.3).
        WriteRegister(RegisterCtrlHum, Oversampling16);
        WriteRegister(RegisterCtrlMeas, Oversampling16 << 5 | Oversampling16 << 2 | 0b01);
        Thread.Sleep(MeasurementMillis);
        WaitWhile(0x08, 100);
        ReadRegisters(RegisterData, data);
        int adcP = data[0] << 12 | data[1] << 4 | data[2] >> 4;
        int adcT = data[3] << 12 | data[4] << 4 | data[5] >> 4;
        int adcH = data[6] << 8 | data[7];
        if (adcT == 0x80000 || adcP == 0x80000 || adcH == 0x8000)
            throw new IOException("the chip returned no measurement (sampling skipped)");
        double celsius = compensation.Temperature(adcT, out double tFine);
        double pascals = compensation.Pressure(adcP, tFine);
        if (double.IsNaN(pascals)) throw new IOException("the chip's pressure trimming parameters are zero (a damaged part?)");
        readings.Add(new Reading("temperature", "Cel", celsius, 2));
        readings.Add(new Reading("humidity", "%RH", compensation.Humidity(adcH, tFine), 1));
        readings.Add(new Reading("pressure", "Pa", pascals, 0));
    }

    // Polls the status register until the given bit clears, at most timeoutMs.
    private void WaitWhile(byte bit, int timeoutMs)
    {
        long start = Stopwatch.GetTimestamp();
        while ((ReadRegister(RegisterStatus) & bit) != 0)
        {
            if (Stopwatch.GetElapsedTime(start).TotalMilliseconds > timeoutMs)
                throw new IOException("the chip stayed busy for " + timeoutMs + " ms (status register 0xF3)");
            Thread.Sleep(1);
        }
    }

    private byte ReadRegister(byte register)
    {
        Span<byte> one = stackalloc byte[1];
        ReadRegisters(register, one);
        return one[0];
    }

    private void ReadRegisters(byte register, Span<byte> into)
    {
        Span<byte> address = stackalloc byte[1] { register };
        device.WriteRead(address, into);
    }

    private void WriteRegister(byte register, int value)
    {
        Span<byte> write = stackalloc byte[2] { register, (byte)value };
        device.Write(write);
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => (ushort)(b[at] | b[at + 1] << 8);

    private static short S16(ReadOnlySpan<byte> b, int at) => (short)(b[at] | b[at + 1] << 8);

    /// <inheritdoc/>
    public void Dispose() => device.Dispose();
}
