using System;
using System.IO;
using System.Text.Json;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The .nfproj builds with nanoFramework's own settings (C# 9.0, no nullable context, warnings
/// not errors) and takes nothing from the repository's Directory.Build.props. nanoFramework's
/// project system is not on this machine, so the .nfproj is evaluated by MSBuild through a
/// stand-in for it that imports MSBuild's common props and C# targets where the real one does
/// (after the .nfproj's own PropertyGroup): that is how the repository's settings reached the
/// device build before firmware/LibrecastIoT.Sensor/Directory.Build.props stopped them.
/// </summary>
public class FirmwareBuildSettingsTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private readonly string standIn = Path.Combine(Path.GetTempPath(), "nfps-" + Guid.NewGuid().ToString("N"));

    private static string FindRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "LibrecastIoT.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }

    public FirmwareBuildSettingsTests()
    {
        Directory.CreateDirectory(standIn);
        File.WriteAllText(Path.Combine(standIn, "NFProjectSystem.Default.props"), "<Project />");
        File.WriteAllText(Path.Combine(standIn, "NFProjectSystem.props"),
            "<Project><Import Project=\"$(MSBuildExtensionsPath)/$(MSBuildToolsVersion)/Microsoft.Common.props\" /></Project>");
        File.WriteAllText(Path.Combine(standIn, "NFProjectSystem.CSharp.targets"),
            "<Project><Import Project=\"$(MSBuildToolsPath)/Microsoft.CSharp.targets\" /></Project>");
    }

    public void Dispose() => Directory.Delete(standIn, true);

    private JsonElement Evaluate(string project)
    {
        var (code, stdout, stderr) = CPeer.Run("dotnet",
            $"msbuild \"{project}\" -nologo -p:NanoFrameworkProjectSystemPath={standIn}/ -getProperty:LangVersion " +
            "-getProperty:Nullable -getProperty:TreatWarningsAsErrors -getProperty:DirectoryBuildPropsPath", null, 120_000);
        Assert.True(code == 0, "evaluating " + project + " failed: " + stdout + stderr);
        return JsonDocument.Parse(stdout).RootElement.GetProperty("Properties");
    }

    [Fact]
    public void Nfproj_Builds_With_NanoFrameworks_Settings_Not_The_Repositorys()
    {
        string nfproj = Path.Combine(Root, "firmware", "LibrecastIoT.Sensor", "LibrecastIoT.Sensor.nfproj");
        JsonElement p = Evaluate(nfproj);
        Assert.Equal("9.0", p.GetProperty("LangVersion").GetString());
        Assert.Equal("disable", p.GetProperty("Nullable").GetString());
        Assert.Equal("false", p.GetProperty("TreatWarningsAsErrors").GetString());
        Assert.Equal(Path.Combine(Root, "firmware", "LibrecastIoT.Sensor", "Directory.Build.props"), p.GetProperty("DirectoryBuildPropsPath").GetString());
    }

    [Fact]
    public void Without_Its_Shield_The_Same_Nfproj_Would_Take_The_Repositorys_Settings()
    {
        // The control: the stand-in does import Directory.Build.props, so the test above is not blind.
        string probe = Path.Combine(Root, "firmware", ".probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(probe);
        try
        {
            string copy = Path.Combine(probe, "Probe.nfproj");
            File.Copy(Path.Combine(Root, "firmware", "LibrecastIoT.Sensor", "LibrecastIoT.Sensor.nfproj"), copy);
            JsonElement p = Evaluate(copy);
            Assert.Equal(Path.Combine(Root, "Directory.Build.props"), p.GetProperty("DirectoryBuildPropsPath").GetString());
            Assert.Equal("latest", p.GetProperty("LangVersion").GetString());
            Assert.Equal("enable", p.GetProperty("Nullable").GetString());
        }
        finally
        {
            Directory.Delete(probe, true);
        }
    }
}
