using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// Channel names to groups, against librecast 0.5.1's own answers (Vectors.g.cs, made by
    /// tests/peers/lcpeer.c): names from string literals (through MetadataProcessor on the device
    /// build), names built at run time, and their UTF-8 bytes against .NET's Encoding.UTF8.
    /// </summary>
    [TestClass]
    public class NamingCases
    {
        [TestMethod]
        public void Literal_Names_Hash_To_Librecast_Groups()
        {
            Check(Vectors.NameLiterals, "literal");
        }

        [TestMethod]
        public void Names_Built_At_Run_Time_Hash_To_Librecast_Groups()
        {
            string[] built = new string[Vectors.NameCodePoints.Length];
            for (int i = 0; i < built.Length; i++) built[i] = Hex.FromCodePoints(Vectors.NameCodePoints[i]);
            Check(built, "built at run time");
        }

        [TestMethod]
        public void Names_Concatenated_At_Run_Time_Hash_Like_Their_Literals()
        {
            // "site/" + a name: how the node makes "<site>/<node>/telemetry".
            for (int i = 0; i < Vectors.NameLiterals.Length; i++)
            {
                string joined = "x/" + Vectors.NameLiterals[i] + "/y";
                string literal = Vectors.NameLiterals[i];
                Assert.AreEqual("782f" + Vectors.NameUtf8[i] + "2f79", Hex.Of(Utf8.GetBytes(joined)), "UTF-8 of name " + i + " with a prefix and suffix");
                Assert.AreEqual(literal.Length + 4, joined.Length, "length of name " + i + " with a prefix and suffix");
            }
        }

        [TestMethod]
        public void Ipv4_Mapping_Of_Names()
        {
            int bad = 0;
            string first = "";
            for (int i = 0; i < Vectors.NameLiterals.Length; i++)
            {
                string got = Ipv4Group.Format(Ipv4Group.FromName(Vectors.NameLiterals[i]), 0);
                if (got != Vectors.NameIpv4[i])
                {
                    if (bad++ == 0) first = "name " + i + ": expected " + Vectors.NameIpv4[i] + ", got " + got;
                }
            }
            Assert.AreEqual(0, bad, "IPv4 groups differ from librecast's group mapped to 239/8; first " + first);
        }

        private static void Check(string[] names, string how)
        {
            Assert.AreEqual(Vectors.NameGroups.Length, names.Length, "vector count");
            int badUtf8 = 0, badGroup = 0;
            string first = "";
            for (int i = 0; i < names.Length; i++)
            {
                string utf8 = Hex.Of(Utf8.GetBytes(names[i]));
                if (utf8 != Vectors.NameUtf8[i])
                {
                    if (badUtf8++ == 0 && first.Length == 0) first = "name " + i + " UTF-8: expected " + Vectors.NameUtf8[i] + ", got " + utf8;
                }
                string group = GroupAddress.Format(GroupAddress.FromName(names[i]), 0);
                if (group != Vectors.NameGroups[i])
                {
                    if (badGroup++ == 0 && first.Length == 0) first = "name " + i + " group: expected " + Vectors.NameGroups[i] + ", got " + group;
                }
            }
            Assert.AreEqual(0, badUtf8 + badGroup, names.Length + " names " + how + ": " + badUtf8 + " UTF-8 and " + badGroup + " groups differ from librecast; first " + first);
        }
    }
}
