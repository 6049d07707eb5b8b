using EsActors.Node.Protocol;
using EsActors.Domain.Scheduling;

namespace EsActors.Node.Tests.Support;

/// <summary>
/// Hand-made evaluator answers: finite, deterministic returns for exactly the batch's items, and possible ones for the
/// test runs' CartPole (reward 1 per step, so each return equals its episode's length; a half that was not run is 0).
/// <paramref name="offset"/> lengthens every episode by that many steps, so a copy with an offset is another possible answer.
/// </summary>
public static class FakeResults
{
    public static BatchResult For(SeedBatch batch, int offset = 0) => new(
        batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, batch.Attempt, "fake-node",
        batch.Items.Select(i => i.IsEvaluation
            ? new ItemOutcome(i.Index, true, PairHalf.Both, 20 + i.Index + offset, 0, 20 + i.Index + offset, 0, null)
            : new ItemOutcome(i.Index, false, i.Half,
                i.Half.RunsPositive() ? 10 + i.Index + offset : 0, i.Half.RunsNegative() ? 12 + i.Index + offset : 0,
                i.Half.RunsPositive() ? 10 + i.Index + offset : 0, i.Half.RunsNegative() ? 12 + i.Index + offset : 0, null)).ToArray(),
        0.01);
}
