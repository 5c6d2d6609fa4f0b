using System;
using System.Collections.Generic;
using System.Device.I2c;
using System.Globalization;
using System.IO;

namespace Librecast.Sensors.Simulated;

/// <summary>
/// A simulated I2C bus: chips plugged in at addresses, reachable through ordinary
/// <see cref="I2cDevice"/>s. Like Linux, opening an address with nothing there succeeds and the
/// first transfer fails with "Remote I/O error"; chips can be unplugged and plugged back.
/// </summary>
public sealed class SimulatedI2cBus : II2cDeviceSource
{
    private readonly Dictionary<int, SimulatedChip> chips = new();
    private readonly object gate = new();

    /// <summary>Which bus numbers exist (default: any). Opening another throws as a missing /dev/i2c-N does.</summary>
    public int? OnlyBus { get; set; }

    /// <summary>Plugs <paramref name="chip"/> in at <paramref name="address"/> (replacing what was there).</summary>
    public void Attach(int address, SimulatedChip chip)
    {
        lock (gate) chips[address] = chip ?? throw new ArgumentNullException(nameof(chip));
    }

    /// <summary>Unplugs the chip at <paramref name="address"/>.</summary>
    public void Detach(int address)
    {
        lock (gate) chips.Remove(address);
    }

    /// <inheritdoc/>
    public I2cDevice Open(int bus, int address)
    {
        if (OnlyBus is int only && bus != only)
            throw new IOException("I2C bus /dev/i2c-" + bus.ToString(CultureInfo.InvariantCulture) + " does not exist (simulated bus " +
                                  only.ToString(CultureInfo.InvariantCulture) + " only)");
        return new Device(this, new I2cConnectionSettings(bus, address));
    }

    private SimulatedChip Chip(int address)
    {
        lock (gate)
        {
            if (chips.TryGetValue(address, out SimulatedChip? chip)) return chip;
        }
        throw new IOException("Error 121 performing I2C data transfer (Remote I/O error): no device answers at 0x" +
                              address.ToString("x2", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The demo's bus: a BME280 at 0x76, an SHT31 at 0x44 and a BH1750 at 0x23 whose values
    /// wander a little before every measurement, reproducibly from <paramref name="seed"/>.
    /// </summary>
    public static SimulatedI2cBus CreateDemo(int seed)
    {
        var random = new Random(seed);
        double Walk(double value, double step, double min, double max) => Math.Clamp(value + (random.NextDouble() - 0.5) * step, min, max);
        var bus = new SimulatedI2cBus();
        var bme = new SimulatedBme280Chip { Celsius = 21.5, HumidityPercent = 41.2, Pascals = 101325 };
        bme.BeforeMeasure = _ =>
        {
            bme.Celsius = Walk(bme.Celsius, 0.2, -10, 50);
            bme.HumidityPercent = Walk(bme.HumidityPercent, 0.5, 5, 95);
            bme.Pascals = Walk(bme.Pascals, 20, 95000, 105000);
        };
        var sht = new SimulatedSht3xChip { Celsius = 22.0, HumidityPercent = 45.0 };
        sht.BeforeMeasure = _ =>
        {
            sht.Celsius = Walk(sht.Celsius, 0.2, -10, 50);
            sht.HumidityPercent = Walk(sht.HumidityPercent, 0.5, 5, 95);
        };
        var light = new SimulatedBh1750Chip { Lux = 320 };
        light.BeforeMeasure = _ => light.Lux = Walk(light.Lux, 10, 0, 2000);
        bus.Attach(SimulatedBme280Chip.DefaultAddress, bme);
        bus.Attach(SimulatedSht3xChip.DefaultAddress, sht);
        bus.Attach(SimulatedBh1750Chip.DefaultAddress, light);
        return bus;
    }

    private sealed class Device(SimulatedI2cBus bus, I2cConnectionSettings settings) : I2cDevice
    {
        private bool disposed;

        public override I2cConnectionSettings ConnectionSettings => settings;

        public override void Read(Span<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            bus.Chip(settings.DeviceAddress).Read(buffer);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            bus.Chip(settings.DeviceAddress).Write(buffer);
        }

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            Write(writeBuffer);
            Read(readBuffer);
        }

        protected override void Dispose(bool disposing)
        {
            disposed = true;
            base.Dispose(disposing);
        }
    }
}
