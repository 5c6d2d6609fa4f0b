using System;

namespace Librecast.Sensors.Simulated;

/// <summary>
/// A BH1750FVI as its datasheet describes it: 1-byte instructions (power down/on, reset,
/// measurement-time high/low bits, the six measurement modes) and a 2-byte big-endian result,
/// lux = count / 1.2 × (69 / MTreg) in H-resolution mode.
/// </summary>
public sealed class SimulatedBh1750Chip : SimulatedChip
{
    /// <summary>ADDR pin low.</summary>
    public const int DefaultAddress = 0x23;

    private bool powered;
    private int mtreg = 69;
    private int mode;
    private int? raw;

    /// <summary>Illuminance the chip measures, lx.</summary>
    public double Lux { get; set; } = 100;

    /// <summary>Makes reads return this raw count (the datasheet's example: 0x8390 is 28067 lx).</summary>
    public void SetRaw(int count) => raw = count;

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            if (b == 0x00) powered = false;
            else if (b == 0x01) powered = true;
            else if (b == 0x07) { if (!powered) throw Nack("BH1750 reset needs power on first"); }
            else if ((b & 0xF8) == 0x40) mtreg = (mtreg & 0x1F) | ((b & 0x07) << 5);
            else if ((b & 0xE0) == 0x60) mtreg = (mtreg & 0xE0) | (b & 0x1F);
            else if (b is 0x10 or 0x11 or 0x13 or 0x20 or 0x21 or 0x23) { mode = b; powered = true; }
            else throw Nack("unknown BH1750 instruction 0x" + b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <inheritdoc/>
    public override void Read(Span<byte> data)
    {
        if (mode == 0) throw Nack("BH1750 has no measurement mode set");
        Measuring();
        double counts = Lux * 1.2 * mtreg / 69.0;
        if (mode is 0x11 or 0x21) counts *= 2; // H-resolution mode 2: half a lux per count
        int count = raw ?? (int)Math.Round(Math.Clamp(counts, 0, 65535));
        if (data.Length > 0) data[0] = (byte)(count >> 8);
        if (data.Length > 1) data[1] = (byte)count;
        if (mode is 0x20 or 0x21 or 0x23) powered = false; // one-time modes power down after
    }
}
