using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Node.Configuration;

namespace EsActors.Node.Cli;

/// <summary>Parsed options of <c>train</c>.</summary>
public sealed record TrainOptions(
    string EnvironmentId, string? RunId, RunOverrides Overrides, int Slots, string? ConfigFile, string OutDirectory, string? Journal,
    string Hostname, int Port, IReadOnlyList<string> SeedNodes);

/// <summary>
/// <c>train</c>: starts a node (a one-node cluster unless seed nodes are given), asks the optimizer singleton to
/// start or resume the run, prints one line per generation, and when the run ends writes progress.csv and
/// policy.bin rebuilt from the journal.
/// </summary>
public static class TrainCommand
{
    public static async Task<int> Run(TrainOptions o, CancellationToken cancellation)
    {
        if (!EnvironmentRegistry.IsKnown(o.EnvironmentId))
            throw new UserError(new UnknownEnvironmentException(o.EnvironmentId, EnvironmentRegistry.Ids).Message);
        var runId = o.RunId ?? NewRunId();
        if (runId.Length == 0 || runId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new UserError($"--run-id '{runId}' may contain only letters, digits, '-', '_' and '.'");
        var runDirectory = Path.GetFullPath(Path.Combine(o.OutDirectory, runId));
        EnsureWritable(runDirectory);
        var journal = JournalTarget.Parse(o.Journal ?? Path.Combine(o.OutDirectory, "journal.db"));
        journal.ValidateBeforeStart();
        if (o.Slots < 1) throw new UserError($"--slots must be at least 1, got {o.Slots}");

        var nodeOptions = new NodeOptions(o.Hostname, o.Port, o.SeedNodes, o.Slots, journal, o.EnvironmentId, o.ConfigFile);
        var config = NodeConfig.Build(nodeOptions);
        var (definition, stop) = RunSettings.Build(o.EnvironmentId, config, o.Overrides);

        Console.WriteLine($"run {runId}: {o.EnvironmentId}, network {definition.Network} ({definition.Network.ParameterCount} parameters), population {definition.Population}, sigma {definition.Sigma}, seed {definition.Seed}, slots {o.Slots}");
        Console.WriteLine($"journal: {journal.Description}; outputs: {runDirectory}");

        await using var node = EsNode.Start(nodeOptions, config);
        if (o.SeedNodes.Count == 0) node.Cluster.Join(node.Cluster.SelfAddress);
        await node.WaitUntilUp(TimeSpan.FromSeconds(30));

        var finished = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progressPath = Path.Combine(runDirectory, RunOutputs.ProgressFile);
        var started = DateTime.UtcNow;
        var shownNodes = "";
        node.System.ActorOf(RunMonitor.Props(runId, DistributedPubSub.Get(node.System).Mediator,
            p =>
            {
                PrintProgress(p, DateTime.UtcNow - started);
                PrintNodes(p, ref shownNodes);
                if (p.Finished) finished.TrySetResult(null);
            },
            f => finished.TrySetResult(f.Reason), subscribed), "monitor");
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellation);

        var accepted = await StartRun(node, new StartRunRequest(runId, definition, stop), cancellation);
        if (accepted.Generation > 0) Console.WriteLine($"resuming run {runId} at generation {accepted.Generation}");
        if (!accepted.Finished)
        {
            using var registration = cancellation.Register(() => finished.TrySetResult("interrupted"));
            var failure = await finished.Task;
            if (failure is not null)
            {
                Console.Error.WriteLine($"error: run {runId} stopped: {failure}");
                return 1;
            }
        }

        RunHistory history;
        try { history = await RunHistoryReader.Read(node.System, runId, TimeSpan.FromMinutes(10)); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"error: run {runId}: its events could not be read back from the journal: {e.GetBaseException().Message.Split('\n')[0]}");
            return ExitCodes.RunFailed;
        }
        RunOutputs.WriteAll(runDirectory, history);
        var last = history.Generations.Count > 0 ? history.Generations[^1] : null;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: run {runId} at generation {history.State.Generation}, {history.State.Timesteps} timesteps, eval return {last?.MeanEvaluationReturn:0.##}; wrote {progressPath} and {Path.Combine(runDirectory, RunOutputs.PolicyFile)}"));
        return 0;
    }

    private static async Task<RunAccepted> StartRun(EsNode node, StartRunRequest request, CancellationToken cancellation)
    {
        // The singleton may still be starting or recovering: retry the request until it answers (bounded).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var reply = await node.Optimizer.Ask<IEsMessage>(request, TimeSpan.FromSeconds(10), cancellation);
                return reply switch
                {
                    RunAccepted a => a,
                    RunRejected r => throw new UserError($"run {request.RunId} refused: {r.Reason}"),
                    _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
                };
            }
            catch (AskTimeoutException) when (attempt < 12)
            {
                Console.Error.WriteLine($"waiting for the optimizer of run {request.RunId} (attempt {attempt})...");
            }
        }
    }

    private static void PrintProgress(GenerationProgress p, TimeSpan elapsed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gen {p.Generation + 1,5} | steps {p.Timesteps,10} | mean {p.MeanReturn,9:0.00} | max {p.MaxReturn,9:0.00} | eval {p.EvaluationMean,9:0.00} | {p.StepsPerSecond,9:0} steps/s | {elapsed.TotalSeconds,7:0.0}s | slots {p.Evaluators}{(p.Reissued > 0 ? $" | reissued {p.Reissued}" : "")}{(p.Backups > 0 ? $" | backups {p.Backups}" : "")}"));

    /// <summary>
    /// Per-node figures under the progress line when more than one node works: whenever the set of nodes
    /// changes and every 10 generations.
    /// </summary>
    private static void PrintNodes(GenerationProgress p, ref string shown)
    {
        var active = p.Nodes.Where(n => n.Slots > 0).ToArray();
        var key = string.Join(",", active.Select(n => n.Node));
        if (p.Nodes.Length < 2 || (key == shown && (p.Generation + 1) % 10 != 0)) { shown = key; return; }
        shown = key;
        foreach (var n in p.Nodes)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      node {n.Node}: slots {n.Slots}, batches {n.Batches}, {n.StepsPerBusySecond:0} steps/s per busy slot, reissued {n.Reissued}, backups {n.Backups}"));
    }

    private static string NewRunId() =>
        $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";

    private static void EnsureWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"output folder {directory} is not writable: {e.Message}");
        }
    }
}
