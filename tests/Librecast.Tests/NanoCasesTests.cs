using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The core's nanoCLR cases (tests/nano/Cases, compiled into this assembly too) run on .NET: the
/// same sources and the same expected values as the NFUnitTest assembly that tests/nano/run runs
/// in the real nanoCLR, so a difference between the two runtimes shows as a failure on one side.
/// </summary>
public class NanoCasesTests
{
    private static readonly Type[] Classes = typeof(NanoCasesTests).Assembly.GetTypes()
        .Where(t => t.Namespace == "Librecast.NanoCases" && t.GetCustomAttribute<nanoFramework.TestFramework.TestClassAttribute>() != null)
        .OrderBy(t => t.Name).ToArray();

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (Type t in Classes)
            foreach (MethodInfo m in t.GetMethods().Where(m => m.GetCustomAttribute<nanoFramework.TestFramework.TestMethodAttribute>() != null).OrderBy(m => m.Name))
                data.Add(t.Name + "." + m.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_Passes_On_Dotnet(string name)
    {
        string[] parts = name.Split('.');
        Type t = Classes.Single(c => c.Name == parts[0]);
        object instance = Activator.CreateInstance(t)!;
        try
        {
            t.GetMethod(parts[1])!.Invoke(instance, null);
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    [Fact]
    public void There_Are_Cases_For_Everything_The_Esp32_Runs()
    {
        string[] expected = { "Blake3Cases", "Ed25519Cases", "Fec011Cases", "FrameCases", "NamingCases", "PublishCostCases", "PublisherCases", "RaptorQCases", "ReplayCases", "RingPoolCases", "SecretBoxCases", "SendRingCases", "SenmlCases", "SigningCostCases", "TokenCases" };
        Assert.Equal(expected, Classes.Select(c => c.Name).ToArray());
    }
}
