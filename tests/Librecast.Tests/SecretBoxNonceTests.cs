using System;
using System.Collections.Generic;
using Librecast.Crypto;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The nonce contract of <see cref="SecretBox.Seal(byte[], int, int, byte[], int, IPlatform)"/>: a box never
/// repeats a nonce (per-box prefix + counter), and two "boots" whose random source restarts from the same
/// seed still get different nonces once their clocks differ (the prefix is XORed with the wall clock).
/// </summary>
public class SecretBoxNonceTests
{
    private static readonly byte[] Key = new byte[32];

    private static string[] Nonces(MemoryPlatform platform, int count)
    {
        using var box = new SecretBox(Key);
        var plain = new byte[10];
        var sealedBytes = new byte[SecretBox.SealedLength(plain.Length)];
        var result = new string[count];
        for (int i = 0; i < count; i++)
        {
            int n = box.Seal(plain, 0, plain.Length, sealedBytes, 0, platform);
            result[i] = Convert.ToHexString(sealedBytes, n - SecretBox.NonceSize, SecretBox.NonceSize);
        }
        return result;
    }

    [Fact]
    public void Nonces_Of_Two_Boots_With_The_Same_Random_Seed_Differ()
    {
        // MemoryPlatform's random source is a fixed-seed generator: both "boots" draw the same bytes.
        var boot1 = new MemoryPlatform { Now = 1_795_000_000_000_000_000 };
        var boot2 = new MemoryPlatform { Now = 1_795_000_000_000_000_000 + 7_300_000_000 }; // rebooted 7.3 s later
        var seen = new HashSet<string>(Nonces(boot1, 1000));
        foreach (string n in Nonces(boot2, 1000)) Assert.DoesNotContain(n, seen);
    }

    [Fact]
    public void One_Box_Never_Repeats_A_Nonce_Prefix_Then_Counter_Then_Eight_Zero_Bytes()
    {
        string[] nonces = Nonces(new MemoryPlatform(), 10_000);
        Assert.Equal(nonces.Length, new HashSet<string>(nonces).Count);
        string prefix = nonces[0][..16];
        for (int i = 0; i < nonces.Length; i++)
        {
            Assert.Equal(prefix, nonces[i][..16]);
            Assert.Equal((i + 1).ToString("X16"), nonces[i][16..32]);
            Assert.Equal(new string('0', 16), nonces[i][32..]);
        }
    }

    [Fact]
    public void Two_Boxes_On_One_Platform_Draw_Different_Prefixes()
    {
        var platform = new MemoryPlatform();
        Assert.NotEqual(Nonces(platform, 1)[0][..16], Nonces(platform, 1)[0][..16]);
    }
}
