// Contract for nanoFramework.Hardware.Esp32 1.6.40, nanoFramework.System.Device.I2c 1.1.29,
// nanoFramework.System.Device.Gpio 1.1.62, nanoFramework.Iot.Device.Bmxx80 1.2.1016 and the
// value types it returns (packages nanoFramework.UnitsNet.*, 5.76.15).
using System;

namespace nanoFramework.Hardware.Esp32
{
    public enum DeviceFunction
    {
        I2C1_DATA,
        I2C1_CLOCK,
    }

    public static class Configuration
    {
        public static void SetPinFunction(int pin, DeviceFunction value) { throw new NotImplementedException(); }
    }
}

namespace System.Device.I2c
{
    public sealed class I2cConnectionSettings
    {
        public I2cConnectionSettings(int busId, int deviceAddress) { throw new NotImplementedException(); }
    }

    public class I2cDevice : IDisposable
    {
        public static I2cDevice Create(I2cConnectionSettings settings) { throw new NotImplementedException(); }
        public void Dispose() { throw new NotImplementedException(); }
    }
}

namespace System.Device.Gpio
{
    public enum PinMode { Input = 0, Output = 1 }

    public struct PinValue
    {
        public static PinValue High { get { throw new NotImplementedException(); } }
        public static PinValue Low { get { throw new NotImplementedException(); } }
    }

    public class GpioPin
    {
    }

    public class GpioController
    {
        public GpioController() { throw new NotImplementedException(); }
        public GpioPin OpenPin(int pinNumber, PinMode mode) { throw new NotImplementedException(); }
        public void Write(int pinNumber, PinValue value) { throw new NotImplementedException(); }
    }
}

namespace UnitsNet
{
    public struct Temperature
    {
        public double DegreesCelsius { get { throw new NotImplementedException(); } }
    }

    public struct Pressure
    {
        public double Pascals { get { throw new NotImplementedException(); } }
    }

    public struct RelativeHumidity
    {
        public double Percent { get { throw new NotImplementedException(); } }
    }
}

namespace Iot.Device.Bmxx80
{
    public enum Sampling : byte
    {
        Skipped = 0,
        UltraLowPower = 1,
        LowPower = 2,
        Standard = 3,
        HighResolution = 4,
        UltraHighResolution = 5,
    }

    public class Bme280 : IDisposable
    {
        public Bme280(System.Device.I2c.I2cDevice i2cDevice) { throw new NotImplementedException(); }
        public Sampling TemperatureSampling { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        public Sampling PressureSampling { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        public Sampling HumiditySampling { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        public ReadResult.Bme280ReadResult Read() { throw new NotImplementedException(); }
        public void Dispose() { throw new NotImplementedException(); }
    }
}

namespace Iot.Device.Bmxx80.ReadResult
{
    public class Bme280ReadResult
    {
        public UnitsNet.Temperature Temperature { get { throw new NotImplementedException(); } }
        public UnitsNet.Pressure Pressure { get { throw new NotImplementedException(); } }
        public UnitsNet.RelativeHumidity Humidity { get { throw new NotImplementedException(); } }
    }
}
