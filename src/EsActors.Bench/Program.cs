using System.CommandLine;
using EsActors.Node.Cli;
using EsActors.Node.Logging;
using Serilog;
using Serilog.Events;
using EsActors.Node;
using EsActors.Bench.Chaos;

namespace EsActors.Bench;

/// <summary>
/// <c>EsActors.Bench</c>: the measurement executable (raw and cluster throughput, the barrier, update step, bytes
/// per generation, journal cost). It is not part of the shipped node; its cluster rows start EsActors.Node processes.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        NodeLogging.Configure(NodeLogging.Requested(null, null) ?? LogEventLevel.Warning);
        try
        {
            return await CommandLine.Run(Build(), args);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    public static RootCommand Build()
    {
        var env = new Option<string>("--env") { Description = "Environment for the raw-rate and cluster parts", DefaultValueFactory = _ => "CartPole-v1" };
        var quick = new Option<bool>("--quick") { Description = "Few repetitions, cluster sizes 1 and 2 only" };
        var output = new Option<string?>("--out") { Description = "Also write the report as Markdown to this file" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string for the journal part (default: $ESACTORS_TEST_POSTGRES)" };
        var population = new Option<int?>("--population") { Description = "Population of the cluster runs (default: the preset's)" };
        var prepare = new Option<int?>("--prepare-generations") { Description = "Generations trained before the cluster rows resume the run (default 30; quick: 2)" };
        var nodes = new Option<int[]?>("--nodes") { Description = "Cluster sizes k to measure (default: 1 … cores and cores + 1; quick: 1 2)", AllowMultipleArgumentsPerToken = true };
        var clusterOnly = new Option<bool>("--cluster-only") { Description = "Only the raw rate and cluster sections (2, 2b-2d), for A/B runs of node settings" };
        var config = new Option<string?>("--config") { Description = "HOCON file passed to every node the bench starts (A/B runs of node settings)" };
        var root = new RootCommand("EsActors bench: measure raw and cluster throughput, update step, message sizes and journal cost")
            { env, quick, output, postgres, population, prepare, nodes, clusterOnly, config };
        root.Subcommands.Add(ChaosCommand());
        root.Subcommands.Add(ChurnCommand());
        root.SetAction((r, ct) => BenchCommand.Run(
            new(r.GetValue(env)!, r.GetValue(quick), r.GetValue(output), r.GetValue(postgres), r.GetValue(population), r.GetValue(prepare),
                r.GetValue(nodes) is { Length: > 0 } k ? k : null, r.GetValue(clusterOnly), r.GetValue(config)), ct));
        return root;
    }

    private static Command ChaosCommand()
    {
        var faults = new Option<int>("--faults") { Description = "Faults to inject (kill -9 of workers and of the optimizer's node, graceful stops, SIGSTOP pauses, new workers)", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fault schedule", DefaultValueFactory = _ => 1 };
        var journal = new Option<string?>("--journal") { Description = "Journal the cluster shares: PostgreSQL connection string or SQLite path (default: $ESACTORS_TEST_POSTGRES)" };
        var generations = new Option<int?>("--generations") { Description = "Generations of the Pendulum run (default: 120 per fault + 40)" };
        var workers = new Option<int>("--workers") { Description = "Workers at the start (besides the train node)", DefaultValueFactory = _ => 4 };
        var work = new Option<string?>("--work") { Description = "Folder for the runs' files (default: a new temp folder)" };
        var command = new Command("chaos", "Train on a cluster of node processes while injecting faults; check the policy against an undisturbed run")
            { faults, seed, journal, generations, workers, work };
        command.SetAction(async (r, ct) =>
        {
            var f = r.GetValue(faults);
            var target = r.GetValue(journal) ?? Environment.GetEnvironmentVariable("ESACTORS_TEST_POSTGRES")
                ?? throw new UserError("--journal is required (or set ESACTORS_TEST_POSTGRES): a PostgreSQL connection string or an SQLite path");
            var folder = r.GetValue(work) ?? Directory.CreateTempSubdirectory("esactors-chaos-").FullName;
            var report = await ChaosRun.Run(new ChaosOptions(f, r.GetValue(seed), target, r.GetValue(generations) ?? 120 * f + 40, r.GetValue(workers), folder), Console.Out, ct);
            ChaosRun.Print(report, Console.Out);
            return report.Passed ? 0 : 1;
        });
        return command;
    }

    private static Command ChurnCommand()
    {
        var minutes = new Option<double>("--minutes") { Description = "Minutes of churn, counted from the first generation", DefaultValueFactory = _ => 10 };
        var interval = new Option<double>("--interval") { Description = "Seconds between kills of a churned worker (each replaced at once)", DefaultValueFactory = _ => 5 };
        var killAt = new Option<double?>("--optimizer-kill-at") { Description = "Seconds into the churn at which the optimizer's node is killed, once (default: half-way)" };
        var stableWorkers = new Option<int>("--stable-workers") { Description = "Long-lived workers (never killed; their memory is reported)", DefaultValueFactory = _ => 4 };
        var churnedWorkers = new Option<int>("--churned-workers") { Description = "Workers up at a time that are killed and replaced in turn", DefaultValueFactory = _ => 2 };
        var journal = new Option<string?>("--journal") { Description = "Journal the cluster shares: PostgreSQL connection string or SQLite path (default: $ESACTORS_TEST_POSTGRES)" };
        var work = new Option<string?>("--work") { Description = "Folder for the run's files and node logs (default: a new temp folder)" };
        var command = new Command("churn", "Liveness under churn: kill and replace a worker every few seconds and the optimizer's node once; report gaps, throughput and memory")
            { minutes, interval, killAt, stableWorkers, churnedWorkers, journal, work };
        command.SetAction(async (r, ct) =>
        {
            var target = r.GetValue(journal) ?? Environment.GetEnvironmentVariable("ESACTORS_TEST_POSTGRES")
                ?? throw new UserError("--journal is required (or set ESACTORS_TEST_POSTGRES): a PostgreSQL connection string or an SQLite path");
            var folder = r.GetValue(work) ?? Directory.CreateTempSubdirectory("esactors-churn-").FullName;
            var duration = TimeSpan.FromMinutes(r.GetValue(minutes));
            var report = await ChurnRun.Run(new ChurnOptions(duration, TimeSpan.FromSeconds(r.GetValue(interval)), target, r.GetValue(stableWorkers),
                r.GetValue(churnedWorkers), r.GetValue(killAt) is { } k ? TimeSpan.FromSeconds(k) : duration / 2, folder), Console.Out, ct);
            ChurnRun.Print(report, Console.Out);
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
