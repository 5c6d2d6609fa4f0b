// The core's nanoCLR cases (tests/nano, assembly NFUnitTest) reach the same internals as the xUnit
// tests do through src/Librecast's InternalsVisibleTo.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NFUnitTest")]
