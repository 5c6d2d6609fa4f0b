using System;
using Librecast.Crypto;
using Librecast.Tests.Support;
using Xunit;

namespace Librecast.Tests;

/// <summary>
/// The managed secretbox on published vectors (libsodium's own secretbox test, RFC 8439's
/// Poly1305 example, NaCl's HSalsa20 example), the librecast SYMM layout, in-place and
/// overlapping buffers, tampering with every bit, and zero allocation per message.
/// libsodium itself on random inputs: <see cref="SecretBoxSodiumTests"/>.
/// </summary>
public class SecretBoxTests
{
    // libsodium test/default/secretbox.c and secretbox_easy.exp (the NaCl vector).
    private const string VectorKey = "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";
    private const string VectorNonce = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
    private const string VectorMessage =
        "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705";
    private const string VectorBox =
        "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5";

    private static byte[] H(string hex) => Convert.FromHexString(hex);
    private static string Hex(byte[] b, int offset, int count) => Convert.ToHexStringLower(b, offset, count);

    private static byte[] Seal(SecretBox box, byte[] nonce, byte[] message)
    {
        var d = new byte[SecretBox.SealedLength(message.Length)];
        Assert.Equal(d.Length, box.SealWithNonce(message, 0, message.Length, d, 0, nonce, 0));
        return d;
    }

