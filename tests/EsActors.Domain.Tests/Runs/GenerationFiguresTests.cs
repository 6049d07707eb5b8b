using EsActors.Domain.Runs;

namespace EsActors.Domain.Tests.Runs;

public sealed class GenerationFiguresTests
{
    [Fact]
    public void Figures_summarize_the_generation_and_measure_theta_and_its_step()
    {
        var definition = RunTestData.Definition(pairs: 8);
        var state = RunTestData.Started(definition);
        var first = RunTestData.Result(state, seed: 1);
        var afterFirst = RunLogic.Apply(state, first);
        var second = RunTestData.Result(afterFirst, seed: 2);
        var afterSecond = RunLogic.Apply(afterFirst, second);

        var f = GenerationFigures.Of(second, afterFirst, afterSecond);

        var returns = second.ReturnsPositive.Concat(second.ReturnsNegative).ToArray();
        Assert.Equal(1, f.Generation);
        Assert.Equal(2 * 2 * 8, f.Episodes); // two generations of 8 mirrored pairs
        Assert.Equal(afterSecond.TrainingTimesteps, f.TrainingTimesteps);
        Assert.Equal(afterSecond.Timesteps, f.Timesteps);
        Assert.Equal(second.MeanTrainingReturn, f.MeanReturn);
        Assert.Equal(returns.Min(), f.MinReturn);
        Assert.Equal(returns.Max(), f.MaxReturn);
        Assert.Equal(Math.Sqrt(returns.Select(r => (r - f.MeanReturn) * (r - f.MeanReturn)).Average()), f.StdReturn, 1e-9);
        Assert.Equal((double)second.TrainingTimesteps / returns.Length, f.MeanEpisodeLength);
        Assert.Equal(Math.Sqrt(afterSecond.Theta.Sum(x => (double)x * x)), f.ThetaNorm, 1e-9);
        var step = Math.Sqrt(afterSecond.Theta.Zip(afterFirst.Theta, (a, b) => ((double)a - b) * ((double)a - b)).Sum());
        Assert.True(step > 0);
        Assert.Equal(step, f.UpdateNorm, 1e-9);
    }
}
