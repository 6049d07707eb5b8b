using EsActors.Domain.Es;
using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Es;

/// <summary>A learning rate that decays linearly over the run (ARS and OpenAI-ES keep it fixed).</summary>
public sealed class LearningRateScheduleTests
{
    [Fact]
    public void The_multiplier_falls_linearly_from_one_to_end_and_then_stays()
    {
        var schedule = new LearningRateSchedule(End: 0.25f, Generations: 4);
        Assert.Equal(1f, schedule.Multiplier(0));
        Assert.Equal(0.8125f, schedule.Multiplier(1));
        Assert.Equal(0.625f, schedule.Multiplier(2));
        Assert.Equal(0.25f, schedule.Multiplier(4));
        Assert.Equal(0.25f, schedule.Multiplier(1000));
        Assert.Equal(0.01f * 0.625f, schedule.At(new OptimizerSettings(LearningRate: 0.01f), 2).LearningRate);
    }

    [Fact]
    public void A_plain_step_is_the_fixed_step_times_the_generations_multiplier()
    {
        // SGD without momentum: the step is α·m(g)·g, so at generation 0 (m = 1) the runs agree bit for bit and at
        // generation 2 of a schedule to 0.5 over 4 generations the step is ¾ of the fixed one.
        var sgd = new OptimizerSettings(OptimizerKind.SgdMomentum, LearningRate: 0.1f, Momentum: 0f);
        var plain = Definition(pairs: 4, weightDecay: 0, optimizer: sgd);
        var decaying = plain with { LearningRateSchedule = new LearningRateSchedule(0.5f, 4) };

        var start = Started(plain);
        var first = Result(start, seed: 3);
        Assert.Equal(RunLogic.Apply(start, first).Theta, RunLogic.Apply(Started(decaying), first).Theta);

        var (fixedState, decayState) = (start, Started(decaying));
        for (var g = 0; g < 2; g++)
        {
            // The same θ in both runs, so only the step size of generation 2 differs.
            var result = Result(fixedState, seed: (ulong)(10 + g));
            fixedState = RunLogic.Apply(fixedState, result);
            decayState = decayState with { Theta = fixedState.Theta, Generation = fixedState.Generation };
        }
        var third = Result(fixedState, seed: 20);
        var fixedStep = RunLogic.Apply(fixedState, third).Theta.Zip(fixedState.Theta, (a, b) => a - b).ToArray();
        var decayStep = RunLogic.Apply(decayState, third).Theta.Zip(decayState.Theta, (a, b) => a - b).ToArray();
        Assert.Contains(fixedStep, s => Math.Abs(s) > 1e-4);
        for (var i = 0; i < fixedStep.Length; i++) Assert.Equal(0.75f * fixedStep[i], decayStep[i], 1e-6f);
    }

    [Fact]
    public void A_schedule_is_checked_and_part_of_the_run_definition()
    {
        var run = Definition(pairs: 4);
        Assert.Throws<ArgumentException>(() => (run with { LearningRateSchedule = new LearningRateSchedule(-0.1f, 10) }).Validate());
        Assert.Throws<ArgumentException>(() => (run with { LearningRateSchedule = new LearningRateSchedule(0.1f, 0) }).Validate());
        (run with { LearningRateSchedule = new LearningRateSchedule(0f, 10) }).Validate(); // decaying to zero is allowed
        Assert.Contains("learning rate schedule", string.Join(";", run.Differences(run with { LearningRateSchedule = new LearningRateSchedule(0.1f, 10) })));
        Assert.Empty(run.Differences(run with { LearningRateSchedule = null }));
        Assert.Equal(run with { LearningRateSchedule = new LearningRateSchedule(0.1f, 10) }, run with { LearningRateSchedule = new LearningRateSchedule(0.1f, 10) });
    }
}
