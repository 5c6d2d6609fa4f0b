using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Librecast.Gateway.Outputs;

/// <summary>
/// A minimal HTTP/1.1 server for Prometheus scrapes: <c>GET /metrics</c> returns
/// <see cref="MetricsStore.Render"/>; anything else is 404 (or 405 for other methods). One
/// connection at a time with short timeouts: a scraper, not a web server. Binds to 127.0.0.1 by
/// default so nothing is exposed unless configured.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private const int MaxRequest = 8192;
    private readonly TcpListener listener;
    private readonly MetricsStore store;
    private readonly Log log;
    private readonly Thread thread;
    private volatile bool running = true;
    private int scrapes;

    /// <summary>Starts listening on <paramref name="endpoint"/> (port 0: any free port, see <see cref="Endpoint"/>).</summary>
    /// <exception cref="SocketException">The address is in use or not local.</exception>
    public MetricsServer(IPEndPoint endpoint, MetricsStore store, Log log)
    {
        this.store = store;
        this.log = log;
        listener = new TcpListener(endpoint);
        listener.Start();
        Endpoint = (IPEndPoint)listener.LocalEndpoint;
        thread = new Thread(AcceptLoop) { IsBackground = true, Name = "lcgw-metrics" };
        thread.Start();
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Successful /metrics responses.</summary>
    public int Scrapes => Volatile.Read(ref scrapes);

    private void AcceptLoop()
    {
        while (running)
        {
            TcpClient client;
            try
            {
                client = listener.AcceptTcpClient();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                if (running) log.Warn("metrics: accept failed", ("error", e.Message));
                continue;
            }
            try
            {
                using (client) Serve(client);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                log.Debug("metrics: connection dropped", ("error", e.Message));
            }
        }
    }

    private void Serve(TcpClient client)
    {
        client.ReceiveTimeout = 2000;
        client.SendTimeout = 2000;
        NetworkStream stream = client.GetStream();
        byte[] request = new byte[MaxRequest];
        int length = 0;
        while (true)
        {
            int n = stream.Read(request, length, request.Length - length);
            if (n == 0) return;
            length += n;
            if (HeadersEnd(request, length) >= 0) break;
            if (length == request.Length)
            {
                Respond(stream, "431 Request Header Fields Too Large", "text/plain; charset=utf-8", "request too large\n", false);
                return;
            }
        }
        string head = Encoding.ASCII.GetString(request, 0, Math.Min(length, 256));
        int lineEnd = head.IndexOf('\r');
        string[] parts = (lineEnd < 0 ? head : head[..lineEnd]).Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            Respond(stream, "400 Bad Request", "text/plain; charset=utf-8", "bad request\n", false);
            return;
        }
        string method = parts[0], path = parts[1];
        int query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        if (path != "/metrics")
        {
            Respond(stream, "404 Not Found", "text/plain; charset=utf-8", "lcgw: metrics are at /metrics\n", method == "HEAD");
            return;
        }
        if (method != "GET" && method != "HEAD")
        {
            Respond(stream, "405 Method Not Allowed", "text/plain; charset=utf-8", "use GET\n", false);
            return;
        }
        Respond(stream, "200 OK", "text/plain; version=0.0.4; charset=utf-8", store.Render(), method == "HEAD");
        Interlocked.Increment(ref scrapes);
    }

    private static int HeadersEnd(byte[] data, int length)
    {
        for (int i = 3; i < length; i++)
            if (data[i - 3] == '\r' && data[i - 2] == '\n' && data[i - 1] == '\r' && data[i] == '\n') return i + 1;
        return -1;
    }

    private static void Respond(NetworkStream stream, string status, string contentType, string body, bool headOnly)
    {
        byte[] content = Encoding.UTF8.GetBytes(body);
        string headers = "HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " +
                         content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\nConnection: close\r\n\r\n";
        stream.Write(Encoding.ASCII.GetBytes(headers));
        if (!headOnly) stream.Write(content);
        stream.Flush();
    }

    /// <summary>Stops listening and waits for the accept thread.</summary>
    public void Dispose()
    {
        running = false;
        listener.Stop();
        thread.Join(3000);
    }
}
