using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using EsActors.Node.Configuration;

namespace EsActors.Node.Cli;

/// <summary>
/// The command-line interface (System.CommandLine): train, play, worker, status, export. Options that several
/// commands share are defined once in <see cref="Options"/>; user errors become one line in <see cref="Run"/>
/// (the bench's executable parses through it too).
/// </summary>
public static class CommandLine
{
    /// <summary>The name in usage lines and messages: the installed tool's command, whatever the assembly is called.</summary>
    public const string ExecutableName = "esactors";

    private static int _stopRequested;

    /// <summary>
    /// Parses and runs: each parse error becomes one <c>error:</c> line (followed by a "did you mean" line when a
    /// token is close to a known name), a <see cref="UserError"/> one <c>error:</c> line; both exit with code 2.
    /// </summary>
    public static async Task<int> Run(Command root, string[] args)
    {
        using var stop = new CancellationTokenSource();
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                var errors = ParseErrors.Describe(parsed);
                for (var i = 0; i < errors.Count; i++)
                {
                    Console.Error.WriteLine($"error: {errors[i].Message}{(i == errors.Count - 1 ? $" (see {HelpCommand(parsed)})" : "")}");
                    if (errors[i].Suggestion is { } name) Console.Error.WriteLine($"  did you mean '{name}'?");
                }
                return 2;
            }
            // Exceptions reach the catch below instead of System.CommandLine's handler (a stack trace and exit code 1).
            // Ctrl-C / SIGTERM cancel the command's token; the command then stops gracefully (train writes policy.bin from the
            // journal, a node leaves the cluster). The signals are handled here rather than by System.CommandLine, so that
            // the first one is announced and a second one ends the process. Akka's own exit hook is off (hocon/cluster.conf):
            // in a sweep's later seeds it left the cluster on SIGTERM before this stop, and the run read as downed.
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => RequestStop(context, stop));
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => RequestStop(context, stop));
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, stop.Token);
        }
        catch (UserError e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // A command with nothing of its own to save on a stop (e.g. the bench's chaos and churn harnesses) ends here;
            // train and sweep catch the stop themselves, write their files and print their own "stopped:" line.
            Console.Error.WriteLine("stopped before the command finished");
            return 130;
        }
    }

    /// <summary>
    /// The first signal stops the command gracefully (the process stays up until it returns; the token's callbacks run
    /// off the signal's thread); a second one ends the process at once, as the runtime would.
    /// </summary>
    private static void RequestStop(PosixSignalContext context, CancellationTokenSource stop)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 1) return;
        context.Cancel = true;
        Console.WriteLine($"stopping ({context.Signal}; a second one ends the process at once)");
        _ = Task.Run(() =>
        {
            try { stop.Cancel(); }
            catch (AggregateException e) { Serilog.Log.Warning(e, "A callback of the stop request failed; the command stops anyway"); }
            catch (ObjectDisposedException) { } // the command had already returned
        });
    }

    private static string HelpCommand(ParseResult parsed)
    {
        var names = new List<string>();
        for (var s = parsed.CommandResult; s is not null; s = s.Parent as CommandResult) names.Insert(0, s.Command.Name);
        return string.Join(' ', names) + " --help";
    }

    /// <summary>
    /// The root is a plain command named <see cref="ExecutableName"/> (a RootCommand takes its name from the
    /// process, which is EsActors.Node under <c>dotnet</c> and inside the installed tool alike).
    /// </summary>
    public static Command Build()
    {
        var root = new Command(ExecutableName, "EsActors: Evolution Strategies (Salimans et al. 2017) on an elastic Akka.NET cluster.")
        {
            new HelpOption(), new VersionOption(),
        };
        root.Subcommands.Add(Train());
        root.Subcommands.Add(Play());
        root.Subcommands.Add(Worker());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Export());
        root.Subcommands.Add(Sweep());
        root.Subcommands.Add(Envs());
        root.Subcommands.Add(Runs());
        return root;
    }

    /// <summary>Every option used by more than one command, each defined here only.</summary>
    private static class Options
    {
        public static Option<string> Hostname() => new("--hostname") { Description = "Address other nodes reach this node at", DefaultValueFactory = _ => "127.0.0.1" };
        public static Option<int> Port() => new("--port") { Description = "Cluster port (0 = any free port)", DefaultValueFactory = _ => 0 };
        public static Option<string[]> SeedNodes(bool required, string description) =>
            new("--seed-nodes") { Description = description, Required = required, AllowMultipleArgumentsPerToken = true };
        public static Option<string?> Config() => new("--config") { Description = "HOCON file with overrides (esactors.run, esactors.dispatch, akka.*)" };
        public static Option<int> Slots() => new("--slots") { Description = "Concurrent evaluations on this node", DefaultValueFactory = _ => Environment.ProcessorCount };
        public static Option<string> Out(string description) => new("--out") { Description = description, DefaultValueFactory = _ => "runs" };
        public static Option<string?> LogLevel() => new("--log-level")
        {
            Description = $"verbose, debug, information, warning, error or fatal (overrides {Logging.NodeLogging.EnvironmentVariable} and {Logging.NodeLogging.HoconKey})",
        };
        public static Option<int?> Metrics() => new("--metrics")
        {
            Description = "Serve the EsActors metrics for Prometheus at http://localhost:PORT/metrics (default: esactors.metrics.port, 0 = off)",
        };
        public static Option<int?> Management() => new("--management")
        {
            Description = "Serve the cluster's members and the active run over HTTP at http://127.0.0.1:PORT (esactors.management.host) for status --management",
        };
        public static Option<ulong> Seed(string description) => new("--seed") { Description = description, DefaultValueFactory = _ => 0 };
    }

    private static Command Train()
    {
        var env = new Option<string>("--env") { Description = "Environment id, e.g. CartPole-v1, Pendulum-v1", DefaultValueFactory = _ => "CartPole-v1" };
        var runId = new Option<string?>("--run-id") { Description = "Run id; rerun with the same id, --out and --journal to resume (default: a new id)" };
        var seed = Options.Seed("Run seed: θ₀, noise indices and episodes follow from it");
        var generations = new Option<int?>("--generations") { Description = "Maximum number of generations (default: from the environment preset)" };
        var timesteps = new Option<long?>("--timesteps") { Description = "Stop once training episodes took this many env steps (evaluation episodes not counted, as in the paper)" };
        var target = new Option<double?>("--target-return") { Description = "Stop when the mean noiseless evaluation return reaches this (default: the environment's threshold)" };
        var population = new Option<int?>("--population") { Description = "Episodes per generation (even: mirrored pairs)" };
        var sigma = new Option<float?>("--sigma") { Description = "Noise standard deviation σ" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Optimizer step size" };
        var slots = Options.Slots();
        slots.Description = "Concurrent evaluations on this node; 0: it only hosts the optimizer and the journal, and workers that join evaluate";
        var config = Options.Config();
        var output = Options.Out("Output folder; the run's files go to <out>/<run-id>");
        var journal = new Option<string?>("--journal") { Description = "SQLite file path or PostgreSQL connection string (default: <out>/journal.db)" };
        var hostname = Options.Hostname();
        var port = Options.Port();
        var seedNodes = Options.SeedNodes(false, "host:port of cluster seed nodes to join (default: start a new cluster)");
        var logLevel = Options.LogLevel();
        var metrics = Options.Metrics();
        var management = Options.Management();
        var dashboard = new Option<int?>("--dashboard")
        {
            Description = "Serve a live dashboard (learning curve, members, settings) at http://127.0.0.1:PORT/ (default port: esactors.dashboard.port)",
            Arity = ArgumentArity.ZeroOrOne,
        };

        var command = new Command("train", "Train a policy (starts or resumes a run)")
        {
            env, runId, seed, generations, timesteps, target, population, sigma, learningRate, slots, config, output, journal, hostname, port, seedNodes, logLevel, metrics,
            management, dashboard,
        };
        command.SetAction((r, cancellation) => TrainCommand.Run(new TrainOptions(
            r.GetValue(env)!, r.GetValue(runId),
            new RunOverrides(r.GetValue(seed), r.GetValue(generations), r.GetValue(target), r.GetValue(population), r.GetValue(sigma), r.GetValue(learningRate), r.GetValue(timesteps)),
            r.GetValue(slots), r.GetValue(config), r.GetValue(output)!, r.GetValue(journal),
            r.GetValue(hostname)!, r.GetValue(port), r.GetValue(seedNodes) ?? [], r.GetValue(logLevel), r.GetValue(metrics),
            r.GetValue(management), r.GetResult(dashboard) is null ? null : new DashboardRequest(r.GetValue(dashboard))), cancellation));
        return command;
    }

    private static Command Sweep()
    {
        var env = new Option<string>("--env") { Description = "Environment id, e.g. Hopper-v4", Required = true };
        var seeds = new Option<string>("--seeds") { Description = "Seeds, e.g. 0-4 or 1,3,5: one run each", DefaultValueFactory = _ => "0-4" };
        var config = Options.Config();
        var timesteps = new Option<long?>("--timesteps") { Description = "Training timesteps per run (the paper's count); without it each run stops at its preset's limits" };
        var output = Options.Out("Output folder; the sweep's files go to <out>/<name>");
        var name = new Option<string?>("--name") { Description = "Sweep name: folder and run-id prefix (default: sweep-<env>)" };
        var slots = Options.Slots();
        var episodes = new Option<int>("--eval-episodes") { Description = "Noiseless full-length episodes of each final policy (≥ 10)", DefaultValueFactory = _ => 10 };
        var thresholds = new Option<double[]>("--thresholds") { Description = "Returns to report timesteps and wall time to (default: the preset's target return)", AllowMultipleArgumentsPerToken = true };
        var journal = new Option<string?>("--journal") { Description = "SQLite file path or PostgreSQL connection string (default: <out>/<name>/journal.db)" };
        var command = new Command("sweep", "Run (or resume) one run per seed and report final evaluations and timesteps to thresholds (median, min, max)")
            { env, seeds, config, timesteps, output, name, slots, episodes, thresholds, journal };
        command.SetAction((r, ct) => SweepCommand.Run(new SweepOptions(r.GetValue(env)!, SweepCommand.ParseSeeds(r.GetValue(seeds)!), r.GetValue(config), r.GetValue(timesteps),
            r.GetValue(output)!, r.GetValue(name), r.GetValue(slots), r.GetValue(episodes), r.GetValue(thresholds) ?? [], r.GetValue(journal)),
            "esactors " + string.Join(' ', r.Tokens.Select(t => t.Value)), ct));
        return command;
    }

    private static Command Play()
    {
        var policy = new Option<string>("--policy") { Description = "A policy.bin written by train", Required = true };
        var env = new Option<string?>("--env") { Description = "Environment id (default: the one the policy was trained on)" };
        var episodes = new Option<int>("--episodes") { Description = "Number of episodes", DefaultValueFactory = _ => 10 };
        var seed = Options.Seed("Seed of the first episode");
        var record = new Option<string?>("--record") { Description = "CSV file to write every step to: episode, step, obs_0.., act_0.., reward" };
        var command = new Command("play", "Run noiseless episodes of a trained policy") { policy, env, episodes, seed, record };
        command.SetAction(r => PlayCommand.Run(r.GetValue(policy)!, r.GetValue(env), r.GetValue(episodes), r.GetValue(seed), r.GetValue(record)));
        return command;
    }

    private static Command Worker()
    {
        var seedNodes = Options.SeedNodes(true, "host:port of nodes to join");
        var journal = new Option<string?>("--journal") { Description = "The run's journal (SQLite path or PostgreSQL connection string); with it this node may host the optimizer" };
        var slots = Options.Slots();
        var hostname = Options.Hostname();
        var port = Options.Port();
        var config = Options.Config();
        var logLevel = Options.LogLevel();
        var metrics = Options.Metrics();
        var management = Options.Management();
        var command = new Command("worker", "Join a cluster and evaluate seed batches until stopped") { seedNodes, journal, slots, hostname, port, config, logLevel, metrics, management };
        command.SetAction((r, ct) => ClusterCommands.Worker(r.GetValue(seedNodes) ?? [], r.GetValue(journal), r.GetValue(slots), r.GetValue(hostname)!, r.GetValue(port), r.GetValue(config),
            r.GetValue(logLevel), r.GetValue(metrics), ct, r.GetValue(management)));
        return command;
    }

    private static Command Status()
    {
        var seedNodes = Options.SeedNodes(false, "host:port of nodes to join as an observer");
        var management = new Option<string?>("--management") { Description = "URL of a node's management endpoint (http://host:PORT of its --management): read it without joining" };
        var hostname = Options.Hostname();
        var logLevel = Options.LogLevel();
        var config = Options.Config(); // a cluster with TLS needs the observer's certificate (esactors.security.tls)
        var command = new Command("status", "Show the cluster's members and the active run (--management URL, or --seed-nodes to join as an observer)")
            { seedNodes, management, hostname, config, logLevel };
        command.SetAction((r, ct) => r.GetValue(management) is { } url
            ? (r.GetValue(seedNodes) ?? []).Length > 0 ? throw new UserError("status takes --management or --seed-nodes, not both") : ClusterCommands.StatusOverHttp(url, ct)
            : ClusterCommands.Status(r.GetValue(seedNodes) ?? [], r.GetValue(hostname)!, r.GetValue(config), r.GetValue(logLevel), ct));
        return command;
    }

    private static Command Envs()
    {
        var command = new Command("envs", "List the environment ids with observation size, action space, episode limit and default target return");
        command.SetAction(_ => EnvsCommand.Run());
        return command;
    }

    private static Command Runs()
    {
        var journal = new Option<string>("--journal") { Description = "SQLite path or PostgreSQL connection string", Required = true };
        var command = new Command("runs", "List the runs in a journal: id, environment, generation, training timesteps, best evaluation and state") { journal };
        command.SetAction((r, _) => RunsCommand.Run(r.GetValue(journal)!));
        return command;
    }

    private static Command Export()
    {
        var runId = new Option<string>("--run-id") { Description = "Run to export", Required = true };
        var journal = new Option<string>("--journal") { Description = "SQLite path or PostgreSQL connection string", Required = true };
        var output = Options.Out("Output folder; files go to <out>/<run-id>");
        var format = new Option<ExportFormat>("--format")
        {
            Description = "binary: policy.bin; json: policy.bin and the portable policy.json (docs/policy-format.md)", DefaultValueFactory = _ => ExportFormat.Binary,
        };
        var command = new Command("export", "Rebuild progress.csv and policy.bin (or policy.json too) of a run from its journal") { runId, journal, output, format };
        command.SetAction((r, _) => ClusterCommands.Export(r.GetValue(runId)!, r.GetValue(journal)!, r.GetValue(output)!, r.GetValue(format)));
        return command;
    }
}
