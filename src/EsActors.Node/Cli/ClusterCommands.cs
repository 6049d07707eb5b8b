using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Node.Configuration;
using EsActors.Node.Logging;
using EsActors.Node.Metrics;
using EsActors.Node.Operations;
using System.Text.Json;
using Serilog.Events;

namespace EsActors.Node.Cli;

/// <summary><c>worker</c>, <c>status</c> and <c>export</c>: the commands that act on a cluster or a journal rather than start a run.</summary>
public static class ClusterCommands
{
    /// <summary>Joins a cluster, evaluates seed batches on its slots and, with a journal, may host the optimizer.</summary>
    public static async Task<int> Worker(IReadOnlyList<string> seedNodes, string? journal, int slots, string hostname, int port, string? configFile, string? logLevel,
        int? metricsPort, CancellationToken cancellation, int? managementPort = null)
    {
        if (seedNodes.Count == 0) throw new UserError("worker needs --seed-nodes host:port of a running node");
        if (slots < 1) throw new UserError($"--slots must be at least 1, got {slots}");
        var target = journal is null ? null : JournalTarget.Parse(journal);
        target?.ValidateBeforeStart();
        var options = new NodeOptions(hostname, port, seedNodes, slots, target ?? JournalTarget.Parse("journal-unused.db"), null, configFile,
            HostsOptimizer: target is not null);
        var config = NodeConfig.Build(options);
        config = NodeLogging.Configure(NodeLogging.Requested(logLevel, config) ?? LogEventLevel.Information, config);
        // Useful where this worker may host the optimizer (--journal): the optimizer records the run's metrics.
        using var metrics = MetricsEndpoint.Start(metricsPort, config, out var metricsUrl);
        if (metricsUrl is not null) Console.WriteLine($"metrics: {metricsUrl}");
        var managementAddress = managementPort is { } mp ? OpsServer.Address(config, OpsServer.ManagementSection, "--management", mp) : default;
        await using var node = EsNode.Start(options, config);
        await using var management = managementPort is null ? null : await OpsServer.Start(managementAddress.Host, managementAddress.Port, "--management", node, null);
        if (management is not null) Console.WriteLine($"management: {management.Url}");
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Cluster.RegisterOnMemberRemoved(() => removed.TrySetResult());
        try
        {
            var up = node.WaitUntilUp(TimeSpan.FromSeconds(60)).WaitAsync(cancellation);
            var first = await Task.WhenAny(up, node.Refused, removed.Task);
            if (first == node.Refused) { Console.Error.WriteLine($"error: {await node.Refused}"); return ExitCodes.Incompatible; }
            if (first == removed.Task) return ReportRemoval(node); // downed while joining
            await up;
        }
        catch (TimeoutException) { throw new UserError($"could not join the cluster at {string.Join(", ", seedNodes)} within 60 s"); }
        Console.WriteLine($"worker {node.Cluster.SelfAddress} up with {slots} slots{(target is null ? "" : $", journal {target.Description}")}");
        using var registration = cancellation.Register(() => removed.TrySetResult());
        if (await Task.WhenAny(node.Refused, removed.Task) == node.Refused) // refused: downed for it
        {
            Console.Error.WriteLine($"error: {await node.Refused}");
            return ExitCodes.Incompatible;
        }
        if (!cancellation.IsCancellationRequested) return ReportRemoval(node);
        Console.WriteLine($"worker {node.Cluster.SelfAddress} leaving");
        return 0;
    }

    /// <summary>
    /// The node was removed from the cluster: refused (exit code 3) if its membership guard said so or would say so
    /// (it may be downed before the guard hears of it), else downed (exit code 6).
    /// </summary>
    private static int ReportRemoval(EsNode node)
    {
        var refusal = node.Refused.IsCompletedSuccessfully && node.Refused.Result.Length > 0 ? node.Refused.Result : node.Removal.Refusal;
        Console.Error.WriteLine($"error: {refusal ?? ExitCodes.DownedMessage}");
        return refusal is null ? ExitCodes.Downed : ExitCodes.Incompatible;
    }

    /// <summary>Joins as an observer (no slots, no journal), prints the members and every hosted run, and leaves.</summary>
    public static async Task<int> Status(IReadOnlyList<string> seedNodes, string hostname, string? configFile, string? logLevel, CancellationToken cancellation)
    {
        if (seedNodes.Count == 0) throw new UserError("status needs --management http://host:port of a node's management endpoint or --seed-nodes host:port of a running node");
        var options = new NodeOptions(hostname, 0, seedNodes, 0, JournalTarget.Parse("journal-unused.db"), null, configFile, HostsOptimizer: false);
        var config = NodeConfig.Build(options);
        config = NodeLogging.Configure(NodeLogging.Requested(logLevel, config) ?? LogEventLevel.Warning, config);
        await using var node = EsNode.Start(options, config);
        try { await node.WaitUntilUp(TimeSpan.FromSeconds(30)).WaitAsync(cancellation); }
        catch (TimeoutException) { throw new UserError($"could not join the cluster at {string.Join(", ", seedNodes)} within 30 s"); }
        PrintMembers(ClusterMembers.Of(node.Cluster));
        RunList runs;
        try { runs = await node.Optimizer.Ask<RunList>(ListRuns.Instance, TimeSpan.FromSeconds(10), cancellation); }
        catch (AskTimeoutException) { Console.WriteLine("no optimizer answered (no run active?)"); return 1; }
        return PrintRuns(runs);
    }

