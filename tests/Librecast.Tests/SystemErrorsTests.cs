using System;
using System.IO;
using System.Net.Sockets;
using Librecast.Sockets;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The static images carry no resource strings (UseSystemResourceKeys), so a runtime exception's
/// message there is a key such as "UnauthorizedAccess_IODenied_Path, /x". What lc and lcgw show
/// instead must read as words, whichever form the message takes.
/// </summary>
public class SystemErrorsTests
{
    [Theory]
    [InlineData("UnauthorizedAccess_IODenied_Path, /etc/lcgw/site.key", true)]
    [InlineData("IO_FileNotFound_FileName, /x", true)]
    [InlineData("Arg_NullReferenceException", true)]
    [InlineData("Access to the path '/etc/lcgw/site.key' is denied.", false)]
    [InlineData("Input/output error : '/dev/i2c-1'", false)]
    [InlineData("Protocol not available", false)]
    [InlineData("", false)]
    public void Resource_Keys_Are_Told_From_Sentences(string message, bool key) =>
        Assert.Equal(key, SystemErrors.IsResourceKey(message));

    [Fact]
    public void File_Errors_Read_As_Words_In_Either_Build()
    {
        // As the static image has them (keys) and as a normal build has them (sentences): the same words.
        foreach (string message in new[] { "UnauthorizedAccess_IODenied_Path, /k", "Access to the path '/k' is denied." })
            Assert.Equal("permission denied", SystemErrors.Describe(new UnauthorizedAccessException(message)));
        Assert.Equal("no such file", SystemErrors.Describe(new FileNotFoundException("IO_FileNotFound_FileName, /k")));
        Assert.Equal("no such directory", SystemErrors.Describe(new DirectoryNotFoundException("IO_PathNotFound_Path, /k")));
        Assert.Equal("input/output error", SystemErrors.Describe(new IOException("IO_SharingViolation_File, /k")));
        Assert.Equal("InvalidOperationException", SystemErrors.Describe(new InvalidOperationException("InvalidOperation_EnumNotStarted")));
    }

    [Fact]
    public void Unix_Errors_Read_As_The_C_Librarys_Words_In_Either_Build()
    {
        // lcgw's IoErrors and lc's own helper did this; SystemErrors is now the one helper for both.
        Assert.Equal("no space left on device", SystemErrors.Describe(new IOException("IO_DiskFull_Path_Reason, /k", 28)));
        Assert.Equal("no space left on device", SystemErrors.Describe(new IOException("No space left on device : '/k'", 28)));
        Assert.Equal("broken pipe", SystemErrors.Describe(new IOException("IO_PipeBroken", 32)));
    }

    [Fact]
    public void Sentences_And_Socket_Errors_Keep_Their_Words()
    {
        Assert.Equal("Input/output error : '/dev/i2c-1'", SystemErrors.Describe(new IOException("Input/output error : '/dev/i2c-1'")));
        string strerror = new SocketException((int)SocketError.ProtocolNotSupported).Message;
        Assert.Equal(strerror, SystemErrors.Describe(new SocketException((int)SocketError.ProtocolNotSupported)));
        Assert.False(SystemErrors.IsResourceKey(strerror));
    }
}
