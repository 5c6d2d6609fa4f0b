using System;

namespace LibrecastIoT.Sensor
{
    /// <summary>
    /// The node's log on the device, in every build: <c>Console.WriteLine</c>. nanoFramework's
    /// <c>Debug.WriteLine</c> is <c>[Conditional("DEBUG")]</c>, so a Release build (what
    /// <c>tools/flash</c> builds) compiles every call to it out; <c>Console.WriteLine</c> calls the
    /// same native output (<c>Debug.WriteLineNative</c>, CoreLibrary 1.17) without the condition.
    /// The lines reach the host over nanoFramework's wire protocol on the USB serial port: the
    /// output window of VS Code (nanoFramework extension) or Visual Studio when attached.
    /// </summary>
    public sealed class SerialLog : INodeLog
    {
        /// <inheritdoc/>
        public void Line(string text)
        {
            Console.WriteLine(text);
        }
    }
}