    [Fact]
    public void Seal_Matches_Libsodium_Secretbox_Vector_In_Librecast_Layout()
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] d = Seal(box, H(VectorNonce), H(VectorMessage));
        Assert.Equal(131 + 40, d.Length);
        Assert.Equal(VectorBox, Hex(d, 0, d.Length - 24));          // crypto_secretbox_easy output
        Assert.Equal(VectorNonce, Hex(d, d.Length - 24, 24));       // then the nonce, as librecast appends it
    }

    [Fact]
    public void Open_Recovers_Libsodium_Secretbox_Vector()
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] d = H(VectorBox + VectorNonce);
        var plain = new byte[200];
        Assert.Equal(SecretBoxStatus.Ok, box.Open(d, 0, d.Length, plain, 7, out int n));
        Assert.Equal(131, n);
        Assert.Equal(VectorMessage, Hex(plain, 7, n));
    }

    [Fact]
    public void Poly1305_Matches_Rfc8439_Example()
    {
        // RFC 8439 section 2.5.2.
        byte[] key = H("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] msg = "Cryptographic Forum Research Group"u8.ToArray();
        var tag = new byte[16];
        Poly1305.Compute(key, 0, msg, 0, msg.Length, tag, 0, new byte[16]);
        Assert.Equal("a8061dc1305136c6c22b8baf0c0127a9", Hex(tag, 0, 16));
    }

    [Fact]
    public void HSalsa20_Matches_NaCl_Example()
    {
        // NaCl tests/core1: HSalsa20(shared secret, 16 zero bytes) is the secretbox vector's key.
        byte[] shared = H("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        var k = new uint[8];
        for (int i = 0; i < 8; i++) k[i] = Salsa20.Load32(shared, 4 * i);
        var sub = new uint[8];
        Salsa20.HSalsa20(k, new byte[16], 0, sub);
        var bytes = new byte[32];
        for (int i = 0; i < 8; i++) Salsa20.Store32(bytes, 4 * i, sub[i]);
        Assert.Equal(VectorKey, Hex(bytes, 0, 32));
    }

    [Fact]
    public void Seal_With_Platform_Draws_16_Random_Nonce_Bytes_Then_8_Zero()
    {
        using var box = new SecretBox(H(VectorKey));
        var platform = new NullPlatform();
        byte[] msg = "hello"u8.ToArray();
        var a = new byte[45];
        var b = new byte[45];
        Assert.Equal(45, box.Seal(msg, 0, 5, a, 0, platform));
        Assert.Equal(45, box.Seal(msg, 0, 5, b, 0, platform));
        Assert.Equal("0000000000000000", Hex(a, 37, 8));
        Assert.NotEqual(Hex(a, 21, 16), Hex(b, 21, 16));    // a fresh nonce every time
        Assert.NotEqual(Hex(a, 0, 21), Hex(b, 0, 21));
        var plain = new byte[5];
        Assert.Equal(SecretBoxStatus.Ok, box.Open(a, 0, 45, plain, 0, out int n));
        Assert.Equal("hello"u8.ToArray(), plain);
        Assert.Equal(5, n);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(95)]
    [InlineData(96)]
    [InlineData(97)]
    [InlineData(1024)]
    [InlineData(SecretBox.MaxPlaintext)]
    public void Round_Trips_At_Block_Boundaries(int length)
    {
        using var box = new SecretBox(H(VectorKey));
        var msg = new byte[length];
        new Random(length).NextBytes(msg);
        var d = new byte[SecretBox.SealedLength(length) + 3];
        Assert.Equal(length + 40, box.Seal(msg, 0, length, d, 3, new NullPlatform()));
        var plain = new byte[length];
        Assert.Equal(SecretBoxStatus.Ok, box.Open(d, 3, length + 40, plain, 0, out int n));
        Assert.Equal(length, n);
        Assert.Equal(msg, plain);
    }

    [Fact]
    public void Seals_And_Opens_In_Place()
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] msg = H(VectorMessage);
        var buffer = new byte[10 + 16 + msg.Length + 24];
        Array.Copy(msg, 0, buffer, 10 + SecretBox.MacSize, msg.Length); // plaintext where its ciphertext goes
        int len = box.SealWithNonce(buffer, 10 + SecretBox.MacSize, msg.Length, buffer, 10, H(VectorNonce), 0);
        Assert.Equal(VectorBox + VectorNonce, Hex(buffer, 10, len));

        Assert.Equal(SecretBoxStatus.Ok, box.Open(buffer, 10, len, buffer, 10, out int n)); // plaintext over the MAC
        Assert.Equal(VectorMessage, Hex(buffer, 10, n));
    }

    [Theory]
    [InlineData(0, 0)]     // plaintext at the MAC's place: ciphertext lands 16 bytes later
    [InlineData(40, 0)]    // plaintext after its ciphertext's place
    [InlineData(0, 60)]    // destination after the plaintext, overlapping it
    [InlineData(200, 0)]   // no overlap
    public void Overlapping_Buffers_Give_The_Same_Bytes(int plainAt, int boxAt)
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] msg = H(VectorMessage);
        var buffer = new byte[500];
        Array.Copy(msg, 0, buffer, plainAt, msg.Length);
        int len = box.SealWithNonce(buffer, plainAt, msg.Length, buffer, boxAt, H(VectorNonce), 0);
        Assert.Equal(VectorBox + VectorNonce, Hex(buffer, boxAt, len));

        // Open with the plaintext overlapping the datagram at every shift from -20 to +60 bytes.
        byte[] datagram = H(VectorBox + VectorNonce);
        for (int shift = -20; shift <= 60; shift++)
        {
            var b = new byte[400];
            Array.Copy(datagram, 0, b, 100, datagram.Length);
            Assert.Equal(SecretBoxStatus.Ok, box.Open(b, 100, datagram.Length, b, 100 + shift, out int n));
            Assert.Equal(VectorMessage, Hex(b, 100 + shift, n));
        }
    }

    [Fact]
    public void Any_Single_Bit_Flip_Anywhere_Is_Rejected_And_Nothing_Is_Written()
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] good = Seal(box, H(VectorNonce), "sixty-four bytes of telemetry, give or take, for the tamper test"u8.ToArray());
        var plain = new byte[good.Length];
        int rejected = 0;
        for (int bit = 0; bit < good.Length * 8; bit++)
        {
            byte[] d = (byte[])good.Clone();
            d[bit / 8] ^= (byte)(1 << (bit % 8));
            Array.Fill(plain, (byte)0xAA);
            Assert.Equal(SecretBoxStatus.Forged, box.Open(d, 0, d.Length, plain, 0, out int n));
            Assert.Equal(0, n);
            Assert.All(plain, b => Assert.Equal(0xAA, b)); // no unauthenticated byte reaches the caller
            rejected++;
        }
        Assert.Equal(good.Length * 8, rejected);
        Assert.Equal(SecretBoxStatus.Ok, box.Open(good, 0, good.Length, plain, 0, out _)); // and the original still opens
    }

    [Fact]
    public void Wrong_Key_Is_Forged()
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] d = Seal(box, H(VectorNonce), H(VectorMessage));
        byte[] other = H(VectorKey);
        other[31] ^= 1;
        using var wrong = new SecretBox(other);
        Assert.Equal(SecretBoxStatus.Forged, wrong.Open(d, 0, d.Length, new byte[d.Length], 0, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(39)]
    [InlineData(40)]
    public void Datagrams_Of_40_Bytes_Or_Less_Are_Too_Short(int length)
    {
        // librecast's receiver drops these; a 40-byte one is a valid empty libsodium box, dropped all the same.
        using var box = new SecretBox(H(VectorKey));
        byte[] d = length == 40 ? Seal(box, H(VectorNonce), Array.Empty<byte>()) : new byte[length];
        Assert.Equal(40, SecretBox.SealedLength(0));
        Assert.Equal(SecretBoxStatus.TooShort, box.Open(d, 0, length, new byte[10], 0, out int n));
        Assert.Equal(0, n);
    }

    [Fact]
    public void Small_Destination_Is_A_Status_Not_An_Exception()
    {
        using var box = new SecretBox(H(VectorKey));
        byte[] d = Seal(box, H(VectorNonce), H(VectorMessage));
        var plain = new byte[131];
        Assert.Equal(SecretBoxStatus.DestinationTooSmall, box.Open(d, 0, d.Length, plain, 1, out int n));
        Assert.Equal(0, n);
        Assert.All(plain, b => Assert.Equal(0, b));
        Assert.Equal(SecretBoxStatus.Ok, box.Open(d, 0, d.Length, plain, 0, out n));
    }

    [Fact]
    public void Programming_Errors_Throw_With_Reasons()
    {
        Assert.Throws<ArgumentNullException>(() => new SecretBox(null!));
        var e = Assert.Throws<ArgumentException>(() => new SecretBox(new byte[31]));
        Assert.Contains("32 bytes", e.Message);
        using var box = new SecretBox(new byte[32]);
        var p = new NullPlatform();
        Assert.Throws<ArgumentOutOfRangeException>(() => box.Seal(new byte[10], 0, 10, new byte[49], 0, p));
        Assert.Throws<ArgumentOutOfRangeException>(() => box.Seal(new byte[10], 5, 10, new byte[100], 0, p));
        Assert.Throws<ArgumentNullException>(() => box.Seal(new byte[10], 0, 10, new byte[100], 0, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => box.Open(new byte[50], 10, 50, new byte[100], 0, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => box.Open(new byte[50], 0, 50, new byte[10], 11, out _));
        box.Dispose();
        Assert.Throws<ObjectDisposedException>(() => box.Open(new byte[50], 0, 50, new byte[100], 0, out _));
        Assert.Throws<ObjectDisposedException>(() => box.Seal(new byte[10], 0, 10, new byte[100], 0, p));
    }

    [Fact]
    public void Key_Array_Is_Copied()
    {
        byte[] key = H(VectorKey);
        using var box = new SecretBox(key);
        Array.Clear(key); // the caller wipes its copy; the box keeps working (unlike lc_channel_set_sym_key)
        byte[] d = Seal(box, H(VectorNonce), H(VectorMessage));
        Assert.Equal(VectorBox, Hex(d, 0, d.Length - 24));
    }

    [Fact]
    public void Seal_And_Open_Allocate_Nothing_Per_Message()
    {
        using var box = new SecretBox(H(VectorKey));
        var platform = new NullPlatform();
        var msg = new byte[1024];
        var d = new byte[1024 + 40];
        var plain = new byte[1024];
        for (int i = 0; i < 100; i++) // warm up: JIT and tiering
        {
            box.Seal(msg, 0, 64 + i, d, 0, platform);
            box.Open(d, 0, 64 + i + 40, plain, 0, out _);
        }
        long before = ThreadAllocations.Baseline();
        int ok = 0;
        for (int i = 0; i < 10_000; i++)
        {
            int len = 1 + i % 1024;
            box.Seal(msg, 0, len, d, 0, platform);
            if (box.Open(d, 0, len + 40, plain, 0, out _) == SecretBoxStatus.Ok) ok++;
            d[0] ^= 1;
            box.Open(d, 0, len + 40, plain, 0, out _); // the rejection path too
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10_000, ok);
        Assert.Equal(0, allocated);
    }
}
