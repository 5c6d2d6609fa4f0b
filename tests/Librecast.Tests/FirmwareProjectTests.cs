using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// What CI can check of the device build without nanoFramework's tooling: the .nfproj and
/// packages.config agree and list every package the app needs (packages.config restores no
/// dependencies by itself), each board folder is complete, and tools/flash says what is missing
/// and prints the exact nanoff commands for every board.
/// </summary>
public class FirmwareProjectTests
{
    private static readonly string Root = FindRoot();
    private static readonly string App = Path.Combine(Root, "firmware", "LibrecastIoT.Sensor");

    // The packages the issue names, and what each package the app uses declares as dependencies in
    // its nuspec (nanoframework/System.Net, System.Device.Wifi, nanoFramework.Hardware.Esp32,
    // nanoFramework.IoT.Device/devices/Bmxx80). A packages.config must list them all.
    private static readonly string[] Required =
    {
        "nanoFramework.CoreLibrary", "nanoFramework.System.Net", "nanoFramework.Runtime.Events",
        "nanoFramework.System.Threading", "nanoFramework.System.Device.Wifi", "nanoFramework.System.Device.I2c",
        "nanoFramework.Iot.Device.Bmxx80", "nanoFramework.Hardware.Esp32", "nanoFramework.System.Device.Gpio",
    };

    private static readonly Dictionary<string, string[]> Dependencies = new()
    {
        ["nanoFramework.System.Net"] = new[]
        {
            "nanoFramework.CoreLibrary", "nanoFramework.Runtime.Events", "nanoFramework.System.Text",
            "nanoFramework.System.Threading", "nanoFramework.System.IO.Streams",
        },
        ["nanoFramework.System.Device.Wifi"] = new[] { "nanoFramework.CoreLibrary", "nanoFramework.Runtime.Events", "nanoFramework.System.Net" },
        ["nanoFramework.Hardware.Esp32"] = new[] { "nanoFramework.CoreLibrary", "nanoFramework.Runtime.Events" },
        ["nanoFramework.System.Device.Gpio"] = new[] { "nanoFramework.CoreLibrary", "nanoFramework.Runtime.Events" },
        ["nanoFramework.Iot.Device.Bmxx80"] = new[]
        {
            "nanoFramework.CoreLibrary", "nanoFramework.Iot.Device.Common.WeatherHelper",
            "nanoFramework.System.Buffers.Binary.BinaryPrimitives", "nanoFramework.System.Device.Model",
            "nanoFramework.System.Device.I2c", "nanoFramework.System.Math",
            "nanoFramework.UnitsNet.Length", "nanoFramework.UnitsNet.Pressure", "nanoFramework.UnitsNet.RelativeHumidity",
            "nanoFramework.UnitsNet.Temperature", "nanoFramework.UnitsNet.Duration", "nanoFramework.UnitsNet.ElectricResistance",
        },
    };

    // nanoFramework's published ESP32 images: the PackageName list of nf-interpreter's azure-pipelines.yml and
    // its README's Cloudsmith table (main, 2026-07-24, a3e8139a1ba7). Since "Add auto select between USB/JTAG &
    // UART" (df0676f46, 2026-06-02) ESP32_C3 is the image for C3 revision 3 and later (it was ESP32_C3_REV3),
    // ESP32_C3_BETA the one for revision 0.2 (it was ESP32_C3), XIAO_ESP32C3 is gone (ESP32_C3 selects USB/JTAG
    // itself), and ESP32_S3 / ESP32_S3_BLE / ESP32_S3_ALL became ESP32_S3_QUAD and ESP32_S3_OCTAL. nanoff
    // (nanoFirmwareFlasher Esp32Operations.cs) picks ESP32_C3 or ESP32_C3_BETA from the chip revision.
    private static readonly string[] Esp32Targets =
    {
        "ESP32_REV0", "ESP32_REV3", "ESP32_PSRAM_REV0", "ESP32_PSRAM_REV3", "ESP32_PSRAM_REV3_IPV6", "ESP32_PSRAM_XTAL26_REV0",
        "ESP32_BLE_REV0", "ESP32_BLE_REV3", "ESP_WROVER_KIT", "ESP32_PICO", "ESP32_C3", "ESP32_C3_BETA", "ESP32_S2",
        "ESP32_S3_QUAD", "ESP32_S3_OCTAL", "M5Core", "M5Core2", "M5StickC", "M5StickCPlus",
    };

