using System;

// The part of nanoFramework.TestFramework that tests/nano/Cases uses, for running the same case
// sources on .NET (NanoCasesTests); in nanoCLR the cases compile against the real
// nanoFramework.TestFramework.dll (../shared/nanoframework-tools/testframework). Same names and
// signatures, so a case that compiles here and not there (or the reverse) fails one of the builds.
namespace nanoFramework.TestFramework
{
    /// <summary>Marks a class of test methods.</summary>
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class TestClassAttribute : Attribute { }

    /// <summary>Marks a test method.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestMethodAttribute : Attribute { }

    /// <summary>nanoFramework's test output (nanoCLR prints it in the run's log; here it goes to stdout).</summary>
    public static class OutputHelper
    {
        public static void WriteLine(string message) => Console.WriteLine(message);
    }

    /// <summary>A failed assertion.</summary>
    public sealed class AssertFailedException : Exception
    {
        public AssertFailedException(string message) : base(message) { }
    }

    /// <summary>nanoFramework's Assert, with its messages.</summary>
    public static class Assert
    {
        public static void IsTrue(bool condition, string message)
        {
            if (!condition) throw new AssertFailedException("Assert.IsTrue failed. " + message);
        }

        public static void IsFalse(bool condition, string message)
        {
            if (condition) throw new AssertFailedException("Assert.IsFalse failed. " + message);
        }

        public static void AreEqual(int expected, int actual, string message)
        {
            if (expected != actual) throw new AssertFailedException($"Assert.AreEqual failed. Expected:<{expected}>. Actual:<{actual}>. {message}");
        }

        public static void AreEqual(long expected, long actual, string message)
        {
            if (expected != actual) throw new AssertFailedException($"Assert.AreEqual failed. Expected:<{expected}>. Actual:<{actual}>. {message}");
        }

        public static void AreEqual(string expected, string actual, string message)
        {
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
                throw new AssertFailedException($"Assert.AreEqual failed. Expected:<{expected}>. Actual:<{actual}>. {message}");
        }
    }
}
