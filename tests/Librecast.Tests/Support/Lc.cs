using System;
using System.IO;

namespace Librecast.Tests.Support;

/// <summary>Runs the built <c>lc</c> CLI (copied next to the tests) as a separate process.</summary>
public static class Lc
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "lc.dll");

    public static (int Code, string Out, string Err) Run(string args, int timeoutMs = 30_000) =>
        CPeer.Run("dotnet", $"{Dll} {args}", null, timeoutMs);

    public static PeerProcess Start(string args) => new("dotnet", $"{Dll} {args}");
}
