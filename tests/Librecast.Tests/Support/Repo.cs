using System;
using System.IO;

namespace Librecast.Tests.Support;

/// <summary>The repository the tests were built from, for tests that read its sources.</summary>
internal static class Repo
{
    /// <summary>The folder holding LibrecastIoT.sln, found upwards from the test binaries.</summary>
    public static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "LibrecastIoT.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("LibrecastIoT.sln not found above " + AppContext.BaseDirectory);
    }
}
