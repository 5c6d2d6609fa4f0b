using System;
using System.Buffers.Binary;

namespace Librecast
{
    // The .NET build's half of Frame (src/Librecast/Frame.cs): this folder is compiled into
    // Librecast.csproj only, never into the nanoFramework builds, which glob src/Librecast.
    public static partial class Frame
    {
        static partial void WriteUInt64Native(byte[] buffer, int offset, ulong value, ref bool written)
        {
            BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(buffer, offset, 8), value);
            written = true;
        }
    }
}
