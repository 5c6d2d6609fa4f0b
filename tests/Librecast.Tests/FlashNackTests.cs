using System.Diagnostics;
using System.IO;
using Xunit;

namespace Librecast.Tests;

/// <summary>tools/flash --nack: the device file's 'nack' line, and what it refuses (exit 2).</summary>
public class FlashNackTests
{
    private static string Root
    {
        get
        {
            string dir = System.AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(dir, "LibrecastIoT.sln"))) dir = Path.GetDirectoryName(dir)!;
            return dir;
        }
    }

    private static (int Code, string Out, string Err) Flash(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = Root };
        psi.ArgumentList.Add(Path.Combine(Root, "tools", "flash"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    [Fact]
    public void Flash_Writes_The_Nack_Line_And_Refuses_What_The_Node_Would()
    {
        var (code, stdout, stderr) = Flash("--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--nack", "60", "--dry-run");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("librecast.conf: nack 60", stdout);
        (code, _, stderr) = Flash("--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--nack", "60", "--wire", "0.5", "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("--nack needs wire 0.9 or 0.11", stderr);
        (code, _, stderr) = Flash("--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--nack", "3601", "--dry-run");
        Assert.Equal(2, code);
        Assert.Contains("--nack must be 1..3600 seconds", stderr);
        (code, _, stderr) = Flash("--help");
        Assert.Contains("--nack SECS", stderr);
        Assert.Contains("Exit codes:", stderr); // the whole usage, still
    }
}
