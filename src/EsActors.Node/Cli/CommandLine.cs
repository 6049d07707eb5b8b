using System.CommandLine;
using EsActors.Node.Hosting;

namespace EsActors.Node.Cli;

/// <summary>The command-line interface (System.CommandLine): train, play.</summary>
public static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EsActors: Evolution Strategies (Salimans et al. 2017) on an elastic Akka.NET cluster.");
        root.Subcommands.Add(Train());
        root.Subcommands.Add(Play());
        root.Subcommands.Add(Worker());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Export());
        root.Subcommands.Add(Bench());
        return root;
    }

    private static Command Train()
    {
        var env = new Option<string>("--env") { Description = "Environment id, e.g. CartPole-v1, Pendulum-v1", DefaultValueFactory = _ => "CartPole-v1" };
        var runId = new Option<string?>("--run-id") { Description = "Run id; rerun with the same id, --out and --journal to resume (default: a new id)" };
        var seed = new Option<ulong>("--seed") { Description = "Run seed: θ₀, noise indices and episodes follow from it", DefaultValueFactory = _ => 0 };
        var generations = new Option<int?>("--generations") { Description = "Maximum number of generations (default: from the environment preset)" };
        var target = new Option<double?>("--target-return") { Description = "Stop when the mean noiseless evaluation return reaches this (default: the environment's threshold)" };
        var population = new Option<int?>("--population") { Description = "Episodes per generation (even: mirrored pairs)" };
        var sigma = new Option<float?>("--sigma") { Description = "Noise standard deviation σ" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Optimizer step size" };
        var slots = new Option<int>("--slots") { Description = "Concurrent evaluations on this node", DefaultValueFactory = _ => Environment.ProcessorCount };
        var config = new Option<string?>("--config") { Description = "HOCON file with overrides (esactors.run, esactors.optimizer, akka.*)" };
        var output = new Option<string>("--out") { Description = "Output folder; the run's files go to <out>/<run-id>", DefaultValueFactory = _ => "runs" };
        var journal = new Option<string?>("--journal") { Description = "SQLite file path or PostgreSQL connection string (default: <out>/journal.db)" };
        var hostname = new Option<string>("--hostname") { Description = "Address other nodes reach this node at", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Cluster port (0 = any free port)", DefaultValueFactory = _ => 0 };
        var seedNodes = new Option<string[]>("--seed-nodes") { Description = "host:port of cluster seed nodes to join (default: start a new cluster)", AllowMultipleArgumentsPerToken = true };

        var command = new Command("train", "Train a policy (starts or resumes a run)")
        {
            env, runId, seed, generations, target, population, sigma, learningRate, slots, config, output, journal, hostname, port, seedNodes,
        };
        command.SetAction((result, cancellation) => Guard(() => TrainCommand.Run(new TrainOptions(
            result.GetValue(env)!, result.GetValue(runId),
            new RunOverrides(result.GetValue(seed), result.GetValue(generations), result.GetValue(target), result.GetValue(population), result.GetValue(sigma), result.GetValue(learningRate)),
            result.GetValue(slots), result.GetValue(config), result.GetValue(output)!, result.GetValue(journal),
            result.GetValue(hostname)!, result.GetValue(port), result.GetValue(seedNodes) ?? []), cancellation)));
        return command;
    }

    private static Command Play()
    {
        var policy = new Option<string>("--policy") { Description = "A policy.bin written by train", Required = true };
        var env = new Option<string?>("--env") { Description = "Environment id (default: the one the policy was trained on)" };
        var episodes = new Option<int>("--episodes") { Description = "Number of episodes", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the first episode", DefaultValueFactory = _ => 0 };
        var command = new Command("play", "Run noiseless episodes of a trained policy") { policy, env, episodes, seed };
        command.SetAction((result, _) => Guard(() => Task.FromResult(PlayCommand.Run(result.GetValue(policy)!, result.GetValue(env), result.GetValue(episodes), result.GetValue(seed)))));
        return command;
    }

    private static Command Worker()
    {
        var seedNodes = new Option<string[]>("--seed-nodes") { Description = "host:port of nodes to join", Required = true, AllowMultipleArgumentsPerToken = true };
        var journal = new Option<string?>("--journal") { Description = "The run's journal (SQLite path or PostgreSQL connection string); with it this node may host the optimizer" };
        var slots = new Option<int>("--slots") { Description = "Concurrent evaluations on this node", DefaultValueFactory = _ => Environment.ProcessorCount };
        var hostname = new Option<string>("--hostname") { Description = "Address other nodes reach this node at", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Cluster port (0 = any free port)", DefaultValueFactory = _ => 0 };
        var config = new Option<string?>("--config") { Description = "HOCON file with overrides" };
        var command = new Command("worker", "Join a cluster and evaluate seed batches until stopped") { seedNodes, journal, slots, hostname, port, config };
        command.SetAction((r, ct) => Guard(() => ClusterCommands.Worker(r.GetValue(seedNodes) ?? [], r.GetValue(journal), r.GetValue(slots), r.GetValue(hostname)!, r.GetValue(port), r.GetValue(config), ct)));
        return command;
    }

    private static Command Status()
    {
        var seedNodes = new Option<string[]>("--seed-nodes") { Description = "host:port of nodes to join", Required = true, AllowMultipleArgumentsPerToken = true };
        var hostname = new Option<string>("--hostname") { Description = "Address other nodes reach this node at", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("status", "Show the cluster's members and the active run") { seedNodes, hostname };
        command.SetAction((r, ct) => Guard(() => ClusterCommands.Status(r.GetValue(seedNodes) ?? [], r.GetValue(hostname)!, ct)));
        return command;
    }

    private static Command Export()
    {
        var runId = new Option<string>("--run-id") { Description = "Run to export", Required = true };
        var journal = new Option<string>("--journal") { Description = "SQLite path or PostgreSQL connection string", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder; files go to <out>/<run-id>", DefaultValueFactory = _ => "runs" };
        var command = new Command("export", "Rebuild progress.csv and policy.bin of a run from its journal") { runId, journal, output };
        command.SetAction((r, _) => Guard(() => ClusterCommands.Export(r.GetValue(runId)!, r.GetValue(journal)!, r.GetValue(output)!)));
        return command;
    }

    private static Command Bench()
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
        var command = new Command("bench", "Measure raw and cluster throughput, update step, message sizes and journal cost")
            { env, quick, output, postgres, population, prepare, nodes, clusterOnly, config };
        command.SetAction((r, ct) => Guard(() => EsActors.Node.Bench.BenchCommand.Run(
            new(r.GetValue(env)!, r.GetValue(quick), r.GetValue(output), r.GetValue(postgres), r.GetValue(population), r.GetValue(prepare),
                r.GetValue(nodes) is { Length: > 0 } k ? k : null, r.GetValue(clusterOnly), r.GetValue(config)), ct)));
        return command;
    }

    /// <summary>User errors become one line on stderr and exit code 2; nothing else is caught here.</summary>
    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try { return await action(); }
        catch (UserError e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
