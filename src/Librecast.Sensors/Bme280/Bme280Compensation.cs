using System;

namespace Librecast.Sensors;

/// <summary>
/// The BME280 datasheet's floating-point compensation formulas (section 8.1) for one part's
/// trimming parameters (table 16): raw ADC values to °C, Pa and %RH. The one definition both
/// <see cref="Bme280Driver"/> (reading a chip) and <c>Simulated.SimulatedBme280Chip</c> (inverting
/// them to make raw values) use, so the two cannot drift apart. Decoding the trimming words from
/// the registers stays with each side (the driver reads them, the simulator writes them), so the
/// cross tests against dotnet/iot still check that decoding.
/// </summary>
internal sealed class Bme280Compensation
{
    private readonly double t1, t2, t3, p1, p2, p3, p4, p5, p6, p7, p8, p9, h1, h2, h3, h4, h5, h6;

    /// <summary>The trimming words dig_T1..dig_H6 as the datasheet types them (H4 and H5 already sign-extended 12-bit).</summary>
    public Bme280Compensation(double digT1, double digT2, double digT3,
        double digP1, double digP2, double digP3, double digP4, double digP5, double digP6, double digP7, double digP8, double digP9,
        double digH1, double digH2, double digH3, double digH4, double digH5, double digH6)
    {
        t1 = digT1; t2 = digT2; t3 = digT3;
        p1 = digP1; p2 = digP2; p3 = digP3; p4 = digP4; p5 = digP5; p6 = digP6; p7 = digP7; p8 = digP8; p9 = digP9;
        h1 = digH1; h2 = digH2; h3 = digH3; h4 = digH4; h5 = digH5; h6 = digH6;
    }

    /// <summary>°C from the raw temperature, and t_fine, which the other two formulas need.</summary>
    public double Temperature(int adc, out double tFine)
    {
        double var1 = (adc / 16384.0 - t1 / 1024.0) * t2;
        double var2 = (adc / 131072.0 - t1 / 8192.0) * (adc / 131072.0 - t1 / 8192.0) * t3;
        tFine = var1 + var2;
        return tFine / 5120.0;
    }

    /// <summary>Pa from the raw pressure; NaN when the trimming makes the formula divide by zero (the datasheet's code returns 0 there: a damaged part).</summary>
    public double Pressure(int adc, double tFine)
    {
        double var1 = tFine / 2.0 - 64000.0;
        double var2 = var1 * var1 * p6 / 32768.0;
        var2 += var1 * p5 * 2.0;
        var2 = var2 / 4.0 + p4 * 65536.0;
        var1 = (p3 * var1 * var1 / 524288.0 + p2 * var1) / 524288.0;
        var1 = (1.0 + var1 / 32768.0) * p1;
        if (var1 == 0) return double.NaN;
        double p = 1048576.0 - adc;
        p = (p - var2 / 4096.0) * 6250.0 / var1;
        var1 = p9 * p * p / 2147483648.0;
        var2 = p * p8 / 32768.0;
        return p + (var1 + var2 + p7) / 16.0;
    }

    /// <summary>%RH from the raw humidity, limited to 0..100.</summary>
    public double Humidity(int adc, double tFine)
    {
        double h = tFine - 76800.0;
        h = (adc - (h4 * 64.0 + h5 / 16384.0 * h)) * (h2 / 65536.0 * (1.0 + h6 / 67108864.0 * h * (1.0 + h3 / 67108864.0 * h)));
        h *= 1.0 - h1 * h / 524288.0;
        return Math.Clamp(h, 0, 100);
    }
}
