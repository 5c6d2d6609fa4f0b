using System;

namespace Librecast.Sensors.Simulated;

/// <summary>
/// A BME280 as its datasheet describes it: chip id 0x60 at 0xD0, trimming parameters at
/// 0x88..0xA1 and 0xE1..0xE7, ctrl_hum 0xF2, ctrl_meas 0xF4 (writing forced mode takes one
/// measurement and returns to sleep), raw data 0xF7..0xFE (20-bit pressure and temperature,
/// 16-bit humidity, big-endian). Physical values are turned into the raw ADC values that the
/// datasheet's compensation formulas map back to them (the driver's own definition,
/// <see cref="Bme280Compensation"/>), so any correct driver reads them.
/// </summary>
public sealed class SimulatedBme280Chip : RegisterChip
{
    /// <summary>SDO to ground.</summary>
    public const int DefaultAddress = 0x76;

    // Trimming parameters: T and P from the BMP280 datasheet's worked example (section 3.12, same
    // formulas as the BME280); H typical of real parts.
    private ushort t1 = 27504; private short t2 = 26435, t3 = -1000;
    private ushort p1 = 36477; private short p2 = -10685, p3 = 3024, p4 = 2855, p5 = 140, p6 = -7, p7 = 15500, p8 = -14600, p9 = 6000;
    private byte h1 = 75; private short h2 = 362; private byte h3 = 0; private short h4 = 313, h5 = 50; private sbyte h6 = 30;

    private int? rawT, rawP, rawH;
    private Bme280Compensation compensation = null!; // set with the trimming (WriteCalibration)

    /// <summary>Creates the chip in sleep mode with its trimming parameters burnt in.</summary>
    public SimulatedBme280Chip()
    {
        Registers[0xD0] = 0x60;
        WriteCalibration();
    }

    /// <summary>The id register 0xD0: 0x60 for a BME280; set 0x58 to play a BMP280 (no humidity).</summary>
    public byte ChipId
    {
        get => Registers[0xD0];
        set => Registers[0xD0] = value;
    }

    /// <summary>Temperature the chip measures, °C.</summary>
    public double Celsius { get; set; } = 20;

    /// <summary>Relative humidity the chip measures, %.</summary>
    public double HumidityPercent { get; set; } = 50;

    /// <summary>Pressure the chip measures, Pa.</summary>
    public double Pascals { get; set; } = 101325;

    /// <summary>Measurements made (forced-mode triggers).</summary>
    public int Measurements { get; private set; }

    /// <summary>Makes the next measurements return these raw ADC values instead of the physical ones (the datasheet's example: 519888, 415148).</summary>
    public void SetRaw(int adcT, int adcP, int adcH)
    {
        rawT = adcT;
        rawP = adcP;
        rawH = adcH;
    }

    /// <summary>
    /// Burns other trimming parameters in (a part from another wafer): the datasheet's types
    /// (table 16), H4 and H5 12-bit signed, stored as in the register map (0xE4..0xE6 shared).
    /// </summary>
    public void SetTrimming(ushort digT1, short digT2, short digT3,
        ushort digP1, short digP2, short digP3, short digP4, short digP5, short digP6, short digP7, short digP8, short digP9,
        byte digH1, short digH2, byte digH3, short digH4, short digH5, sbyte digH6)
    {
        if (digH4 is < -2048 or > 2047) throw new ArgumentOutOfRangeException(nameof(digH4), "dig_H4 is 12-bit signed");
        if (digH5 is < -2048 or > 2047) throw new ArgumentOutOfRangeException(nameof(digH5), "dig_H5 is 12-bit signed");
        t1 = digT1; t2 = digT2; t3 = digT3;
        p1 = digP1; p2 = digP2; p3 = digP3; p4 = digP4; p5 = digP5; p6 = digP6; p7 = digP7; p8 = digP8; p9 = digP9;
        h1 = digH1; h2 = digH2; h3 = digH3; h4 = digH4; h5 = digH5; h6 = digH6;
        WriteCalibration();
    }

    /// <inheritdoc/>
    protected override void OnRegisterWritten(int register, byte value)
    {
        switch (register)
        {
            case 0xE0 when value == 0xB6: // soft reset: control registers back to 0, trimming kept
                Registers[0xF2] = Registers[0xF4] = Registers[0xF5] = 0;
                break;
            case 0xF4 when (value & 0x03) == 0x01 || (value & 0x03) == 0x02: // forced mode
                Measure();
                Registers[0xF4] = (byte)(value & 0xFC); // back to sleep when done
                break;
            case 0xF4 when (value & 0x03) == 0x03: // normal mode: keep data fresh
                Measure();
                break;
        }
    }

    private void Measure()
    {
        Measuring();
        Measurements++;
        Bme280Compensation c = compensation; // the driver's own formulas, from this part's trimming words
        int adcT = rawT ?? Invert(x => c.Temperature(x, out _), Celsius, 0, (1 << 20) - 1);
        c.Temperature(adcT, out double tFine);
        int adcP = rawP ?? Invert(x => -c.Pressure(x, tFine), -Pascals, 0, (1 << 20) - 1); // NaN (dig_P1 0): 0, which the driver refuses
        int adcH = rawH ?? Invert(x => c.Humidity(x, tFine), Math.Clamp(HumidityPercent, 0, 100), 0, 65535);
        Registers[0xF7] = (byte)(adcP >> 12); Registers[0xF8] = (byte)(adcP >> 4); Registers[0xF9] = (byte)((adcP & 0xF) << 4);
        Registers[0xFA] = (byte)(adcT >> 12); Registers[0xFB] = (byte)(adcT >> 4); Registers[0xFC] = (byte)((adcT & 0xF) << 4);
        Registers[0xFD] = (byte)(adcH >> 8); Registers[0xFE] = (byte)adcH;
    }

    // Smallest x in [lo, hi] with f(x) >= target, f increasing.
    private static int Invert(Func<int, double> f, double target, int lo, int hi)
    {
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (f(mid) < target) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private void WriteCalibration()
    {
        compensation = new Bme280Compensation(t1, t2, t3, p1, p2, p3, p4, p5, p6, p7, p8, p9, h1, h2, h3, h4, h5, h6);
        void U16(int at, int v) { Registers[at] = (byte)v; Registers[at + 1] = (byte)(v >> 8); }
        U16(0x88, t1); U16(0x8A, t2); U16(0x8C, t3);
        U16(0x8E, p1); U16(0x90, p2); U16(0x92, p3); U16(0x94, p4); U16(0x96, p5);
        U16(0x98, p6); U16(0x9A, p7); U16(0x9C, p8); U16(0x9E, p9);
        Registers[0xA1] = h1;
        U16(0xE1, h2);
        Registers[0xE3] = h3;
        Registers[0xE4] = (byte)(h4 >> 4);
        Registers[0xE5] = (byte)((h4 & 0x0F) | ((h5 & 0x0F) << 4));
        Registers[0xE6] = (byte)(h5 >> 4);
        Registers[0xE7] = (byte)h6;
    }
}
