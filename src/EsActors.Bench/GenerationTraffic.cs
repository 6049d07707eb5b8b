using EsActors.Domain.Normalization;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Node.Protocol;
using EsActors.Domain.Scheduling;

namespace EsActors.Bench;

/// <summary>Bytes of one generation's remoting traffic, by message kind.</summary>
public sealed record GenerationTrafficSize(
    int Population, int Parameters, int Nodes, int SeedBatches, long SeedBatchBytes, int BatchResults, long BatchResultBytes,
    int CatchUpMessages, long CatchUpBytes)
{
    public long TotalBytes => SeedBatchBytes + BatchResultBytes + CatchUpBytes;
    public int Messages => SeedBatches + BatchResults + CatchUpMessages;
}

/// <summary>
/// The messages one generation puts on the wire, built exactly as the optimizer and evaluators build them:
/// the generation's <see cref="PerturbationPlan"/> split into batches by <see cref="GenerationWork"/>
/// (slots × batches-per-slot pair batches plus one evaluation batch), one <see cref="SeedBatch"/> and one
/// <see cref="BatchResult"/> per batch, and per node one <see cref="GetGenerations"/>/<see cref="GenerationsReply"/>
/// pair (the replica's scalar catch-up). θ never travels, so the sizes do not depend on the parameter count.
/// </summary>
public static class GenerationTraffic
{
    public const int Inputs = 11, Outputs = 3;
    public const string RunId = "bench-traffic";

    /// <summary>A Hopper-shaped run (11 inputs, 3 outputs, one hidden layer) with about <paramref name="parameters"/> parameters.</summary>
    public static RunDefinition Definition(int population, int parameters)
    {
        if (population < 2 || population % 2 != 0) throw new ArgumentException("population must be even and ≥ 2");
        var hidden = Math.Max(1, (int)Math.Round((parameters - Outputs) / (double)(Inputs + Outputs + 1)));
        var network = new NetworkShape(Inputs, [hidden], Outputs, Activation.Tanh);
        return new RunDefinition("Hopper-v4", network, 0, population / 2, 0.02f, new OptimizerSettings(), 0.005f,
            NoiseTable.DefaultSeed, NoiseTable.DefaultSize, true, 0.01, 2, 0f, 0, 2.0, 20);
    }

    public static IReadOnlyList<IEsMessage> Messages(RunDefinition run, int nodes, int slotsPerNode, int batchesPerSlot, int generation = 7)
    {
        var noise = RunLogic.NoiseFor(run);
        var plan = PerturbationPlan.For(run, generation, noise);
        var work = new GenerationWork(run, plan, nodes * slotsPerNode * batchesPerSlot, nodes * slotsPerNode);
        var checksum = RunLogic.Apply(RunState.Empty, new RunStarted(run, new StopCriteria(1000, null))).Checksum();
        var inputs = run.Network.Inputs;
        var messages = new List<IEsMessage>();
        var results = new List<IEsMessage>();
        for (var b = 0; b < work.Batches.Count; b++)
        {
            var batch = work.Batches[b];
            var node = b % nodes;
            var evaluator = $"127.0.0.1:{2551 + node}:{-1234567890 + node}:{b / nodes % slotsPerNode}";
            var items = batch.ItemsOf(plan);
            messages.Add(new SeedBatch(evaluator, RunId, generation, batch.BatchId, b + 1, checksum, 1000, items));
            var itemResults = items.Select(item => new ItemOutcome(item.Index, item.IsEvaluation, item.Half,
                1000.0 + item.Index * 0.37, item.IsEvaluation ? 0 : 990.0 - item.Index * 0.11, 1000, item.IsEvaluation ? 0 : 997,
                item.CollectStatistics ? Statistics(inputs, 1997) : null)).ToArray();
            results.Add(new BatchResult(evaluator, RunId, generation, batch.BatchId, b + 1, $"akka.tcp://esactors@127.0.0.1:{2551 + node}", itemResults, 1.234));
        }
        messages.AddRange(results);
        var completed = new GenerationCompleted(generation, plan.NoiseIndices,
            Enumerable.Range(0, run.Pairs).Select(i => 1000.0 + i).ToArray(), Enumerable.Range(0, run.Pairs).Select(i => 990.0 - i).ToArray(),
            Enumerable.Repeat(1000, run.Pairs).ToArray(), Enumerable.Repeat(997, run.Pairs).ToArray(),
            Statistics(inputs, 1997 * plan.CollectStatistics.Count(c => c)),
            Enumerable.Range(0, run.EvaluationEpisodes).Select(i => 1000.0 + i).ToArray(), Enumerable.Repeat(1000, run.EvaluationEpisodes).ToArray(), 2.5);
        for (var n = 0; n < nodes; n++)
        {
            messages.Add(new GetGenerations(RunId, generation, generation + 1));
            messages.Add(new GenerationsReply(RunId, null, [completed], true));
        }
        return messages;
    }

    /// <summary>Sizes of <see cref="Messages"/> as serialized by <paramref name="serialize"/> (the node's EsSerializer).</summary>
    public static GenerationTrafficSize Measure(Func<object, byte[]> serialize, int population, int parameters, int nodes, int slotsPerNode, int batchesPerSlot)
    {
        var run = Definition(population, parameters);
        int seedBatches = 0, batchResults = 0, catchUp = 0;
        long seedBytes = 0, resultBytes = 0, catchUpBytes = 0;
        foreach (var message in Messages(run, nodes, slotsPerNode, batchesPerSlot))
        {
            long size = serialize(message).Length;
            switch (message)
            {
                case SeedBatch: seedBatches++; seedBytes += size; break;
                case BatchResult: batchResults++; resultBytes += size; break;
                default: catchUp++; catchUpBytes += size; break;
            }
        }
        return new GenerationTrafficSize(population, run.Network.ParameterCount, nodes, seedBatches, seedBytes, batchResults, resultBytes, catchUp, catchUpBytes);
    }

    private static ObservationStatistics Statistics(int size, double count) =>
        new(Enumerable.Range(0, size).Select(i => 0.5 * i * count).ToArray(), Enumerable.Range(0, size).Select(i => 1.5 * i * count).ToArray(), count);
}
