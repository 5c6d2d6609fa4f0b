using System;

namespace Librecast.Sensors.Simulated;

/// <summary>
/// An SHT3x as its datasheet describes it: 16-bit commands (soft reset 0x30A2, heater
/// 0x306D/0x3066, single shot 0x24xx/0x2Cxx); after a measurement command one 6-byte read
/// returns temperature and humidity words, each followed by its CRC-8. Reading with no
/// measurement pending is NACKed.
/// </summary>
public sealed class SimulatedSht3xChip : SimulatedChip
{
    /// <summary>ADDR pin low.</summary>
    public const int DefaultAddress = 0x44;

    private bool pending;

    /// <summary>Temperature the chip measures, °C.</summary>
    public double Celsius { get; set; } = 20;

    /// <summary>Relative humidity the chip measures, %.</summary>
    public double HumidityPercent { get; set; } = 50;

    /// <summary>Fault injection: the next measurement's temperature CRC is wrong.</summary>
    public bool CorruptNextCrc { get; set; }

    /// <summary>Measurements made.</summary>
    public int Measurements { get; private set; }

    /// <summary>Makes measurements return these raw words instead of the physical values (datasheet 4.13: S_T, S_RH).</summary>
    public void SetRaw(int st, int srh)
    {
        if (st is < 0 or > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(st), "S_T is a 16-bit word");
        if (srh is < 0 or > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(srh), "S_RH is a 16-bit word");
        rawT = st;
        rawRh = srh;
    }

    private int? rawT, rawRh;

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length != 2) throw Nack("SHT3x commands are 2 bytes, got " + data.Length);
        int command = (data[0] << 8) | data[1];
        switch (command)
        {
            case 0x30A2: pending = false; return; // soft reset
            case 0x306D: case 0x3066: return; // heater on/off
        }
        if (data[0] == 0x24 || data[0] == 0x2C)
        {
            pending = true;
            return;
        }
        throw Nack("unknown SHT3x command 0x" + command.ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public override void Read(Span<byte> data)
    {
        if (!pending) throw Nack("SHT3x has no measurement to read");
        pending = false;
        Measuring();
        Measurements++;
        int st = rawT ?? (int)Math.Round(Math.Clamp((Celsius + 45) * 65535 / 175, 0, 65535));
        int srh = rawRh ?? (int)Math.Round(Math.Clamp(HumidityPercent * 65535 / 100, 0, 65535));
        Span<byte> frame = stackalloc byte[6];
        frame[0] = (byte)(st >> 8); frame[1] = (byte)st; frame[2] = Sht3xDriver.Crc8(frame[0], frame[1]);
        frame[3] = (byte)(srh >> 8); frame[4] = (byte)srh; frame[5] = Sht3xDriver.Crc8(frame[3], frame[4]);
        if (CorruptNextCrc)
        {
            frame[2] ^= 0x5A;
            CorruptNextCrc = false;
        }
        frame.Slice(0, Math.Min(6, data.Length)).CopyTo(data);
    }
}
