using System;
using System.IO;

namespace Librecast.Gateway.Config;

/// <summary>
/// Secrets the systemd way: a file option written <c>credential:NAME</c> names a credential the
/// service manager passed in (<c>LoadCredential=NAME:/etc/lcgw/NAME</c> in the unit); lcgw reads
/// it from <c>$CREDENTIALS_DIRECTORY/NAME</c>, a directory only the service can read, so the
/// key file itself can stay root's, mode 0600, even under <c>DynamicUser=yes</c>.
/// </summary>
public static class Credentials
{
    /// <summary>The prefix that marks a credential name.</summary>
    public const string Prefix = "credential:";

    /// <summary>The path a file option points at: itself, or for <c>credential:NAME</c> the credential's file.</summary>
    /// <exception cref="ConfigException">A credential name without <c>$CREDENTIALS_DIRECTORY</c>, or a name with a '/'.</exception>
    public static string? Resolve(string? value, string where)
    {
        if (value == null || !value.StartsWith(Prefix, StringComparison.Ordinal)) return value;
        string name = value.Substring(Prefix.Length);
        if (name.Length == 0 || name.Contains('/') || name == "." || name == "..")
            throw new ConfigException(where + ": '" + value + "' needs a credential name without '/' (credential:site.key)");
        string? dir = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
        if (string.IsNullOrEmpty(dir))
            throw new ConfigException(where + ": '" + value + "' is a systemd credential, but $CREDENTIALS_DIRECTORY is not set: " +
                                      "run under systemd with LoadCredential=" + name + ":/etc/lcgw/" + name +
                                      " (to check the config by hand: systemd-run -P -p LoadCredential=" + name + ":/etc/lcgw/" + name + " lcgw --check-config)");
        return Path.Combine(dir, name);
    }
}
