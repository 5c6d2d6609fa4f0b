using System;
using Librecast.Crypto;

// The same operations as tests/nano/Cases/SigningCostCases.cs, counted: field multiplications
// and squarings (each a 16x16-limb product of 64-bit limbs, then two carry passes).
Ed25519 ed = new Ed25519();
Sha512 sha = new Sha512();
byte[] signer = new byte[32], bearer = new byte[32], spk = new byte[32], bpk = new byte[32];
for (int i = 0; i < 32; i++) { signer[i] = (byte)(i * 7 + 1); bearer[i] = (byte)(i * 13 + 5); }
byte[] packet = new byte[128 + 60 + 64], digest = new byte[64];
for (int i = 0; i < 188; i++) packet[i] = (byte)(i * 31 + 3);
ed.PublicKey(signer, 0, spk, 0);
Count("public key from seed", () => ed.PublicKey(bearer, 0, bpk, 0));
ed.Sign(signer, 0, spk, 0, packet, 0, 64, packet, 64);
Count("sign a datagram (Ed25519ph)", () => { sha.Reset(); sha.Update(packet, 0, 188); sha.Finish(digest, 0); ed.SignPrehashed(bearer, 0, bpk, 0, digest, 0, packet, 188); });
Count("verify a token (Ed25519)", () => { if (!ed.Verify(spk, 0, packet, 0, 64, packet, 64)) throw new Exception("token refused"); });
Count("verify a datagram (Ed25519ph)", () => { sha.Reset(); sha.Update(packet, 0, 188); sha.Finish(digest, 0); if (!ed.VerifyPrehashed(bpk, 0, digest, 0, packet, 188)) throw new Exception("datagram refused"); });

// The spread: verification's double-and-add follows the public scalars' bits.
int minM = int.MaxValue, maxM = 0, minS = int.MaxValue, maxS = 0;
for (int r = 0; r < 50; r++)
{
    packet[128] = (byte)r; packet[129] = (byte)(r >> 8);
    sha.Reset(); sha.Update(packet, 0, 188); sha.Finish(digest, 0); ed.SignPrehashed(bearer, 0, bpk, 0, digest, 0, packet, 188);
    Ed25519.Muls = 0; Ed25519.Squares = 0;
    if (!ed.VerifyPrehashed(bpk, 0, digest, 0, packet, 188)) throw new Exception("datagram refused");
    minM = Math.Min(minM, Ed25519.Muls); maxM = Math.Max(maxM, Ed25519.Muls); minS = Math.Min(minS, Ed25519.Squares); maxS = Math.Max(maxS, Ed25519.Squares);
}
Console.WriteLine($"verify a datagram, 50 readings: {minM}-{maxM} field multiplications, {minS}-{maxS} squarings");

static void Count(string what, Action op)
{
    Ed25519.Muls = 0; Ed25519.Squares = 0;
    op();
    Console.WriteLine($"{what}: {Ed25519.Muls} field multiplications, {Ed25519.Squares} squarings");
}
