using System;
using System.Collections.Generic;
using System.Device.I2c;
using System.IO;
using Librecast.Sensors;
using Librecast.Sensors.Simulated;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The Pi sensor readers (our drivers, written to the datasheets) against simulated chips that
/// behave as their datasheets say (register maps, commands, CRC).
/// </summary>
public class SensorsTests
{
    private static List<Reading> ReadOnce(ISensorDriver sensor)
    {
        var readings = new List<Reading>();
        sensor.Read(readings);
        return readings;
    }

    private static Reading Find(List<Reading> readings, string name) => readings.Find(r => r.Name == name);

    [Fact]
    public void Bme280_Gives_The_Datasheet_Worked_Example()
    {
        // BMP280 datasheet 3.12 (same compensation as the BME280): adc_T 519888 -> 25.08 °C,
        // adc_P 415148 -> 100653.27 Pa with its example trimming parameters.
        var chip = new SimulatedBme280Chip();
        chip.SetRaw(519888, 415148, 30000);
        var bus = new SimulatedI2cBus();
        bus.Attach(0x76, chip);
        using ISensorDriver sensor = SensorFactory.Open(new SensorSpec(SensorType.Bme280, 1, 0x76), bus);
        List<Reading> r = ReadOnce(sensor);
        Assert.Equal(25.08, Find(r, "temperature").Value, 2);
        Assert.Equal("Cel", Find(r, "temperature").Unit);
        Assert.Equal(100653.27, Find(r, "pressure").Value, 2);
        Assert.Equal("Pa", Find(r, "pressure").Unit);
        Assert.Equal("%RH", Find(r, "humidity").Unit);
        Assert.InRange(Find(r, "humidity").Value, 0, 100);
        Assert.Equal(1, chip.Measurements); // one forced-mode measurement per read
    }

    [Fact]
    public void Bme280_Simulator_And_Driver_Share_One_Compensation()
    {
        // The datasheet's formulas are defined once (Bme280Compensation, internal): the simulator
        // inverts the very code the driver reads with, so the two cannot drift apart. Neither
        // declares a compensation formula of its own.
        const System.Reflection.BindingFlags declared = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static |
            System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly;
        Type? shared = typeof(Bme280Driver).Assembly.GetType("Librecast.Sensors.Bme280Compensation");
        Assert.NotNull(shared);
        foreach (Type t in new[] { typeof(Bme280Driver), typeof(SimulatedBme280Chip) })
            foreach (System.Reflection.MethodInfo m in t.GetMethods(declared))
                Assert.False(m.Name is "Temperature" or "Pressure" or "Humidity", t.Name + " has its own " + m.Name + " formula");
        foreach (string formula in new[] { "Temperature", "Pressure", "Humidity" })
            Assert.NotNull(shared!.GetMethod(formula));
        // A part whose pressure trimming divides by zero: the shared formula says NaN, the simulator
        // still measures, and the driver refuses the part rather than report a pressure.
        var chip = new SimulatedBme280Chip();
        chip.SetTrimming(27504, 26435, -1000, 0, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000, 75, 362, 0, 313, 50, 30);
        var bus = new SimulatedI2cBus();
        bus.Attach(0x76, chip);
        using ISensorDriver sensor = SensorFactory.Open(new SensorSpec(SensorType.Bme280, 1, 0x76), bus);
        IOException e = Assert.Throws<IOException>(() => ReadOnce(sensor));
        Assert.Contains("pressure trimming parameters are zero", e.Message);
        Assert.Equal(1, chip.Measurements);
    }

    [Fact]
    public void Bme280_Reads_The_Values_The_Chip_Measures()
    {
        var chip = new SimulatedBme280Chip { Celsius = 21.53, HumidityPercent = 41.2, Pascals = 101325 };
        var bus = new SimulatedI2cBus();
        bus.Attach(0x77, chip);
        using ISensorDriver sensor = SensorFactory.Open(new SensorSpec(SensorType.Bme280, 1, 0x77), bus);
        List<Reading> r = ReadOnce(sensor);
        Assert.Equal(3, r.Count);
        Assert.Equal(21.53, Find(r, "temperature").Value, 0.01);
        Assert.Equal(41.2, Find(r, "humidity").Value, 0.05);
        Assert.Equal(101325, Find(r, "pressure").Value, 1.0);

        chip.Celsius = -5.25;
        r = ReadOnce(sensor);
        Assert.Equal(-5.25, Find(r, "temperature").Value, 0.01);
        Assert.Equal(2, chip.Measurements);
    }

