using System;
using System.Collections.Generic;
using System.IO;

namespace Librecast.Sensors;

/// <summary>An opened sensor chip that can be read repeatedly.</summary>
public interface ISensor : IDisposable
{
    /// <summary>What and where, for logs: <c>bme280 on i2c-1 at 0x76</c>.</summary>
    string Description { get; }

    /// <summary>Takes one measurement and adds its readings to <paramref name="readings"/>.</summary>
    /// <exception cref="IOException">The chip did not answer or answered with corrupt data.</exception>
    void Read(ICollection<Reading> readings);
}
