using EsActors.Node.Outputs;

namespace EsActors.Node.Tests.Sweeps;

public sealed class LearningCurvesTests
{
    [Fact]
    public void The_sweep_overlay_takes_each_seeds_last_evaluation_at_every_grid_point()
    {
        (double[], double[], double[]) Seed(double[] t, double[] e) => (t, e, new double[t.Length]);
        var grid = LearningCurves.Grid([Seed([10, 20, 30], [1, 2, 3]), Seed([10, 40], [5, 7]), Seed([15, 25], [0, 9])], points: 6);
        Assert.Equal(7, grid.Timesteps.Length);
        Assert.Equal(15, grid.Timesteps[0]);   // the last seed's first generation
        Assert.Equal(40, grid.Timesteps[^1]);  // the longest run's end
        Assert.Equal(27.5, grid.Timesteps[3], 12);
        // At t = 15: seeds at 1, 5, 0 → median 1; at t = 40: 3 (stopped at 30), 7, 9 (stopped at 25).
        Assert.Equal((1.0, 0.0, 5.0), (grid.Median[0], grid.Min[0], grid.Max[0]));
        Assert.Equal((7.0, 3.0, 9.0), (grid.Median[^1], grid.Min[^1], grid.Max[^1]));
        Assert.Empty(LearningCurves.Grid([Seed([], [])], points: 6).Timesteps);
    }
}
