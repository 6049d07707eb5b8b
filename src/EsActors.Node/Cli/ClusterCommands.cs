using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Node.Configuration;
using EsActors.Node.Logging;
using EsActors.Node.Metrics;
using Serilog.Events;

namespace EsActors.Node.Cli;

/// <summary><c>worker</c>, <c>status</c> and <c>export</c>: the commands that act on a cluster or a journal rather than start a run.</summary>
public static class ClusterCommands
{
    /// <summary>Joins a cluster, evaluates seed batches on its slots and, with a journal, may host the optimizer.</summary>
    public static async Task<int> Worker(IReadOnlyList<string> seedNodes, string? journal, int slots, string hostname, int port, string? configFile, string? logLevel,
        int? metricsPort, CancellationToken cancellation)
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
        await using var node = EsNode.Start(options, config);
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Cluster.RegisterOnMemberRemoved(() => removed.TrySetResult());
        try
        {
            var up = node.WaitUntilUp(TimeSpan.FromSeconds(60)).WaitAsync(cancellation);
            if (await Task.WhenAny(up, node.Refused) == node.Refused) { Console.Error.WriteLine($"error: {await node.Refused}"); return ExitCodes.Incompatible; }
            await up;
        }
        catch (TimeoutException) { throw new UserError($"could not join the cluster at {string.Join(", ", seedNodes)} within 60 s"); }
        Console.WriteLine($"worker {node.Cluster.SelfAddress} up with {slots} slots{(target is null ? "" : $", journal {target.Description}")}");
        using var registration = cancellation.Register(() => removed.TrySetResult());
        if (await Task.WhenAny(removed.Task, node.Refused) == node.Refused)
        {
            Console.Error.WriteLine($"error: {await node.Refused}");
            return ExitCodes.Incompatible;
        }
        Console.WriteLine($"worker {node.Cluster.SelfAddress} leaving");
        return 0;
    }

    /// <summary>Joins as an observer (no slots, no journal), prints the members and the active run, and leaves.</summary>
    public static async Task<int> Status(IReadOnlyList<string> seedNodes, string hostname, string? configFile, string? logLevel, CancellationToken cancellation)
    {
        if (seedNodes.Count == 0) throw new UserError("status needs --seed-nodes host:port of a running node");
        var options = new NodeOptions(hostname, 0, seedNodes, 0, JournalTarget.Parse("journal-unused.db"), null, configFile, HostsOptimizer: false);
        var config = NodeConfig.Build(options);
        config = NodeLogging.Configure(NodeLogging.Requested(logLevel, config) ?? LogEventLevel.Warning, config);
        await using var node = EsNode.Start(options, config);
        try { await node.WaitUntilUp(TimeSpan.FromSeconds(30)).WaitAsync(cancellation); }
        catch (TimeoutException) { throw new UserError($"could not join the cluster at {string.Join(", ", seedNodes)} within 30 s"); }
        var state = node.Cluster.State;
        Console.WriteLine($"members ({state.Members.Count}):");
        foreach (var m in state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal))
            Console.WriteLine($"  {m.Address} {m.Status}{(state.Unreachable.Contains(m) ? " UNREACHABLE" : "")} roles {string.Join(",", m.Roles)}");
        object reply;
        try { reply = await node.Optimizer.Ask<object>(new GetRunStatus(), TimeSpan.FromSeconds(10), cancellation); }
        catch (AskTimeoutException) { Console.WriteLine("no optimizer answered (no run active?)"); return 1; }
        if (reply is not RunStatus s) { Console.WriteLine(reply is RunRejected r ? r.Reason : "no run is active"); return 1; }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {s.RunId}: generation {s.Generation}, {s.Timesteps} timesteps, eval {s.LastEvaluationMean:0.##}, {(s.Finished ? "finished" : s.Failure is null ? "running" : "failed: " + s.Failure)}, reissued {s.Reissued}, backups {s.Backups}"));
        foreach (var n in s.Nodes)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  node {n.Node}: slots {n.Slots}, batches {n.Batches}, {n.Steps} steps, {n.StepsPerBusySecond:0} steps/s per busy slot, reissued {n.Reissued}, backups {n.Backups}"));
        return 0;
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
