using System;
using System.IO;

namespace Librecast.Sensors.Simulated;

/// <summary>
/// A simulated I2C chip: what it answers to writes and reads on the bus. Subclasses behave like
/// the real part (register map, commands, CRC) so a driver written to the datasheet runs
/// against them unchanged.
/// </summary>
public abstract class SimulatedChip
{
    /// <summary>Called before each measurement the chip makes; the demo uses it to drift the values.</summary>
    public Action<SimulatedChip>? BeforeMeasure { get; set; }

    /// <summary>Runs <see cref="BeforeMeasure"/>.</summary>
    protected void Measuring() => BeforeMeasure?.Invoke(this);

    /// <summary>Bytes the bus master wrote (one I2C write transaction).</summary>
    /// <exception cref="IOException">The chip NACKs (a command it does not know).</exception>
    public abstract void Write(ReadOnlySpan<byte> data);

    /// <summary>Fills <paramref name="data"/> with what the chip sends (one I2C read transaction).</summary>
    /// <exception cref="IOException">The chip NACKs (nothing to read).</exception>
    public abstract void Read(Span<byte> data);

    /// <summary>The IOException the Linux kernel gives for a NACK (EREMOTEIO, errno 121).</summary>
    protected static IOException Nack(string why) => new("Error 121 performing I2C data transfer (Remote I/O error): " + why);
}

/// <summary>
/// A chip with a 256-byte register file: a write sets the register pointer then writes
/// successive registers; a read returns successive registers from the pointer (auto-increment),
/// as Bosch parts do.
/// </summary>
public abstract class RegisterChip : SimulatedChip
{
    /// <summary>The register file.</summary>
    protected readonly byte[] Registers = new byte[256];

    private int pointer;

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return;
        pointer = data[0];
        for (int i = 1; i < data.Length; i++)
        {
            int register = (pointer + i - 1) & 0xFF;
            Registers[register] = data[i];
            OnRegisterWritten(register, data[i]);
        }
    }

    /// <inheritdoc/>
    public override void Read(Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++) data[i] = Registers[(pointer + i) & 0xFF];
        pointer = (pointer + data.Length) & 0xFF;
    }

    /// <summary>Side effects of writing a register (start a measurement, reset...).</summary>
    protected virtual void OnRegisterWritten(int register, byte value) { }
}
