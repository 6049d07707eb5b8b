using EsActors.Bench;
using EsActors.Node.Tests.Support;

namespace EsActors.Bench.Tests;

/// <summary>The quick cell of the optimizer-ceiling bench: instant evaluators must let the optimizer run. No timing thresholds.</summary>
public sealed class OptimizerCeilingTests
{
    [Fact]
    public async Task Quick_cell_completes_generations_with_instant_evaluators()
    {
        using var temp = new TempDirectory();
        var cells = await OptimizerCeilingBench.Measure(OptimizerCeilingBench.Settings.Quick, temp.Path, CancellationToken.None);

        var cell = Assert.Single(cells);
        Assert.Null(cell.Problem);
        Assert.Equal(8, cell.Slots);
        Assert.Equal(64, cell.Population);
        Assert.True(cell.Generations >= 3, $"only {cell.Generations} generations");
        Assert.True(cell.GenerationsPerSecond > 0);
        Assert.True(cell.BatchResultsPerSecond > 0);
        Assert.True(cell.PairResultsPerSecond > 0);
        // Every pair of every completed generation was answered (the window may hold part of one more generation).
        Assert.True(cell.PairResults >= (long)cell.Generations * cell.Population / 2 - cell.Population / 2, $"{cell.PairResults} pair results for {cell.Generations} generations");
    }
}
