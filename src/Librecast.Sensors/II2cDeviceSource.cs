using System.Device.I2c;
using System.IO;

namespace Librecast.Sensors;

/// <summary>Opens I2C devices: the Linux kernel's buses on a Pi, or simulated chips in tests and the demo.</summary>
public interface II2cDeviceSource
{
    /// <summary>Opens the device at 7-bit <paramref name="address"/> on bus <paramref name="bus"/>.</summary>
    /// <exception cref="IOException">No such bus, or it cannot be opened; the message says what to do.</exception>
    I2cDevice Open(int bus, int address);
}

/// <summary>The Linux kernel's I2C buses (<c>/dev/i2c-N</c>), through System.Device.I2c.</summary>
public sealed class LinuxI2c : II2cDeviceSource
{
    /// <summary>One shared instance; it holds no state.</summary>
    public static readonly LinuxI2c Instance = new();

    /// <inheritdoc/>
    public I2cDevice Open(int bus, int address)
    {
        string path = "/dev/i2c-" + bus.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // System.Device.I2c would fail later with a bare errno; say what is missing and how to fix it.
        if (!File.Exists(path))
            throw new IOException("I2C bus " + path + " does not exist (on a Raspberry Pi enable I2C: 'raspi-config nonint do_i2c 0' " +
                                  "or 'dtparam=i2c_arm=on' in /boot/firmware/config.txt, then reboot; elsewhere load i2c-dev)");
        return I2cDevice.Create(new I2cConnectionSettings(bus, address));
    }
}
