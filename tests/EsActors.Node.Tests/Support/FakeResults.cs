using EsActors.Node.Protocol;

namespace EsActors.Node.Tests.Support;

/// <summary>Hand-made evaluator answers: finite, deterministic returns for exactly the batch's items.</summary>
public static class FakeResults
{
    public static BatchResult For(SeedBatch batch, double offset = 0) => new(
        batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, batch.Attempt, "fake-node",
        batch.Items.Select(i => i.IsEvaluation
            ? new ItemResult(i.Index, true, 20 + i.Index + offset, 0, 20 + i.Index, 0, null)
            : new ItemResult(i.Index, false, 10 + 3 * i.Index + offset, 12 - i.Index + offset, 10 + i.Index, 12, null, i.Half)).ToArray(),
        0.01);
}