    [Fact]
    public void No_Document_Names_A_Firmware_Image_That_Does_Not_Exist()
    {
        foreach (string file in new[] { "firmware/README.md", "boards/README.md", "boards/esp32-c3-devkitm-1/README.md", "boards/esp32-c3-devkitm-1/Board.cs" })
        {
            string text = File.ReadAllText(Path.Combine(Root, file));
            // The old names may be mentioned as history, never offered as an image to flash.
            foreach (string gone in new[] { "ESP32_C3_REV3", "XIAO_ESP32C3", "ESP32_S3_ALL", "ESP32_S3_BLE", "ESP32_S3\"", "ESP32_S3`" })
            {
                string name = Regex.Escape(gone.TrimEnd('"', '`'));
                Assert.DoesNotMatch(@"--target\s+`?" + name + @"\b", text);
                Assert.DoesNotMatch(@"\|\s*`" + name + @"`[^|]*\|\s*(IPv|\[)", text); // a table row offering it
                Assert.DoesNotMatch(@"NanoffTarget = """ + name + @"""", text);
            }
        }
    }

    private static string FindRoot()
    {
        // The test assembly lives in tests/Librecast.Tests/bin/<Configuration>/net10.0/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
    }

    private static Dictionary<string, string> Packages()
    {
        XDocument doc = XDocument.Load(Path.Combine(App, "packages.config"));
        return doc.Root!.Elements("package").ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);
    }

    public static TheoryData<string> Boards()
    {
        var data = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(Path.Combine(FindRoot(), "boards")).OrderBy(d => d, StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    private static string Const(string boardCs, string name)
    {
        Match m = Regex.Match(boardCs, "const string " + name + @" = ""([^""]*)""");
        Assert.True(m.Success, "Board.cs has no const string " + name);
        return m.Groups[1].Value;
    }

    [Fact]
    public void Nfproj_References_Exactly_The_Packages_In_Packages_Config()
    {
        Dictionary<string, string> packages = Packages();
        string nfproj = File.ReadAllText(Path.Combine(App, "LibrecastIoT.Sensor.nfproj"));
        var referenced = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(nfproj, @"<HintPath>\.\.\\packages\\([^\\]+)\\lib\\"))
            referenced.Add(m.Groups[1].Value);
        var listed = new SortedSet<string>(packages.Select(p => p.Key + "." + p.Value), StringComparer.Ordinal);

        Assert.Equal(listed, referenced);
    }

    [Fact]
    public void Packages_Config_Lists_What_The_App_Needs_And_Their_Dependencies()
    {
        Dictionary<string, string> packages = Packages();
        foreach (string id in Required)
            Assert.True(packages.ContainsKey(id), "packages.config lacks " + id);
        foreach (var (package, dependencies) in Dependencies)
            foreach (string dependency in dependencies)
                Assert.True(packages.ContainsKey(dependency),
                    package + " depends on " + dependency + ", which packages.config does not list (nuget restore of a packages.config installs no dependencies)");
        Assert.All(packages.Values, v => Assert.Matches(@"^\d+\.\d+\.\d+$", v)); // stable releases only
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Board_Folder_Has_Readme_Settings_And_A_Real_Firmware_Image(string board)
    {
        string dir = Path.Combine(Root, "boards", board);
        string boardCs = File.ReadAllText(Path.Combine(dir, "Board.cs"));
        string readme = File.ReadAllText(Path.Combine(dir, "README.md"));
        Assert.Equal(board, Const(boardCs, "Name"));
        string target = Const(boardCs, "NanoffTarget");
        Assert.Contains(target, Esp32Targets);
        Assert.Contains(target, readme);
        foreach (string setting in new[] { "Ipv6", "I2cBus", "SdaPin", "SclPin", "SensorAddress", "LedPin" })
            Assert.Matches(@"\bs\." + setting + @"\s*=", boardCs);
        // Hardware only: identity and key come from the device's storage, so one build serves many boards.
        foreach (string setting in new[] { "Site", "Node", "IntervalSeconds", "Key" })
            Assert.DoesNotMatch(@"\bs\." + setting + @"\s*=", boardCs);
        // Only nanoFramework's IPv6 image has IPv6; every other image gets the 239/8 mapping.
        bool ipv6 = Regex.IsMatch(boardCs, @"\bs\.Ipv6\s*=\s*true");
        Assert.Equal(target == "ESP32_PSRAM_REV3_IPV6", ipv6);
        Assert.Contains("tools/flash --board " + board, readme);
    }

    private static (int Code, string Stdout, string Stderr) Flash(string[] arguments, string? home = null)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Root,
        };
        psi.ArgumentList.Add(Path.Combine(Root, "tools", "flash"));
        foreach (string argument in arguments) psi.ArgumentList.Add(argument);
        if (home != null)
        {
            // A machine with none of the nanoFramework tools: nothing in HOME, only the system PATH.
            psi.Environment["HOME"] = home;
            psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
            psi.Environment.Remove("NF_PROJECT_SYSTEM");
            psi.Environment.Remove("NUGET_EXE");
        }
        using Process p = Process.Start(psi)!;
        p.StandardInput.Close(); // must never wait for input
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(true);
            Assert.Fail("tools/flash " + string.Join(" ", arguments) + " did not finish in 30 s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Flash_Check_Lists_What_Is_Missing_And_Fails()
    {
        string home = Directory.CreateTempSubdirectory("lc-flash-home").FullName;
        try
        {
            var (code, stdout, stderr) = Flash(new[] { "--check", "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0" }, home);
            Assert.True(code == 1, "exit " + code + "\n" + stdout + stderr);
            Assert.Matches(@"nanoff\s+MISSING: dotnet tool install -g nanoff", stdout);
            Assert.Matches(@"serial port\s+MISSING: /dev/ttyLCTEST0 does not exist", stdout);
            Assert.Contains("firmware target ESP32_REV0", stdout);
            Assert.StartsWith("flash: missing: nanoff", stderr.Trim());
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void Flash_Dry_Run_Prints_The_Nanoff_Commands_For_The_Board(string board)
    {
        string target = Const(File.ReadAllText(Path.Combine(Root, "boards", board, "Board.cs")), "NanoffTarget");
        var (code, stdout, stderr) = Flash(new[] { "--board", board, "--port", "/dev/ttyLCTEST0", "--ssid", "Lab", "--password", "se\"cret", "--dry-run" });
        Assert.True(code == 0, "exit " + code + "\n" + stdout + stderr);

        Assert.Contains("nuget restore firmware/LibrecastIoT.Sensor/packages.config -PackagesDirectory firmware/packages", stdout);
        Assert.Contains("firmware/LibrecastIoT.Sensor/LibrecastIoT.Sensor.nfproj -nologo -v:minimal -p:Configuration=Release -p:Board=" + board, stdout);
        Match update = Regex.Match(stdout, "nanoff --update --target " + target + @" --serialport /dev/ttyLCTEST0 --networkdeployment (\S+\.json)");
        Assert.True(update.Success, stdout);
        Assert.False(File.Exists(update.Groups[1].Value), "the Wi-Fi credentials file must be deleted afterwards");
        Assert.Contains("nanoff --nanodevice --deploy --serialport /dev/ttyLCTEST0 --image firmware/LibrecastIoT.Sensor/bin/Release/LibrecastIoT.Sensor.bin", stdout);
        Assert.Contains(@"""WirelessClient"":{""Ssid"":""Lab"",""Password"":""***"",""ConfigurationOption"":""AutoConnect""}", stdout);
        Assert.DoesNotContain("se\"cret", stdout + stderr);
        Assert.Contains("dry run: nothing was built or flashed", stderr);
    }

    [Fact]
    public void Flash_Usage_Errors_Exit_2_Saying_What_To_Pass()
    {
        var (code, _, stderr) = Flash(new[] { "--board", "no-such-board", "--port", "/dev/ttyUSB0" });
        Assert.Equal(2, code);
        Assert.Contains("no board 'no-such-board'", stderr);
        Assert.Contains("esp32-devkitc", stderr);

        (code, _, stderr) = Flash(new[] { "--board", "esp32-devkitc" });
        Assert.Equal(2, code);
        Assert.Contains("--port is required", stderr);

        (code, _, stderr) = Flash(new[] { "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--wire", "0.6", "--dry-run" });
        Assert.Equal(2, code);
        Assert.Contains("--wire must be 0.5, 0.9 or 0.11", stderr);
    }

    [Fact]
    public void Flash_Escapes_Every_Json_Control_Character_In_What_It_Writes()
    {
        var ssid = new System.Text.StringBuilder("q\"b\\s/é");
        for (char c = (char)1; c < ' '; c++) ssid.Append(c);
        var (code, stdout, stderr) = Flash(new[] { "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--ssid", ssid.ToString(), "--password", "p\u0007w", "--dry-run" });
        Assert.True(code == 0, "exit " + code + "\n" + stdout + stderr);
        Match line = Regex.Match(stdout, @"deploy\.json: (\{.*\})\n");
        Assert.True(line.Success, stdout);
        using var doc = System.Text.Json.JsonDocument.Parse(line.Groups[1].Value); // strict: a raw control character fails here
        Assert.Equal(ssid.ToString(), doc.RootElement.GetProperty("WirelessClient").GetProperty("Ssid").GetString());
        Assert.Equal("***", doc.RootElement.GetProperty("WirelessClient").GetProperty("Password").GetString());
        Assert.Contains("-p:UseSharedCompilation=false", stdout); // Linux: as nanoFramework's VS Code extension builds
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Flash_Puts_Site_Node_And_Key_In_The_Device_Storage_Never_In_The_Build()
    {
        string dir = Directory.CreateTempSubdirectory("lc-flash-key").FullName;
        try
        {
            string key = Path.Combine(dir, "site.key");
            byte[] bytes = new byte[32];
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            File.WriteAllBytes(key, bytes);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var (code, stdout, stderr) = Flash(new[] { "--board", "esp32-c3-devkitm-1", "--port", "/dev/ttyLCTEST0", "--site", "gh", "--node", "bed3", "--key-file", key, "--wire", "0.5", "--dry-run" });
            Assert.True(code == 0, "exit " + code + "\n" + stdout + stderr);
            Assert.Contains("librecast.conf: wire 0.5", stdout);
            Assert.Contains("librecast.conf: site gh", stdout);
            Assert.Contains("librecast.conf: node bed3", stdout);
            Assert.Contains("librecast.conf: key ***", stdout);
            Assert.DoesNotContain(Convert.ToHexString(bytes), stdout + stderr, StringComparison.OrdinalIgnoreCase);
            Match files = Regex.Match(stdout, @"files\.json: (\{.*\})\n");
            using var doc = System.Text.Json.JsonDocument.Parse(files.Groups[1].Value);
            Assert.Equal(@"I:\librecast.conf", doc.RootElement.GetProperty("Files")[0].GetProperty("DestinationFilePath").GetString());
            Assert.Matches(@"nanoff --update --target ESP32_C3 --serialport /dev/ttyLCTEST0 --filedeployment \S+\.json", stdout);
            // The build is the same for every device: no -p: carries a name or key.
            Assert.DoesNotContain("-p:Site", stdout);

            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            (code, _, stderr) = Flash(new[] { "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--key-file", key, "--dry-run" });
            Assert.Equal(2, code);
            Assert.Contains("chmod 600", stderr);
            (code, _, stderr) = Flash(new[] { "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--node", "a/b", "--dry-run" });
            Assert.Equal(2, code);
            Assert.Contains("--node 'a/b' must be printable ASCII", stderr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Flash_Puts_The_Signer_Bearer_Key_And_Token_In_The_Device_Storage()
    {
        string dir = Directory.CreateTempSubdirectory("lc-flash-site").FullName;
        try
        {
            string key = Path.Combine(dir, "node.key"), token = Path.Combine(dir, "node.token"), pub = Path.Combine(dir, "signer.pub");
            byte[] seed = new byte[32];
            System.Security.Cryptography.RandomNumberGenerator.Fill(seed);
            File.WriteAllBytes(key, seed);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            byte[] t = new byte[128];
            t[0] = 0xff;
            File.WriteAllBytes(token, t);
            string signer = new string('a', 62) + "0F";
            File.WriteAllText(pub, signer + "\n");
            var (code, stdout, stderr) = Flash(new[] { "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--node", "bed3", "--signer", pub,
                                                       "--bearer-key", key, "--token", token, "--dry-run" });
            Assert.True(code == 0, "exit " + code + "\n" + stdout + stderr);
            Assert.Contains("librecast.conf: signer " + signer.ToLowerInvariant(), stdout);
            Assert.Contains("librecast.conf: bearer_key node.key", stdout);
            Assert.Contains("librecast.conf: token node.token", stdout);
            Assert.DoesNotContain(Convert.ToHexString(seed), stdout + stderr, StringComparison.OrdinalIgnoreCase);
            Match files = Regex.Match(stdout, @"files\.json: (\{.*\})\n");
            using var doc = System.Text.Json.JsonDocument.Parse(files.Groups[1].Value);
            var list = doc.RootElement.GetProperty("Files");
            Assert.Equal(3, list.GetArrayLength());
            Assert.Equal(@"I:\node.key", list[1].GetProperty("DestinationFilePath").GetString());
            Assert.Equal(key, list[1].GetProperty("SourceFilePath").GetString());
            Assert.Equal(@"I:\node.token", list[2].GetProperty("DestinationFilePath").GetString());

            string[] bad(params string[] extra)
            {
                var args = new System.Collections.Generic.List<string> { "--board", "esp32-devkitc", "--port", "/dev/ttyLCTEST0", "--dry-run" };
                args.AddRange(extra);
                return args.ToArray();
            }
            (code, _, stderr) = Flash(bad("--bearer-key", key));
            Assert.Equal(2, code);
            Assert.Contains("--bearer-key and --token go together", stderr);
            (code, _, stderr) = Flash(bad("--signer", "12ab"));
            Assert.Equal(2, code);
            Assert.Contains("--signer must be the site signer's public key", stderr);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            (code, _, stderr) = Flash(bad("--bearer-key", key, "--token", token));
            Assert.Equal(2, code);
            Assert.Contains("chmod 600", stderr);
            Assert.DoesNotContain(Convert.ToHexString(seed), stderr, StringComparison.OrdinalIgnoreCase);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllBytes(token, new byte[100]);
            (code, _, stderr) = Flash(bad("--bearer-key", key, "--token", token));
            Assert.Equal(2, code);
            Assert.Contains("must be exactly 128 bytes", stderr);
            Assert.Single(stderr.Trim().Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
