using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// A small HTTP/1.1 server: <c>GET /metrics</c> returns <see cref="MetricsStore.Render"/> for
/// Prometheus, <c>GET /</c> the status page (<see cref="StatusPage"/>); anything else is 404 (or
/// 405 for other methods). Serves up to <see cref="MaxClients"/> connections at once, each with
/// a deadline for the whole request and the whole response, so a slow or silent client never
/// holds up another. Binds to 127.0.0.1 by default so nothing is exposed unless configured.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    /// <summary>Connections served at once; more wait in the listen backlog.</summary>
    public const int MaxClients = 16;

    private const int MaxRequest = 8192;
    private readonly TcpListener listener;
    private readonly MetricsStore store;
    private readonly Log log;
    private volatile Func<string> statusPage;
    private readonly Thread thread;
    private readonly SemaphoreSlim slots = new(MaxClients, MaxClients);
    private readonly CancellationTokenSource stop = new();
    private int scrapes, pages, timeouts;

    /// <summary>Starts listening on <paramref name="endpoint"/> (port 0: any free port, see <see cref="Endpoint"/>).</summary>
    /// <param name="endpoint">Where to listen.</param>
    /// <param name="store">What /metrics renders.</param>
    /// <param name="log">Where logs go.</param>
    /// <param name="statusPage">Renders the page at / (null: / is 404).</param>
    /// <exception cref="SocketException">The address is in use or not local.</exception>
    public MetricsServer(IPEndPoint endpoint, MetricsStore store, Log log, Func<string>? statusPage = null)
    {
        this.store = store;
        this.log = log;
        this.statusPage = statusPage ?? (() => "");
        HasStatusPage = statusPage != null;
        listener = new TcpListener(endpoint);
        listener.Start(64);
        Endpoint = (IPEndPoint)listener.LocalEndpoint;
        thread = new Thread(AcceptLoop) { IsBackground = true, Name = "lcgw-http" };
        thread.Start();
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>How long a client has to send its request, and to take the response.</summary>
    public TimeSpan RequestDeadline { get; init; } = TimeSpan.FromSeconds(5);

    private bool HasStatusPage { get; set; }

    /// <summary>Renders the page at / (replaced on a reload).</summary>
    public Func<string> StatusPage
    {
        get => statusPage;
        set
        {
            statusPage = value;
            HasStatusPage = true;
        }
    }

    /// <summary>Successful /metrics responses.</summary>
    public int Scrapes => Volatile.Read(ref scrapes);

    /// <summary>Status pages served.</summary>
    public int Pages => Volatile.Read(ref pages);

    /// <summary>Connections closed because the client was too slow.</summary>
    public int Timeouts => Volatile.Read(ref timeouts);

    /// <summary>True for an address other hosts can reach (not loopback).</summary>
    public static bool BeyondLoopback(IPEndPoint endpoint) => !IPAddress.IsLoopback(endpoint.Address);

    private void AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                slots.Wait(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            TcpClient client;
            try
            {
                client = listener.AcceptTcpClient();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                slots.Release();
                if (!stop.IsCancellationRequested) log.Warn("http: accept failed", ("error", e.Message));
                continue;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        deadline.CancelAfter(RequestDeadline);
        try
        {
            using (client) await ServeCoreAsync(client.GetStream(), deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!stop.IsCancellationRequested) Interlocked.Increment(ref timeouts);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (log.Enabled(Config.LogLevel.Debug)) log.Debug("http: connection dropped", ("error", e.Message));
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task ServeCoreAsync(NetworkStream stream, CancellationToken token)
    {
        byte[] request = new byte[MaxRequest];
        int length = 0;
        while (true)
        {
            int n = await stream.ReadAsync(request.AsMemory(length), token).ConfigureAwait(false);
            if (n == 0) return;
            length += n;
            if (HeadersEnd(request, length) >= 0) break;
            if (length == request.Length)
            {
                await RespondAsync(stream, "431 Request Header Fields Too Large", "text/plain; charset=utf-8", "request too large\n", false, token).ConfigureAwait(false);
                return;
            }
        }
        string head = Encoding.ASCII.GetString(request, 0, Math.Min(length, 256));
        int lineEnd = head.IndexOf('\r');
        string[] parts = (lineEnd < 0 ? head : head[..lineEnd]).Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            await RespondAsync(stream, "400 Bad Request", "text/plain; charset=utf-8", "bad request\n", false, token).ConfigureAwait(false);
            return;
        }
        string method = parts[0], path = parts[1];
        int query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        bool page = path == "/" && HasStatusPage;
        if (path != "/metrics" && !page)
        {
            await RespondAsync(stream, "404 Not Found", "text/plain; charset=utf-8", "lcgw: metrics are at /metrics" + (HasStatusPage ? ", the status page at /" : "") + "\n", method == "HEAD", token).ConfigureAwait(false);
            return;
        }
        if (method != "GET" && method != "HEAD")
        {
            await RespondAsync(stream, "405 Method Not Allowed", "text/plain; charset=utf-8", "use GET\n", false, token).ConfigureAwait(false);
            return;
        }
        if (page)
        {
            await RespondAsync(stream, "200 OK", "text/html; charset=utf-8", statusPage(), method == "HEAD", token).ConfigureAwait(false);
            Interlocked.Increment(ref pages);
            return;
        }
        await RespondAsync(stream, "200 OK", "text/plain; version=0.0.4; charset=utf-8", store.Render(), method == "HEAD", token).ConfigureAwait(false);
        Interlocked.Increment(ref scrapes);
    }

    private static int HeadersEnd(byte[] data, int length)
    {
        for (int i = 3; i < length; i++)
            if (data[i - 3] == '\r' && data[i - 2] == '\n' && data[i - 1] == '\r' && data[i] == '\n') return i + 1;
        return -1;
    }

    private static async Task RespondAsync(NetworkStream stream, string status, string contentType, string body, bool headOnly, CancellationToken token)
    {
        byte[] content = Encoding.UTF8.GetBytes(body);
        string headers = "HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " +
                         content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) +
                         "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers), token).ConfigureAwait(false);
        if (!headOnly) await stream.WriteAsync(content, token).ConfigureAwait(false);
        await stream.FlushAsync(token).ConfigureAwait(false);
    }

    /// <summary>Stops listening; connections under way are cut.</summary>
    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        thread.Join(3000);
    }
}
