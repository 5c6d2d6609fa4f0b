namespace Librecast
{
    /// <summary>
    /// Message opcodes, numbered as librecast's <c>lc_opcode_t</c>. A received frame may carry any
    /// byte (librecast delivers them all); values past <see cref="Ret"/> have no name here.
    /// </summary>
    public enum Opcode : byte
    {
        /// <summary>Application data (LC_OP_DATA).</summary>
        Data = 0,
        /// <summary>LC_OP_PING.</summary>
        Ping = 1,
        /// <summary>LC_OP_PONG.</summary>
        Pong = 2,
        /// <summary>LC_OP_GET.</summary>
        Get = 3,
        /// <summary>LC_OP_SET.</summary>
        Set = 4,
        /// <summary>LC_OP_DEL.</summary>
        Del = 5,
        /// <summary>LC_OP_RET.</summary>
        Ret = 6,
    }
}
