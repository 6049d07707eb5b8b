using EsActors.Node.Protocol;
using EsActors.Domain.Scheduling;

namespace EsActors.Node.Tests.Support;

/// <summary>Hand-made evaluator answers: finite, deterministic returns for exactly the batch's items.</summary>
public static class FakeResults
{
    public static BatchResult For(SeedBatch batch, double offset = 0) => new(
        batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, batch.Attempt, "fake-node",
        batch.Items.Select(i => i.IsEvaluation
            ? new ItemOutcome(i.Index, true, PairHalf.Both, 20 + i.Index + offset, 0, 20 + i.Index, 0, null)
            : new ItemOutcome(i.Index, false, i.Half, 10 + 3 * i.Index + offset, 12 - i.Index + offset, 10 + i.Index, 12, null)).ToArray(),
        0.01);
}
