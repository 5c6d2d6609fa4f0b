using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>lc's NACK options: documented in --help, and every misuse one line on stderr with exit 2, before anything is sent.</summary>
public class LcNackCliTests
{
    [Theory]
    [InlineData("listen --wire 0.5 --nack bench", "--nack: the librecast 0.5.1 wire has no NACK gap repair")]
    [InlineData("send --wire 0.5 --nack 5 bench hi", "--nack: the librecast 0.5.1 wire has no NACK gap repair")]
    [InlineData("listen --raw --nack bench", "--nack repairs gaps in librecast frames' sequence numbers: it cannot be used with --raw")]
    [InlineData("send --raw --nack 5 bench hi", "--nack logs framed messages (as lc_msg_send does): it cannot be used with --raw")]
    [InlineData("send --nack-rate 10 bench hi", "--nack-bytes and --nack-rate set the NACK log: add --nack SECONDS")]
    [InlineData("send --nack 0 bench hi", "--nack must be 1..86400 seconds (got 0)")]
    [InlineData("send --nack 5 --nack-bytes 10 bench hi", "--nack-bytes must be 64..1073741824 (got 10)")]
    [InlineData("send --nack 5 --nack-bytes 64 --size 100 --count 3 bench", "--nack-bytes 64 cannot hold one 133-byte datagram")]
    [InlineData("send --nack 5 --fec-rq --file /dev/null bench", "--nack repairs framed messages: --fec-rq traffic is repaired by sending more symbols")]
    public void Misuse_Is_One_Line_And_Exit_2(string args, string expected)
    {
        var (code, _, stderr) = Lc.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("lc: " + expected, stderr);
        Assert.DoesNotContain("\n", stderr.Trim()); // one line
    }

    [Fact]
    public void Help_Documents_The_Nack_Options()
    {
        var (code, send, _) = Lc.Run("send --help");
        Assert.Equal(0, code);
        Assert.Contains("--nack <SECONDS>", send);
        Assert.Contains("--nack-bytes <BYTES>", send);
        Assert.Contains("--nack-rate <R>", send);
        Assert.Contains("lc_channel_nack_handler", send);
        var (_, listen, _) = Lc.Run("listen --help");
        Assert.Contains("--nack ", listen);
        Assert.Contains("lc_channel_detect_gaps", listen);
    }
}
