using System;

namespace Librecast
{
    // The .NET build's half of Blake3Hasher (src/Librecast/Blake3Hasher.cs): this folder is compiled
    // into Librecast.csproj only, never into the nanoFramework builds, which glob src/Librecast.
    // Every one-shot hash (shared files, fetched files, FEC object ids, names) takes the fast path;
    // the incremental hasher stays the portable one.
    public sealed partial class Blake3Hasher
    {
        static partial void HashNative(byte[] input, int offset, int count, byte[] output, int outputOffset, ref bool hashed)
        {
            Blake3Fast.Hash(input, offset, count, new Span<byte>(output, outputOffset, OutLength));
            hashed = true;
        }
    }
}
