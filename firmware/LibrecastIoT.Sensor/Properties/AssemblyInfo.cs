using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("LibrecastIoT.Sensor")]
[assembly: AssemblyDescription("LibrecastIoT ESP32 sensor node: BME280 readings as SenML on librecast channels")]
[assembly: AssemblyProduct("LibrecastIoT")]
[assembly: AssemblyVersion("0.1.0.0")]
[assembly: ComVisible(false)]
