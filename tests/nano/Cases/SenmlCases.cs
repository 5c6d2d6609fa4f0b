using Librecast;
using Librecast.Senml;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>The SenML writer's bytes (RFC 8428 JSON), including names outside the Basic Multilingual Plane.</summary>
    [TestClass]
    public class SenmlCases
    {
        private static string Write(string baseName, long millis, string name, string unit, double value, int decimals)
        {
            byte[] buffer = new byte[512];
            SenmlWriter w = new SenmlWriter(buffer, 0, buffer.Length);
            w.Begin(baseName, millis);
            Assert.IsTrue(w.Add(name, unit, value, decimals), "record fits");
            Assert.IsTrue(w.Add("humidity", "%RH", 43.8, 1), "second record fits");
            int n = w.End();
            return Hex.Of(buffer, 0, n);
        }

        // ASCII text as hex, one byte per char (no encoder involved).
        private static string Ascii(string text)
        {
            byte[] b = new byte[text.Length];
            for (int i = 0; i < b.Length; i++) b[i] = (byte)text[i];
            return Hex.Of(b);
        }

        [TestMethod]
        public void The_Nodes_Pack_Byte_For_Byte()
        {
            string expected = "[{\"bn\":\"urn:dev:lc:site1:devkitc1:\",\"bt\":1795597410.011,\"n\":\"temperature\",\"u\":\"Cel\",\"v\":22.18},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":43.8}]";
            Assert.AreEqual(Ascii(expected), Write("urn:dev:lc:site1:devkitc1:", 1795597410011L, "temperature", "Cel", 22.18, 2), "pack");
        }

        [TestMethod]
        public void Escapes_And_Utf8_Including_Emoji()
        {
            // q"uo\te<LF><TAB><U+0001>é€😀 and °C, escaped as JSON and encoded as UTF-8 by hand here.
            string got = Write("b", 1500, "q\"uo\\te\n\t\u0001é€\U0001F600", "°C", -1.5, 1);
            string expected = Ascii("[{\"bn\":\"b\",\"bt\":1.5,\"n\":\"q\\\"uo\\\\te\\u000a\\u0009\\u0001") + "c3a9" + "e282ac" + "f09f9880"
                + Ascii("\",\"u\":\"") + "c2b0" + Ascii("C\",\"v\":-1.5},{\"n\":\"humidity\",\"u\":\"%RH\",\"v\":43.8}]");
            Assert.AreEqual(expected, got, "pack");
        }

        [TestMethod]
        public void A_Name_Of_Ten_Emoji_Is_Forty_Bytes_Of_Utf8()
        {
            string name = "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂";
            string got = Write("b", 0, name, "", 1, 0);
            string tenSmiles = "";
            for (int i = 0; i < 10; i++) tenSmiles += "f09f9982";
            Assert.IsTrue(got.IndexOf("226e223a22" + tenSmiles + "22") >= 0, "\"n\":\"<ten U+1F642>\" in " + got);
        }
    }
}