    [Fact]
    public void Bme280_Refuses_A_Bmp280_With_A_Clear_Error()
    {
        var bus = new SimulatedI2cBus();
        bus.Attach(0x76, new SimulatedBme280Chip { ChipId = 0x58 });
        IOException e = Assert.Throws<IOException>(() => SensorFactory.Open(new SensorSpec(SensorType.Bme280, 1, 0x76), bus));
        Assert.Contains("id 96", e.Message); // "found a chip with id 88 (0x58) where a BME280 (id 96, 0x60) was expected..."
        Assert.Contains("88", e.Message);
    }

    [Fact]
    public void Sht3x_Reads_The_Values_The_Chip_Measures()
    {
        var chip = new SimulatedSht3xChip { Celsius = 23.4, HumidityPercent = 55.5 };
        var bus = new SimulatedI2cBus();
        bus.Attach(0x44, chip);
        using ISensorDriver sensor = SensorFactory.Open(new SensorSpec(SensorType.Sht3x, 1, 0x44), bus);
        List<Reading> r = ReadOnce(sensor);
        Assert.Equal(23.4, Find(r, "temperature").Value, 0.05);
        Assert.Equal(55.5, Find(r, "humidity").Value, 0.05);
        Assert.Equal("Cel", Find(r, "temperature").Unit);
        Assert.Equal("%RH", Find(r, "humidity").Unit);
    }

    [Fact]
    public void Sht3x_Crc_Matches_The_Datasheet_Example()
    {
        Assert.Equal(0x92, Sht3xDriver.Crc8(0xBE, 0xEF)); // SHT3x datasheet, table 19
    }

    [Fact]
    public void Sht3x_Bad_Crc_Is_An_Error_Not_A_Stale_Value()
    {
        var chip = new SimulatedSht3xChip { Celsius = 10, HumidityPercent = 20 };
        var bus = new SimulatedI2cBus();
        bus.Attach(0x44, chip);
        using var poller = new SensorPoller(new SensorSpec(SensorType.Sht3x, 1, 0x44), bus);
        Assert.NotNull(poller.Poll());
        chip.Celsius = 30;
        chip.CorruptNextCrc = true;
        Assert.Null(poller.Poll());
        Assert.Contains("CRC", poller.LastError);
        IReadOnlyList<Reading>? r = poller.Poll();
        Assert.NotNull(r);
        Assert.Equal(30, r!.Count == 0 ? double.NaN : r[0].Value, 0.05);
    }

    [Fact]
    public void Bh1750_Gives_The_Datasheet_Example()
    {
        // BH1750FVI datasheet p.7: high byte 1000_0011, low byte 1001_0000 -> 28067 lx.
        var chip = new SimulatedBh1750Chip();
        chip.SetRaw(0x8390);
        var bus = new SimulatedI2cBus();
        bus.Attach(0x23, chip);
        using ISensorDriver sensor = SensorFactory.Open(new SensorSpec(SensorType.Bh1750, 1, 0x23), bus);
        List<Reading> r = ReadOnce(sensor);
        Assert.Single(r);
        Assert.Equal("illuminance", r[0].Name);
        Assert.Equal("lx", r[0].Unit);
        Assert.Equal(28067, r[0].Value, 0.5);
    }

    [Fact]
    public void Bh1750_Reads_The_Light_The_Chip_Sees()
    {
        var chip = new SimulatedBh1750Chip { Lux = 321.5 };
        var bus = new SimulatedI2cBus();
        bus.Attach(0x23, chip);
        using ISensorDriver sensor = SensorFactory.Open(new SensorSpec(SensorType.Bh1750, 1, 0x23), bus);
        Assert.Equal(321.5, ReadOnce(sensor)[0].Value, 0.5);
    }

