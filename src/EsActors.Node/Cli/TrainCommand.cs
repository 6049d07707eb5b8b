using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Node.Configuration;
using EsActors.Node.Logging;
using EsActors.Node.Metrics;
using EsActors.Node.Operations;
using Serilog;
using Serilog.Events;

namespace EsActors.Node.Cli;

/// <summary>Parsed options of <c>train</c>.</summary>
/// <param name="ResumeWith">The command printed after a stop to resume (a sweep's own command line; null: this run's train command).</param>
public sealed record TrainOptions(
    string EnvironmentId, string? RunId, RunOverrides Overrides, int Slots, string? ConfigFile, string OutDirectory, string? Journal,
    string Hostname, int Port, IReadOnlyList<string> SeedNodes, string? LogLevel = null, int? MetricsPort = null,
    int? ManagementPort = null, DashboardRequest? Dashboard = null, string? ResumeWith = null);

/// <summary><c>--dashboard [PORT]</c> was given; without a port, <c>esactors.dashboard.port</c>.</summary>
public sealed record DashboardRequest(int? Port);

/// <summary>
/// <c>train</c>: starts a node (a one-node cluster unless seed nodes are given), asks the optimizer singleton to
/// start or resume the run, prints one line per generation and keeps the run's folder current while it trains
/// (progress.csv every generation, policy.bin and curve.png now and then, see <see cref="LiveRunFiles"/>). At any
/// stop — the end, a failure, Ctrl-C — policy.bin and curve.png are written from the journal's last generation, and
/// a run that stopped early prints the command that resumes it.
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
        // 0 slots: this node hosts the optimizer and the journal and evaluates nothing; the run waits for workers.
        if (o.Slots < 0) throw new UserError($"--slots must be 0 (this node only coordinates; workers evaluate) or more, got {o.Slots}");

        var nodeOptions = new NodeOptions(o.Hostname, o.Port, o.SeedNodes, o.Slots, journal, o.EnvironmentId, o.ConfigFile);
        var config = NodeConfig.Build(nodeOptions);
        // The console keeps to warnings (it shows progress lines); the run's log.jsonl keeps information too, unless a level is asked for.
        var logLevel = NodeLogging.Requested(o.LogLevel, config);
        config = NodeLogging.Configure(logLevel ?? LogEventLevel.Warning, config, Path.Combine(runDirectory, NodeLogging.RunLogFile), logLevel ?? LogEventLevel.Information);
        var (definition, stop) = RunSettings.Build(o.EnvironmentId, config, o.Overrides);

        var outputs = OutputSettings.From(config);

        Console.WriteLine($"run {runId}: {o.EnvironmentId}, network {definition.Network} ({definition.Network.ParameterCount} parameters){(definition.BoxHead == BoxHead.Linear ? ", linear action head" : "")}{(definition.AveragesPolicy ? $", policy θ averaged (β {definition.PolicyAveraging})" : "")}, strategy {definition.EffectiveStrategy}, population {definition.Population}, sigma {definition.Sigma}, seed {definition.Seed}, slots {o.Slots}");
        Console.WriteLine($"journal: {journal.Description}; outputs: {runDirectory}");
        EffectiveConfiguration.Write(Path.Combine(runDirectory, EffectiveConfiguration.FileName), runId, definition, stop, DispatchSettings.From(config), outputs,
            o.Slots, journal.Description, ResumeCommand(o, runId, journal));

        using var metrics = MetricsEndpoint.Start(o.MetricsPort, config, out var metricsUrl);
        if (metricsUrl is not null) Console.WriteLine($"metrics: {metricsUrl}");

        var managementAddress = o.ManagementPort is { } mp ? OpsServer.Address(config, OpsServer.ManagementSection, "--management", mp) : default;
        var dashboardAddress = o.Dashboard is { } d
            ? OpsServer.Address(config, OpsServer.DashboardSection, "--dashboard", d.Port ?? config.GetInt($"{OpsServer.DashboardSection}.port", 8080)) : default;
        var board = o.Dashboard is null ? null : new DashboardState(runId, DashboardSettings(o, definition, stop, journal));

        await using var node = EsNode.Start(nodeOptions, config);
        if (o.SeedNodes.Count == 0) node.Cluster.Join(node.Cluster.SelfAddress);
        await node.WaitUntilUp(TimeSpan.FromSeconds(30));
        // One HTTP host when both are asked for on the same port, else one each.
        var shared = o.ManagementPort is not null && board is not null && managementAddress.Port == dashboardAddress.Port;
        await using var management = o.ManagementPort is null ? null
            : await OpsServer.Start(managementAddress.Host, managementAddress.Port, "--management", node, shared ? board : null);
        await using var dashboard = board is null || shared ? null : await OpsServer.Start(dashboardAddress.Host, dashboardAddress.Port, "--dashboard", node, board);
        if (management is not null) Console.WriteLine($"management: {management.Url}");
        if (board is not null) Console.WriteLine($"dashboard: {(dashboard ?? management)!.Url}");

        var finished = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progressPath = Path.Combine(runDirectory, RunOutputs.ProgressFile);
        var policyPath = Path.Combine(runDirectory, RunOutputs.PolicyFile);
        using var progress = new ProgressLog(progressPath);
        var files = new LiveRunFiles(node, runId, runDirectory, outputs, progress);
        var started = DateTime.UtcNow;
        var shownNodes = "";
        var listening = true; // after a stop the files come from the journal alone, not from late progress
        var shown = new HashSet<int>(); // generations whose line was printed (guarded by itself)
        node.System.ActorOf(RunMonitor.Props(runId, DistributedPubSub.Get(node.System).Mediator,
            p =>
            {
                if (!Volatile.Read(ref listening)) return;
                lock (shown) shown.Add(p.Generation);
                PrintProgress(p, DateTime.UtcNow - started);
                PrintNodes(p, ref shownNodes);
                progress.Append(p);
                Log.Information("Generation {Generation} of run {RunId}: eval {EvaluationMean}, mean {MeanReturn}, {TrainingTimesteps} training timesteps, {Slots} slots",
                    p.Generation + 1, runId, p.Figures.EvaluationMean, p.Figures.MeanReturn, p.Figures.TrainingTimesteps, p.Evaluators);
                files.OnGeneration(p);
                board?.OnGeneration(p);
                if (p.Finished) finished.TrySetResult(null);
            },
            f => finished.TrySetResult(f.Reason), subscribed), "monitor");
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellation);

        var accepted = await StartRun(node, new StartRunRequest(runId, definition, stop), cancellation);
        if (accepted.Generation > 0) Console.WriteLine($"resuming run {runId} at generation {accepted.Generation}");
        await OpenProgress(node, runId, progress, progressPath, accepted.Generation);
        board?.Load(progress.Rows);
        string? stopped = null;
        if (!accepted.Finished)
        {
            using var registration = cancellation.Register(() => finished.TrySetResult(Interrupted));
            // Removed without asking (this node is not leaving: a leave follows a stop): the split brain resolver downed it.
            node.Cluster.RegisterOnMemberRemoved(() => finished.TrySetResult(Downed));
            using var polling = new CancellationTokenSource();
            var poll = PollUntilDone(node, runId, finished, polling.Token);
            stopped = await finished.Task;
            await polling.CancelAsync();
            await poll;
        }

        // Every stop ends with the files of the journal's last generation: what a resume continues from. A run stopped
        // early is read after this node has left the cluster, so that (on one node) no generation follows the read.
        Volatile.Write(ref listening, false);
        board?.OnStopped(stopped is null ? "finished" : stopped == Interrupted ? "stopped" : "failed: " + stopped);
        await files.Idle();
        RunHistory history;
        try
        {
            if (stopped is null) history = await RunHistoryReader.Read(node.System, runId, TimeSpan.FromMinutes(10));
            else
            {
                if (stopped == Interrupted) await StopRun(node, runId);
                await node.DisposeAsync();
                history = await ReadJournal(journal, runId);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not UserError)
        {
            Console.Error.WriteLine($"error: run {runId}: its events could not be read back from the journal: {e.GetBaseException().Message.Split('\n')[0]}");
            return ExitCodes.RunFailed;
        }
        progress.Complete(RunOutputs.Rows(history.Figures));
        if (history.State.IsStarted) RunOutputs.WritePolicies(runDirectory, history.State);
        if (history.State.Best is { } best)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"policy.bin: the θ evaluated at generation {best.Generation + 1} (in-run eval {best.EvaluationMean:0.##}, the best); {RunOutputs.LastPolicyFile}: the last θ"));
        LearningCurves.WriteRun(Path.Combine(runDirectory, LearningCurves.CurveFile), RunOutputs.CurveTitle(history.State.Definition), progress.Rows);
        if (stopped is not null)
        {
            var refused = stopped == Downed && node.Refused.IsCompletedSuccessfully; // downed because the cluster refused it
            if (refused) Console.Error.WriteLine($"error: {node.Refused.Result}");
            else if (stopped == Downed) Console.Error.WriteLine($"error: {ExitCodes.DownedMessage}; run {runId} goes on wherever the majority is");
            else if (stopped != Interrupted) Console.Error.WriteLine($"error: run {runId} stopped: {stopped}");
            else Console.WriteLine($"stopped: run {runId} at generation {history.State.Generation}; wrote {progressPath} and {policyPath}");
            Console.WriteLine($"to resume: {o.ResumeWith ?? ResumeCommand(o, runId, journal)}");
            return stopped == Interrupted ? InterruptedExitCode : refused ? ExitCodes.Incompatible : stopped == Downed ? ExitCodes.Downed : ExitCodes.RunFailed;
        }
        // Progress is published at most once, to the subscribers the optimizer's node knows of: the lines a late
        // subscription missed come from the journal, so every generation this train ran is shown.
        lock (shown)
            foreach (var f in history.Figures.Where(f => f.Generation >= accepted.Generation && !shown.Contains(f.Generation)))
                PrintJournalProgress(f);
        var last = history.Generations.Count > 0 ? history.Generations[^1] : null;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: run {runId} at generation {history.State.Generation}, {history.State.TrainingTimesteps} training timesteps ({history.State.Timesteps} env steps with evaluation), eval return {last?.MeanEvaluationReturn:0.##}; wrote {progressPath} and {policyPath}"));
        return 0;
    }

    /// <summary>The run's settings as the dashboard lists them.</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> DashboardSettings(TrainOptions o, RunDefinition d, StopCriteria stop, JournalTarget journal)
    {
        static KeyValuePair<string, string> S(string key, object? value) => new(key, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
        return
        [
            S("environment", d.EnvironmentId), S("network", $"{d.Network} ({d.Network.ParameterCount} parameters)"), S("strategy", d.EffectiveStrategy), S("population", d.Population),
            S("sigma", d.Sigma), S("optimizer", $"{d.Optimizer.Kind}, learning rate {d.Optimizer.LearningRate.ToString(CultureInfo.InvariantCulture)}"),
            S("seed", d.Seed), S("max generations", stop.MaxGenerations), S("target return", stop.TargetReturn?.ToString(CultureInfo.InvariantCulture) ?? "none"),
            S("max timesteps", stop.MaxTimesteps?.ToString(CultureInfo.InvariantCulture) ?? "none"), S("slots on this node", o.Slots), S("journal", journal.Description),
        ];
    }

    /// <summary>Exit code of a run stopped by Ctrl-C / SIGINT (128 + SIGINT, the shell's convention).</summary>
    public const int InterruptedExitCode = 130;
    private const string Interrupted = "interrupted";
    private const string Downed = "downed";

    /// <summary>
    /// progress.csv of a (re)started run: the file's rows the journal also holds, the journal's rows the file lacks
    /// (read only when some are missing: a replay of the whole run), then live rows.
    /// </summary>
    private static async Task OpenProgress(EsNode node, string runId, ProgressLog progress, string path, int recovered)
    {
        var kept = ProgressLog.UsableRows(path, recovered);
        IReadOnlyList<ProgressRow>? rebuilt = null;
        if (kept.Count < recovered)
            rebuilt = RunOutputs.Rows((await RunHistoryReader.Read(node.System, runId, TimeSpan.FromMinutes(10))).Figures);
        progress.Open(recovered, kept, rebuilt);
    }

    private static async Task<RunHistory> ReadJournal(JournalTarget journal, string runId)
    {
        using var system = ActorSystem.Create("esactors-outputs", NodeConfig.BuildLocal(journal));
        try { return await RunHistoryReader.Read(system, runId, TimeSpan.FromMinutes(10)); }
        finally { await system.Terminate(); }
    }

    /// <summary>The command that resumes this run: the same run settings, with the run id, output folder and journal spelled out.</summary>
    public static string ResumeCommand(TrainOptions o, string runId, JournalTarget journal)
    {
        var args = new List<string> { "esactors", "train", "--run-id", runId, "--out", Path.GetFullPath(o.OutDirectory),
            "--journal", journal.IsPostgres ? HidePassword(o.Journal!) : journal.SqlitePath!, "--env", o.EnvironmentId };
        var v = o.Overrides;
        void Add(string name, object? value) { if (value is not null) args.AddRange([name, Convert.ToString(value, CultureInfo.InvariantCulture)!]); }
        Add("--seed", v.Seed); Add("--generations", v.Generations); Add("--timesteps", v.Timesteps); Add("--target-return", v.TargetReturn);
        Add("--population", v.Population); Add("--sigma", v.Sigma); Add("--learning-rate", v.LearningRate);
        Add("--slots", o.Slots);
        if (o.ConfigFile is not null) Add("--config", Path.GetFullPath(o.ConfigFile));
        if (o.Hostname != "127.0.0.1") Add("--hostname", o.Hostname);
        if (o.Port != 0) Add("--port", o.Port);
        if (o.SeedNodes.Count > 0) { args.Add("--seed-nodes"); args.AddRange(o.SeedNodes); }
        return string.Join(' ', args.Select(ShellQuote));
    }

    private static string HidePassword(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Password is not null) builder.Password = "...";
        return builder.ConnectionString;
    }

    private static string ShellQuote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@+,".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>
    /// Asks the run host to stop hosting this run (its applied generations written) before the node leaves, so that
    /// the run does not go on without its train on another node, and other runs sharing the cluster keep going. Bounded:
    /// without an answer the node's own shutdown stops the optimizer if it is here.
    /// </summary>
    private static async Task StopRun(EsNode node, string runId)
    {
        try { await node.Optimizer.Ask<IEsMessage>(new StopRun(runId), TimeSpan.FromSeconds(15)); }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException or TaskCanceledException)
        {
            Log.Warning("The run host did not confirm that run {RunId} stopped: {Reason}", runId, e.Message);
        }
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

    /// <summary>
    /// Asks the run's optimizer for its status every <see cref="StatusPollInterval"/> until <paramref name="finished"/>
    /// is set or <paramref name="cancellation"/> fires: the progress topic gives no guarantee that the finishing
    /// generation's message reaches this node (Distributed Pub-Sub spreads a new subscriber by gossip, so a run that ends
    /// within a second of starting may publish before the optimizer's node knows of this one), the optimizer's state does.
    /// </summary>
    private static async Task PollUntilDone(EsNode node, string runId, TaskCompletionSource<string?> finished, CancellationToken cancellation)
    {
        // An end is taken from the status only when a second round still finds it unheard: the topic's message, sent
        // with the status's first "finished", normally arrives within milliseconds and carries the live figures.
        var endSeen = false;
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(StatusPollInterval, cancellation);
                var reply = await node.Optimizer.Ask<IEsMessage>(new GetRunStatus(runId), StatusPollTimeout, cancellation);
                if (reply is RunStatus { Failure: not null } or RunStatus { Finished: true } && !endSeen) endSeen = true;
                else if (reply is RunStatus { Failure: { } failure }) finished.TrySetResult(failure);
                else if (reply is RunStatus { Finished: true }) finished.TrySetResult(null);
                // RunRejected (the optimizer restarting) or no answer in time: ask again next round.
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or OperationCanceledException) { }
        }
    }

    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StatusPollTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A generation's line rebuilt from the journal (what only the live run knew — wall time since start, slots — is not there).</summary>
    private static void PrintJournalProgress(GenerationFigures f) => Console.WriteLine($"{GenerationColumns(f)} | from the journal");

    /// <summary>The columns a generation's line has whether it was heard live or read from the journal.</summary>
    private static string GenerationColumns(GenerationFigures f) => string.Create(CultureInfo.InvariantCulture,
        $"gen {f.Generation + 1,5} | steps {f.Timesteps,10} | mean {f.MeanReturn,9:0.00} | max {f.MaxReturn,9:0.00} | eval {f.EvaluationMean,9:0.00} | {f.StepsPerSecond,9:0} steps/s");

    private static void PrintProgress(GenerationProgress p, TimeSpan elapsed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{GenerationColumns(p.Figures)} | {elapsed.TotalSeconds,7:0.0}s | slots {p.Evaluators}{(p.Reissued > 0 ? $" | reissued {p.Reissued}" : "")}{(p.Backups > 0 ? $" | backups {p.Backups}" : "")}"));

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
