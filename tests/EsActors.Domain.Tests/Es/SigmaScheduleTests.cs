using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Es;

/// <summary>σ per layer over the run (the seed notes' Question 2).</summary>
public sealed class SigmaScheduleTests
{
    [Fact]
    public void Multipliers_move_linearly_from_start_to_end_and_then_stay()
    {
        var schedule = new SigmaSchedule([0.5f, 2f], [1.5f, 0.5f], Generations: 10);
        Assert.Equal([0.5f, 2f], schedule.Multipliers(0));
        Assert.Equal([1f, 1.25f], schedule.Multipliers(5));
        Assert.Equal([1.5f, 0.5f], schedule.Multipliers(10));
        Assert.Equal([1.5f, 0.5f], schedule.Multipliers(1000));
    }

    [Fact]
    public void Every_parameter_gets_its_layers_multiplier_in_thetas_layout()
    {
        var network = new NetworkShape(3, [2], 1, Activation.Tanh); // layer 0: 3·2 + 2 = 8 parameters, layer 1: 2·1 + 1 = 3
        var scales = new SigmaSchedule([0.25f, 4f], [0.25f, 4f], 0).PerParameter(network, generation: 7);
        Assert.Equal(Enumerable.Repeat(0.25f, 8).Concat(Enumerable.Repeat(4f, 3)), scales);
    }

    [Fact]
    public void A_layer_perturbed_with_a_smaller_sigma_gets_its_estimate_scaled_back_up()
    {
        // A plain step (SGD, no momentum): the step of a layer is the unscheduled step divided by its multiplier
        // (powers of two, so the comparison is exact); multipliers of 1 change nothing at all.
        var sgd = new OptimizerSettings(OptimizerKind.SgdMomentum, LearningRate: 0.1f, Momentum: 0f);
        var plain = Definition(pairs: 4, weightDecay: 0, optimizer: sgd);
        var ones = plain with { SigmaSchedule = new SigmaSchedule([1f, 1f], [1f, 1f], 5) };
        var halved = plain with { SigmaSchedule = new SigmaSchedule([0.5f, 2f], [0.5f, 2f], 5) };
        var start = Started(plain);
        var result = Result(start, seed: 4);
        var step = RunLogic.Apply(start, result).Theta.Zip(start.Theta, (a, b) => a - b).ToArray();
        Assert.Equal(RunLogic.Apply(start, result).Theta, RunLogic.Apply(Started(ones), result).Theta);

        var scaled = RunLogic.Apply(Started(halved), result).Theta.Zip(start.Theta, (a, b) => a - b).ToArray();
        var firstLayer = plain.Network.Inputs * plain.Network.Hidden[0] + plain.Network.Hidden[0];
        for (var i = 0; i < step.Length; i++)
            Assert.Equal(i < firstLayer ? 2 * step[i] : step[i] / 2, scaled[i], 1e-6f);
    }

    [Fact]
    public void A_schedule_must_fit_the_network_and_the_strategy()
    {
        var run = Definition(pairs: 4); // 4-8-2: two weight layers
        Assert.Throws<ArgumentException>(() => (run with { SigmaSchedule = new SigmaSchedule([1f], [1f], 0) }).Validate());
        Assert.Throws<ArgumentException>(() => (run with { SigmaSchedule = new SigmaSchedule([1f, 0f], [1f, 1f], 0) }).Validate());
        Assert.Throws<ArgumentException>(() => (run with
        {
            SigmaSchedule = new SigmaSchedule([1f, 1f], [1f, 1f], 0),
            Strategy = new StrategySettings(StrategyKind.Ars),
        }).Validate());
        Assert.Contains("sigma schedule", string.Join(";", run.Differences(run with { SigmaSchedule = new SigmaSchedule([1f, 1f], [1f, 2f], 3) })));
        Assert.Empty(run.Differences(run with { SigmaSchedule = null }));
    }
}
