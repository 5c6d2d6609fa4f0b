using System;
using System.Collections.Generic;
using System.Linq;
using Librecast.Gateway.Config;
using Librecast.Sensors;
using LibrecastIoT.Sensor;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The sensor-node naming convention (<see cref="NodeNames"/>, in the core) is the same on the
/// ESP32 node (NodeSettings), lcgw's config and the Pi's sensors (TelemetryEncoder): the same
/// inputs give the same channel and base name, and the same names are refused everywhere.
/// </summary>
public class NodeNamesTests
{
    private static GatewayConfig LcgwWith(string site, string node) => GatewayConfig.Parse(
        "config gateway\n option site '" + site + "'\n option node '" + node + "'\nconfig sensor\n option type bme280\n option bus sim\nconfig jsonl", "t.conf");

    [Theory]
    [InlineData("site1", "node1")]
    [InlineData("home", "esp-020000770a01")]
    [InlineData("B-3", "pi.kitchen_2")]
    public void Node_Lcgw_And_Pi_Sensors_Name_A_Node_Alike(string site, string node)
    {
        var settings = new NodeSettings { Site = site, Node = node };
        settings.Validate();
        Assert.Equal(site + "/" + node + "/telemetry", settings.TelemetryChannel);
        Assert.Equal(site + "/" + node + "/cmd", settings.CommandChannel);
        Assert.Equal("urn:dev:lc:" + site + ":" + node + ":", settings.BaseName);

        Assert.Equal(settings.TelemetryChannel, LcgwWith(site, node).Sensors[0].Channel);

        var encoder = new TelemetryEncoder(site, node);
        int n = encoder.Encode(1795589518968, new List<Reading> { new("temperature", "Cel", 21.5, 1) });
        var decoder = new Librecast.Gateway.Senml.SenmlDecoder();
        Assert.True(decoder.TryDecode(encoder.Buffer, 0, n), decoder.LastErrorDetail);
        Assert.Equal(settings.BaseName + "temperature", decoder.Records[0].Name);
    }

    [Theory]
    [InlineData("ok-name_2.x", true)]
    [InlineData("a b", false)]           // lcgw took spaces, the node did not
    [InlineData("b\u00e2timent", false)] // both took it, and lcgw's own decoder refused the records (not a SenML name)
    [InlineData("a+b", false)]
    [InlineData("a/b", false)]
    [InlineData("a:b", false)]
    [InlineData("tab\there", false)]
    [InlineData("del\u007f", false)]
    public void Node_And_Lcgw_Refuse_The_Same_Names(string name, bool valid)
    {
        Assert.Equal(valid, NodeNames.Problem(name) == null);
        Exception? node = Record.Exception(new NodeSettings { Site = name, Node = "n1" }.Validate);
        Exception? lcgw = Record.Exception(() => LcgwWith(name, "n1"));
        if (valid)
        {
            Assert.Null(node);
            Assert.Null(lcgw);
            // What the rule lets through is a valid SenML name once in the base name.
            Assert.True(Librecast.Gateway.Senml.SenmlDecoder.ValidName(NodeNames.BaseName(name, name) + "temperature"));
            return;
        }
        Assert.Contains(NodeNames.Problem(name)!, Assert.IsType<ArgumentException>(node).Message);
        // lcgw's config reader refuses control characters before the name rule sees them.
        Assert.IsType<ConfigException>(lcgw);
        if (!name.Any(char.IsControl)) Assert.Contains(NodeNames.Problem(name)!, lcgw!.Message);
    }

    [Fact]
    public void An_Empty_Name_Is_Refused_By_The_Node_And_Means_The_Default_To_Lcgw()
    {
        Assert.NotNull(NodeNames.Problem(""));
        Assert.Contains("must not be empty", Assert.Throws<ArgumentException>(new NodeSettings { Site = "", Node = "n1" }.Validate).Message);
        Assert.Equal("site1", LcgwWith("", "n1").Site); // UCI: an empty option is an unset one
    }
}
