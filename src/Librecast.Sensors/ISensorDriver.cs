using System;
using System.Collections.Generic;
using System.IO;

namespace Librecast.Sensors;

/// <summary>Our driver of an opened I2C sensor chip (Linux, System.Device.I2c), read repeatedly; the ESP32 node has its own ISensor over nanoFramework's bindings.</summary>
public interface ISensorDriver : IDisposable
{
    /// <summary>What and where, for logs: <c>bme280 on i2c-1 at 0x76</c>.</summary>
    string Description { get; }

    /// <summary>Takes one measurement and adds its readings to <paramref name="readings"/>.</summary>
    /// <exception cref="IOException">The chip did not answer or answered with corrupt data.</exception>
    void Read(ICollection<Reading> readings);
}
