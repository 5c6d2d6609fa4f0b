namespace Librecast.Fec
{
    /// <summary>Bulk symbol arithmetic the RaptorQ coder spends its time in; a platform may supply a faster one.</summary>
    /// <remarks>
    /// The core's <see cref="PortableSymbolOps"/> is plain byte loops (nanoFramework has nothing
    /// better); platforms/dotnet sets a vectorised one through <see cref="SymbolOps.Use"/>.
    /// Both must give the same bytes: the tests run the coder over both.
    /// </remarks>
    public interface ISymbolOps
    {
        /// <summary>dst[dOff..dOff+len) ^= src[sOff..sOff+len).</summary>
        void Xor(byte[] dst, int dOff, byte[] src, int sOff, int len);

        /// <summary>dst ^= beta * src over GF(256), beta not 0 or 1.</summary>
        void MulAdd(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta);

        /// <summary>buf *= beta over GF(256), beta not 0.</summary>
        void Scale(byte[] buf, int off, int len, byte beta);

        /// <summary>
        /// A hint: buf[off..off+len) will be read soon (the next symbol a sender writes), so the
        /// processor may start loading it into its cache now. Changes nothing; out-of-range parts are ignored.
        /// </summary>
        void Prefetch(byte[] buf, int off, int len);

        /// <summary>
        /// A hint: buf[off..off+len) will be written soon, so the operating system may map its pages
        /// now rather than fault them in under the writer. Changes no byte, so it may run while another
        /// thread writes there; out-of-range parts are ignored.
        /// </summary>
        void Populate(byte[] buf, int off, int len);
    }

    /// <summary>The symbol arithmetic in use (portable unless a platform installed a faster one).</summary>
    public static class SymbolOps
    {
        private static ISymbolOps current = new PortableSymbolOps();

        /// <summary>The implementation the coder calls.</summary>
        public static ISymbolOps Current { get { return current; } }

        /// <summary>Installs a platform's implementation (call once at start, before coding).</summary>
        public static void Use(ISymbolOps ops)
        {
            if (ops == null) throw new System.ArgumentNullException("ops");
            current = ops;
        }
    }

    /// <summary>Byte-loop symbol arithmetic that runs anywhere (the ESP32 included).</summary>
    public sealed class PortableSymbolOps : ISymbolOps
    {
        /// <inheritdoc/>
        public void Xor(byte[] dst, int dOff, byte[] src, int sOff, int len)
        {
            for (int i = 0; i < len; i++) dst[dOff + i] ^= src[sOff + i];
        }

        /// <inheritdoc/>
        public void MulAdd(byte[] dst, int dOff, byte[] src, int sOff, int len, byte beta)
        {
            byte[] exp = Gf256.Exp;
            byte[] log = Gf256.Log;
            int lb = log[beta];
            for (int i = 0; i < len; i++)
            {
                int s = src[sOff + i];
                if (s != 0) dst[dOff + i] ^= exp[lb + log[s]];
            }
        }

        /// <inheritdoc/>
        public void Scale(byte[] buf, int off, int len, byte beta)
        {
            byte[] exp = Gf256.Exp;
            byte[] log = Gf256.Log;
            int lb = log[beta];
            for (int i = 0; i < len; i++)
            {
                int s = buf[off + i];
                if (s != 0) buf[off + i] = exp[lb + log[s]];
            }
        }

        /// <inheritdoc/>
        /// <remarks>Nothing: the ESP32 has no prefetch instruction worth a call.</remarks>
        public void Prefetch(byte[] buf, int off, int len)
        {
        }

        /// <inheritdoc/>
        /// <remarks>Nothing: nanoFramework's heap is never paged.</remarks>
        public void Populate(byte[] buf, int off, int len)
        {
        }
    }
}
