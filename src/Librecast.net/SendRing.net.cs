using System.Threading;

namespace Librecast
{
    // The .NET build's half of SendRing (src/Librecast/SendRing.cs): this folder is compiled into
    // Librecast.csproj only, never into the nanoFramework builds, which glob src/Librecast.
    public sealed partial class SendRing
    {
        static partial void CommitNative(int[] marks, int index, int mark, ref bool stored)
        {
            Volatile.Write(ref marks[index], mark);
            stored = true;
        }
    }
}
