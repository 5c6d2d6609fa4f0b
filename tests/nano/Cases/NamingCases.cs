using Librecast;
using nanoFramework.TestFramework;

namespace Librecast.NanoCases
{
    /// <summary>
    /// Channel names to groups, against librecast 0.5.1's and 0.11.2's own answers (Vectors.g.cs,
    /// made by tests/peers/lcpeer.c and lcside.c): names from string literals (through
    /// MetadataProcessor on the device build), names built at run time, and their UTF-8 bytes
    /// against .NET's Encoding.UTF8; under wire profile 0.11 (the default) also the "NACK" sidehash.
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
        public void Literal_Names_Hash_To_Librecast_0_11_Groups_And_Nack_Channels()
        {
            Context context = new Context(new MemoryWire());
            byte[] nack = new byte[] { (byte)'N', (byte)'A', (byte)'C', (byte)'K' };
            Assert.IsTrue(context.Wire == WireProfile.V0_11, "the default wire is 0.11, not " + context.Wire.Name);
            int n = Vectors.NameLiterals.Length;
            string groups = "", nacks = "", first = "";
            for (int i = 0; i < n; i++)
            {
                Channel c = context.CreateChannel(Vectors.NameLiterals[i]);
                string group = c.Address;
                string side = c.Sidehash(nack, 0, 4).Address;
                string byName = GroupAddress.Format(GroupAddress.FromName(Vectors.NameLiterals[i], WireProfile.V0_11), 0);
                if (byName != group && first.Length == 0) first = "name " + i + ": channel " + group + ", GroupAddress " + byName;
                if (i < Vectors.NameGroups011Head.Length && first.Length == 0 && (group != Vectors.NameGroups011Head[i] || side != Vectors.NameNackGroups011Head[i]))
                    first = "name " + i + ": expected " + Vectors.NameGroups011Head[i] + " / NACK " + Vectors.NameNackGroups011Head[i] + ", got " + group + " / NACK " + side;
                groups += group + "\n";
                nacks += side + "\n";
            }
            Assert.AreEqual("", first, "names differ from librecast 0.11.2");
            Assert.AreEqual(Vectors.NameGroups011Digest, Digest(groups), n + " names' 0.11 groups differ from librecast 0.11.2's (digest of all)");
            Assert.AreEqual(Vectors.NameNackGroups011Digest, Digest(nacks), n + " names' NACK channels differ from librecast 0.11.2's (digest of all)");
        }

        private static string Digest(string ascii)
        {
            byte[] bytes = Utf8.GetBytes(ascii);
            byte[] digest = new byte[32];
            Blake3Hasher.Hash(bytes, 0, bytes.Length, digest, 0);
            return Hex.Of(digest);
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
                string group = GroupAddress.Format(GroupAddress.FromName(names[i], WireProfile.V0_5), 0);
                if (group != Vectors.NameGroups[i])
                {
                    if (badGroup++ == 0 && first.Length == 0) first = "name " + i + " group: expected " + Vectors.NameGroups[i] + ", got " + group;
                }
            }
            Assert.AreEqual(0, badUtf8 + badGroup, names.Length + " names " + how + ": " + badUtf8 + " UTF-8 and " + badGroup + " groups differ from librecast; first " + first);
        }
    }
}
