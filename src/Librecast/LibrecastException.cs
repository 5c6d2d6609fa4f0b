using System;

namespace Librecast
{
    /// <summary>A Librecast operation failed; the message says what, where, and what to do.</summary>
    public class LibrecastException : Exception
    {
        /// <summary>Creates the exception with a user-facing message.</summary>
        public LibrecastException(string message) : base(message) { }

        /// <summary>Creates the exception with a user-facing message and its cause.</summary>
        public LibrecastException(string message, Exception innerException) : base(message, innerException) { }
    }
}
