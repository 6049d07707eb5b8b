using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using EsActors.Node.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EsActors.Node.Operations;

/// <summary>
/// The node's HTTP operations endpoint (ASP.NET Core minimal API from the shared framework): with
/// <c>--management</c> the cluster's members at <c>/cluster/members</c> (the shape of Akka.Management's route of that
/// name), the run started last at <c>/run</c> and every hosted run at <c>/runs</c>, read by <c>status --management URL</c> without joining the cluster; with
/// <c>--dashboard</c> the live page at <c>/</c> and its data at <c>/api/dashboard</c>.
/// Akka.Management 1.5.73 is served but only brings health-check and bootstrap routes (the cluster-members route
/// lives in a package that is not served), and the dashboard needs an HTTP host anyway: one Kestrel host does both.
/// Off unless asked for; loopback unless <c>esactors.management.host</c> / <c>esactors.dashboard.host</c> say otherwise.
/// </summary>
public sealed class OpsServer : IAsyncDisposable
{
    public const string ManagementSection = "esactors.management";
    public const string DashboardSection = "esactors.dashboard";

    /// <summary>camelCase JSON, the server's and <c>status</c>'s (NaN allowed: a generation without evaluation episodes has none).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly WebApplication _app;

    private OpsServer(WebApplication app, string url) { _app = app; Url = url; }

    /// <summary>The base URL, e.g. http://127.0.0.1:8558/.</summary>
    public string Url { get; }

    /// <summary>
    /// The host (environment variable ESACTORS_MANAGEMENT_HOST / ESACTORS_DASHBOARD_HOST, then <paramref name="section"/>'s
    /// host, default loopback) and a checked port.
    /// </summary>
    public static (string Host, int Port) Address(Config config, string section, string option, int port)
    {
        if (port is < 1 or > 65535) throw new UserError($"{option}: port must be between 1 and 65535, got {port}");
        var variable = $"ESACTORS_{section[(section.LastIndexOf('.') + 1)..].ToUpperInvariant()}_HOST";
        var host = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } h ? h : config.GetString($"{section}.host", "127.0.0.1");
        return (host, port);
    }

    /// <summary>Starts listening (management routes when <paramref name="node"/> is given, the dashboard when <paramref name="board"/> is).</summary>
    public static async Task<OpsServer> Start(string host, int port, string option, EsNode? node, DashboardState? board)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // The CLI owns Ctrl-C / SIGTERM (train writes its files, a node leaves the cluster): the web host must not stop on them.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.WebHost.UseUrls($"http://{host}:{port}");
        var app = builder.Build();
        if (node is not null)
        {
            app.MapGet("/cluster/members", () => Results.Json(ClusterMembers.Of(node.Cluster), Json));
            app.MapGet("/run", async (CancellationToken ct) =>
            {
                try
                {
                    var reply = await node.Optimizer.Ask<object>(new GetRunStatus(), TimeSpan.FromSeconds(5), ct);
                    return reply is RunStatus s ? Results.Json(s, Json) : Results.Json(new { error = reply is RunRejected r ? r.Reason : "no run is active" }, Json, statusCode: 404);
                }
                catch (AskTimeoutException) { return Results.Json(new { error = "no optimizer answered (no run active?)" }, Json, statusCode: 404); }
            });
            app.MapGet("/runs", async (CancellationToken ct) =>
            {
                try { return Results.Json(await node.Optimizer.Ask<RunList>(ListRuns.Instance, TimeSpan.FromSeconds(5), ct), Json); }
                catch (AskTimeoutException) { return Results.Json(new { error = "no run host answered (no run active?)" }, Json, statusCode: 404); }
            });
        }
        if (board is not null)
        {
            app.MapGet("/api/dashboard", () => Results.Json(board.Snapshot(node?.Cluster), Json));
            app.MapGet("/", () => Results.Content(DashboardPage.Render(board.Snapshot(node?.Cluster)), "text/html; charset=utf-8"));
        }
        try { await app.StartAsync(); }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException or UriFormatException)
        {
            await app.DisposeAsync();
            throw new UserError($"{option}: cannot listen on http://{host}:{port}/: {e.GetBaseException().Message}");
        }
        return new OpsServer(app, $"http://{host}:{port}/");
    }

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(TimeSpan.FromSeconds(5)); }
        finally { await _app.DisposeAsync(); }
    }

    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>One member as <c>/cluster/members</c> lists it.</summary>
public sealed record ClusterMember(string Node, long NodeUid, string Status, string[] Roles, bool Reachable);

/// <summary>The body of <c>/cluster/members</c>: this node's view of the cluster.</summary>
public sealed record ClusterMembers(string SelfNode, string? Leader, ClusterMember[] Members)
{
    public static ClusterMembers Of(Cluster cluster)
    {
        var state = cluster.State;
        var members = state.Members
            .Select(m => new ClusterMember(m.Address.ToString(), m.UniqueAddress.Uid, m.Status.ToString(), m.Roles.OrderBy(r => r, StringComparer.Ordinal).ToArray(),
                !state.Unreachable.Contains(m)))
            .OrderBy(m => m.Node, StringComparer.Ordinal).ToArray();
        return new ClusterMembers(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }
}