    [Fact]
    public void Missing_Device_Is_A_Clear_Error_And_The_Poller_Recovers_When_It_Appears()
    {
        var bus = new SimulatedI2cBus();
        using var poller = new SensorPoller(new SensorSpec(SensorType.Bme280, 1, 0x76), bus);
        Assert.Null(poller.Poll());
        Assert.False(poller.Online);
        Assert.Equal(1, poller.Errors);
        Assert.Contains("bme280 on i2c-1 at 0x76", poller.LastError);
        Assert.Contains("Remote I/O error", poller.LastError);
        Assert.Null(poller.Poll());
        Assert.Equal(2, poller.Errors);

        bus.Attach(0x76, new SimulatedBme280Chip { Celsius = 19 });
        IReadOnlyList<Reading>? r = poller.Poll();
        Assert.NotNull(r);
        Assert.True(poller.Online);
        Assert.Null(poller.LastError);

        bus.Detach(0x76); // unplugged while running
        Assert.Null(poller.Poll());
        Assert.False(poller.Online);
        Assert.Equal(3, poller.Errors);
    }

    [Fact]
    public void Missing_Bus_Says_How_To_Enable_I2c()
    {
        using var poller = new SensorPoller(new SensorSpec(SensorType.Sht3x, 250, 0x44), LinuxI2c.Instance);
        Assert.Null(poller.Poll());
        Assert.Contains("/dev/i2c-250 does not exist", poller.LastError);
        Assert.Contains("raspi-config", poller.LastError);
    }

    [Fact]
    public void Poller_Never_Throws_Whatever_The_Driver_Throws()
    {
        var bus = new SimulatedI2cBus();
        bus.Attach(0x23, new ThrowingChip());
        using var poller = new SensorPoller(new SensorSpec(SensorType.Bh1750, 1, 0x23), bus);
        Assert.Null(poller.Poll());
        Assert.Contains("InvalidOperationException", poller.LastError);
    }

    [Fact]
    public void Demo_Bus_Has_All_Three_Chips()
    {
        SimulatedI2cBus bus = SimulatedI2cBus.CreateDemo(1);
        foreach (SensorType type in Enum.GetValues<SensorType>())
        {
            using var poller = new SensorPoller(new SensorSpec(type, 1, SensorSpec.DefaultAddress(type)), bus);
            Assert.True(poller.Poll() != null, type + ": " + poller.LastError);
        }
    }

    [Fact]
    public void Telemetry_Has_The_Node_Shape_And_Decodes_As_SenML()
    {
        var encoder = new TelemetryEncoder("site1", "pi1");
        int n = encoder.Encode(1795589518968, new List<Reading>
        {
            new("temperature", "Cel", 21.5349, 2),
            new("humidity", "%RH", 41.2, 1),
            new("pressure", "Pa", 101325.4, 0),
            new("broken", "Cel", double.NaN, 2), // left out: JSON cannot carry it
        });
        string json = System.Text.Encoding.UTF8.GetString(encoder.Buffer, 0, n);
        Assert.Equal("[{\"bn\":\"urn:dev:lc:site1:pi1:\",\"bt\":1795589518.968,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":21.53}," +
                     "{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":41.2},{\"n\":\"pressure\",\"u\":\"Pa\",\"v\":101325}]", json);
        Assert.Equal("site1/pi1/telemetry", NodeNames.Telemetry("site1", "pi1"));
        var decoder = new Librecast.Gateway.Senml.SenmlDecoder();
        Assert.True(decoder.TryDecode(encoder.Buffer, 0, n), decoder.LastErrorDetail);
        Assert.Equal(3, decoder.Count);
        Assert.Equal("urn:dev:lc:site1:pi1:pressure", decoder.Records[2].Name);
    }

    private sealed class ThrowingChip : SimulatedChip
    {
        public override void Write(ReadOnlySpan<byte> data) => throw new InvalidOperationException("driver bug");

        public override void Read(Span<byte> data) => throw new InvalidOperationException("driver bug");
    }
}