    /// <summary>How long <c>status --management</c> waits for each answer.</summary>
    public static readonly TimeSpan ManagementTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads the members and the active run from a node's management endpoint (<c>--management PORT</c>) without
    /// joining the cluster: no ActorSystem, no cluster port, nothing for the cluster to see come and go.
    /// </summary>
    public static async Task<int> StatusOverHttp(string url, CancellationToken cancellation)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new UserError($"--management expects a URL like http://127.0.0.1:8558, got '{url}'");
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = ManagementTimeout };
        var members = await Get<ClusterMembers>(http, "cluster/members", url, cancellation);
        PrintMembers(members.Value ?? throw new UserError($"{url} answered /cluster/members with {members.Status}", ExitCodes.ClusterUnreachable));
        var runs = await Get<RunList>(http, "runs", url, cancellation);
        if (runs.Value is null) { Console.WriteLine(runs.Error ?? "no run is active"); return 1; }
        return PrintRuns(runs.Value);
    }

    private sealed record ErrorBody(string? Error);

    private static async Task<(T? Value, string? Error, int Status)> Get<T>(HttpClient http, string path, string url, CancellationToken cancellation) where T : class
    {
        try
        {
            using var response = await http.GetAsync(path, cancellation);
            var body = await response.Content.ReadAsStringAsync(cancellation);
            if (response.IsSuccessStatusCode) return (JsonSerializer.Deserialize<T>(body, OpsServer.Json), null, (int)response.StatusCode);
            string? error = null;
            try { error = JsonSerializer.Deserialize<ErrorBody>(body, OpsServer.Json)?.Error; } catch (JsonException) { }
            return (null, error, (int)response.StatusCode);
        }
        catch (HttpRequestException e) { throw new UserError($"cannot reach the management endpoint at {url}: {e.GetBaseException().Message}", ExitCodes.ClusterUnreachable); }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new UserError($"the management endpoint at {url} did not answer within {ManagementTimeout.TotalSeconds:0} s", ExitCodes.ClusterUnreachable);
        }
        catch (JsonException) { throw new UserError($"{url} is not an EsActors management endpoint (its /{path} is not the expected JSON)", ExitCodes.ClusterUnreachable); }
    }

    private static void PrintMembers(ClusterMembers members)
    {
        Console.WriteLine($"members ({members.Members.Length}):");
        foreach (var m in members.Members)
            Console.WriteLine($"  {m.Node} {m.Status}{(m.Reachable ? "" : " UNREACHABLE")} roles {string.Join(",", m.Roles)}");
    }

    /// <summary>Every hosted run (exit 1 when there is none); a run whose optimizer is restarting is shown as paused.</summary>
    private static int PrintRuns(RunList runs)
    {
        if (runs.Runs.Length == 0 && runs.Paused.Length == 0) { Console.WriteLine("no run is active"); return 1; }
        Console.WriteLine($"runs ({runs.Runs.Length + runs.Paused.Length}):");
        foreach (var run in runs.Runs) PrintRun(run);
        foreach (var id in runs.Paused) Console.WriteLine($"run {id}: paused (its optimizer is restarting)");
        return 0;
    }

    private static void PrintRun(RunStatus s)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {s.RunId}: generation {s.Generation}, {s.Timesteps} timesteps, eval {s.LastEvaluationMean:0.##}, {(s.Finished ? "finished" : s.Failure is null ? "running" : "failed: " + s.Failure)}, reissued {s.Reissued}, backups {s.Backups}"));
        foreach (var n in s.Nodes)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  node {n.Node}: slots {n.Slots}, batches {n.Batches}, {n.Steps} steps, {n.StepsPerBusySecond:0} steps/s per busy slot, reissued {n.Reissued}, backups {n.Backups}"));
    }

    /// <summary>Rebuilds progress.csv and policy.bin of a run from its events alone (and policy.json with <see cref="ExportFormat.Json"/>).</summary>
    public static async Task<int> Export(string runId, string journal, string outDirectory, ExportFormat format = ExportFormat.Binary)
    {
        var target = JournalTarget.Parse(journal);
        if (!target.IsPostgres && !File.Exists(target.SqlitePath)) throw new UserError($"journal {target.SqlitePath} does not exist");
        target.ValidateBeforeStart();
        var directory = Path.GetFullPath(Path.Combine(outDirectory, runId));
        using var system = ActorSystem.Create("esactors-export", NodeConfig.BuildLocal(target));
        try
        {
            var history = await RunHistoryReader.Read(system, runId, TimeSpan.FromMinutes(10));
            if (!history.State.IsStarted) throw new UserError($"journal {target.Description} holds no run '{runId}'");
            try
            {
                RunOutputs.WriteAll(directory, history);
                if (format == ExportFormat.Json) PolicyJson.Write(Path.Combine(directory, PolicyJson.FileName), RunOutputs.Policy(history.State));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"output folder {directory} is not writable: {e.Message}"); }
            Console.WriteLine($"exported run {runId} at generation {history.State.Generation} ({history.Generations.Count} events) to {directory}");
            return 0;
        }
        finally { await system.Terminate(); }
    }
}

/// <summary><c>export --format</c>: binary writes policy.bin (and progress.csv, curve.png); json writes policy.json as well.</summary>
public enum ExportFormat { Binary, Json }
