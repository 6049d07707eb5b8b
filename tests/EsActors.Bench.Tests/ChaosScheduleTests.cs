using EsActors.Bench.Chaos;

namespace EsActors.Bench.Tests;

/// <summary>The generations a chaos run needs so that every fault gets its spacing (what a short run is told to use).</summary>
public sealed class ChaosScheduleTests
{
    [Fact]
    public void The_suggested_generations_cover_the_ci_run_that_ended_before_its_fifth_fault_and_the_default_covers_them()
    {
        // The CI run that failed: 440 generations in about 60 s of generations, 5 faults, the fifth never injected.
        List<(double Seconds, int Generations)> progress = [(12.0, 1), (40.0, 200), (72.0, 440)];
        var suggested = ChaosRun.GenerationsFor(5, progress);
        Assert.InRange(suggested, 441, 120 * 5 + 40); // more than it had, no more than the default now gives
        // Twice the pace needs about twice the generations; no progress measured: only the fixed part.
        Assert.InRange(ChaosRun.GenerationsFor(5, [(12.0, 1), (42.0, 440)]), 2 * suggested - 60, 2 * suggested);
        Assert.Equal(20, ChaosRun.GenerationsFor(5, [(12.0, 1)]));
    }
}
