using EsActors.Domain.Normalization;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Runs;

public class RunLogicTests
{
    [Fact]
    public void Starting_an_empty_run_yields_RunStarted()
    {
        // Arrange
        var definition = Definition();
        var stop = new StopCriteria(50, 475);

        // Act
        var decision = RunLogic.Decide(RunState.Empty, new StartRun(definition, stop));

        // Assert
        Assert.False(decision.IsRejected);
        var started = Assert.IsType<RunStarted>(Assert.Single(decision.Events));
        Assert.Same(definition, started.Definition);
        Assert.Equal(stop, started.Stop);
    }

    [Fact]
    public void Applying_RunStarted_gives_generation_zero_at_the_initial_parameters()
    {
        // Act
        var definition = Definition();
        var state = Started(definition);

        // Assert
        Assert.True(state.IsStarted);
        Assert.False(state.IsFinished);
        Assert.Equal(0, state.Generation);
        Assert.Equal(definition.Network.InitialParameters(definition.Seed), state.Theta);
        Assert.Equal(0, state.Optimizer.Steps);
        Assert.Equal(state.Theta.Length, state.Optimizer.FirstMoment.Length);
        Assert.True(state.ObservationStatistics.ContentEquals(ObservationStatistics.Initial(4)));
    }

    [Fact]
    public void Restarting_with_the_same_definition_and_stop_criteria_yields_no_events()
    {
        var state = Started(Definition());
        var decision = RunLogic.Decide(state, new StartRun(Definition(), new StopCriteria(100, null)));
        Assert.False(decision.IsRejected);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Restarting_with_different_stop_criteria_yields_StopCriteriaChanged()
    {
        // Arrange
        var state = Started(Definition());
        var extended = new StopCriteria(500, 195);

        // Act
        var decision = RunLogic.Decide(state, new StartRun(Definition(), extended));
        var after = RunLogic.Apply(state, Assert.Single(decision.Events));

        // Assert
        Assert.Equal(extended, Assert.IsType<StopCriteriaChanged>(Assert.Single(decision.Events)).Stop);
        Assert.Equal(extended, after.Stop);
        Assert.Equal(state.Theta, after.Theta);
    }

    [Fact]
    public void Restarting_with_a_different_environment_is_rejected_naming_it()
    {
        var state = Started(Definition());
        var decision = RunLogic.Decide(state, new StartRun(Definition() with { EnvironmentId = "Pendulum-v1" }, new StopCriteria(100, null)));
        Assert.True(decision.IsRejected);
        Assert.Empty(decision.Events);
        Assert.Contains("env (CartPole-v1 vs Pendulum-v1)", decision.Rejection);
    }

    [Fact]
    public void Restarting_with_a_different_network_shape_is_rejected_naming_it()
    {
        var state = Started(Definition());
        var wider = Definition() with { Network = new NetworkShape(4, [16], 2, Activation.Tanh) };
        var decision = RunLogic.Decide(state, new StartRun(wider, new StopCriteria(100, null)));
        Assert.True(decision.IsRejected);
        Assert.Contains("network shape (4-8-2 tanh vs 4-16-2 tanh)", decision.Rejection);
    }

    [Fact]
    public void Restarting_with_different_trajectory_settings_lists_every_difference()
    {
        var state = Started(Definition());
        var changed = Definition() with { Sigma = 0.05f, Seed = 18, WeightDecay = 0 };
        var decision = RunLogic.Decide(state, new StartRun(changed, new StopCriteria(100, null)));
        Assert.True(decision.IsRejected);
        Assert.Contains("sigma", decision.Rejection);
        Assert.Contains("seed (17 vs 18)", decision.Rejection);
        Assert.Contains("weight decay", decision.Rejection);
        Assert.DoesNotContain("env", decision.Rejection);
    }

    [Fact]
    public void An_invalid_definition_is_rejected_with_its_validation_message()
    {
        var decision = RunLogic.Decide(RunState.Empty, new StartRun(Definition() with { Pairs = 0 }, new StopCriteria(10, null)));
        Assert.True(decision.IsRejected);
        Assert.Contains("population must be at least 2", decision.Rejection);
    }

    [Fact]
    public void A_generation_before_the_run_started_is_rejected()
    {
        var started = Started(Definition());
        var decision = RunLogic.Decide(RunState.Empty, new CompleteGeneration(Result(started, 1)));
        Assert.True(decision.IsRejected);
        Assert.Contains("not started", decision.Rejection);
    }

    [Fact]
    public void A_valid_generation_is_accepted_as_is()
    {
        var state = Started(Definition());
        var result = Result(state, 1);
        var decision = RunLogic.Decide(state, new CompleteGeneration(result));
        Assert.False(decision.IsRejected, decision.Rejection);
        Assert.Same(result, Assert.Single(decision.Events));
    }

    [Fact]
    public void A_result_for_the_wrong_generation_is_rejected()
    {
        var state = Started(Definition());
        var result = Result(state, 1) with { Generation = 1 };
        var decision = RunLogic.Decide(state, new CompleteGeneration(result));
        Assert.True(decision.IsRejected);
        Assert.Contains("generation 1, expected 0", decision.Rejection);
    }

    [Theory]
    [InlineData("positive", double.NaN)]
    [InlineData("negative", double.PositiveInfinity)]
    [InlineData("evaluation", double.NegativeInfinity)]
    public void A_result_with_a_non_finite_return_is_rejected(string where, double value)
    {
        // Arrange
        var state = Started(Definition());
        var result = Result(state, 1);
        var target = where switch { "positive" => result.ReturnsPositive, "negative" => result.ReturnsNegative, _ => result.EvaluationReturns };
        target[^1] = value;

        // Act
        var decision = RunLogic.Decide(state, new CompleteGeneration(result));

        // Assert
        Assert.True(decision.IsRejected);
        Assert.Contains("non-finite return", decision.Rejection);
    }

    [Fact]
    public void A_result_with_noise_indices_other_than_the_plans_is_rejected()
    {
        var state = Started(Definition());
        var result = Result(state, 1);
        result.NoiseIndices[3] = (result.NoiseIndices[3] + 1) % 1000;
        var decision = RunLogic.Decide(state, new CompleteGeneration(result));
        Assert.True(decision.IsRejected);
        Assert.Contains("noise indices that differ from its plan", decision.Rejection);
    }

    [Fact]
    public void A_result_with_the_wrong_number_of_pairs_or_evaluations_is_rejected()
    {
        var state = Started(Definition());
        var result = Result(state, 1);
        var missingPair = result with { ReturnsNegative = result.ReturnsNegative[..^1] };
        var missingEvaluation = result with { EvaluationReturns = result.EvaluationReturns[..^1] };
        Assert.Contains("must hold 8 pairs", RunLogic.Decide(state, new CompleteGeneration(missingPair)).Rejection);
        Assert.Contains("must hold 2 evaluation episodes", RunLogic.Decide(state, new CompleteGeneration(missingEvaluation)).Rejection);
    }

    [Fact]
    public void A_result_with_statistics_of_the_wrong_size_is_rejected()
    {
        var state = Started(Definition());
        var result = Result(state, 1) with { ObservationDelta = ObservationStatistics.Empty(5) };
        Assert.Contains("wrong size", RunLogic.Decide(state, new CompleteGeneration(result)).Rejection);
    }

    [Fact]
    public void Replaying_the_same_events_twice_gives_bit_identical_parameters_and_checksum()
    {
        // Arrange
        var journal = Journal(Definition(), 6, seed: 3);

        // Act
        var first = Replay(journal);
        var second = Replay(journal);

        // Assert
        Assert.Equal(6, first.Generation);
        Assert.True(first.Theta.AsSpan().SequenceEqual(second.Theta), "θ differs between replays");
        Assert.True(first.Optimizer.FirstMoment.AsSpan().SequenceEqual(second.Optimizer.FirstMoment));
        Assert.True(first.Optimizer.SecondMoment.AsSpan().SequenceEqual(second.Optimizer.SecondMoment));
        Assert.True(first.ObservationStatistics.ContentEquals(second.ObservationStatistics));
        Assert.Equal(first.Checksum(), second.Checksum());
        Assert.NotEqual(Started(Definition()).Checksum(), first.Checksum());
    }

    [Fact]
    public void Resuming_from_a_snapshot_and_replaying_the_rest_equals_a_full_replay()
    {
        // Arrange: a snapshot after 4 of 9 generations, copied into fresh arrays as if restored from storage.
        var journal = Journal(Definition(), 9, seed: 4);
        var atSnapshot = Replay(journal.Take(5));
        var restored = atSnapshot with
        {
            Theta = (float[])atSnapshot.Theta.Clone(),
            Optimizer = new OptimizerState(atSnapshot.Optimizer.Steps, (float[])atSnapshot.Optimizer.FirstMoment.Clone(), (float[])atSnapshot.Optimizer.SecondMoment.Clone()),
            ObservationStatistics = new ObservationStatistics((double[])atSnapshot.ObservationStatistics.Sum.Clone(), (double[])atSnapshot.ObservationStatistics.SumOfSquares.Clone(), atSnapshot.ObservationStatistics.Count),
        };

        // Act
        var resumed = Replay(journal.Skip(5), restored);
        var full = Replay(journal);

        // Assert
        Assert.Equal(4, atSnapshot.Generation);
        Assert.Equal(full.Generation, resumed.Generation);
        Assert.True(full.Theta.AsSpan().SequenceEqual(resumed.Theta), "θ differs");
        Assert.Equal(full.Checksum(), resumed.Checksum());
        Assert.Equal(full.Timesteps, resumed.Timesteps);
        Assert.Equal(full.Optimizer.Steps, resumed.Optimizer.Steps);
    }

    [Fact]
    public void Applying_a_generation_does_not_mutate_the_previous_state()
    {
        // Arrange
        var state = Started(Definition());
        var thetaBefore = (float[])state.Theta.Clone();
        var checksumBefore = state.Checksum();

        // Act
        var next = RunLogic.Apply(state, Result(state, 5));

        // Assert
        Assert.Equal(thetaBefore, state.Theta);
        Assert.Equal(checksumBefore, state.Checksum());
        Assert.Equal(0, state.Generation);
        Assert.Equal(1, next.Generation);
        Assert.NotEqual(state.Theta, next.Theta);
    }

    [Fact]
    public void A_generation_moves_theta_towards_the_better_half_of_each_mirrored_pair()
    {
        // Arrange: one pair, F(θ+σε) > F(θ−σε), no weight decay. Ranks give +0.5 / −0.5, so the ascent is ε/2 and
        // Adam's first step moves every coordinate by η·sign(ε) (m̂/√v̂ = g/|g|).
        var definition = Definition(pairs: 1, weightDecay: 0);
        var state = Started(definition);
        var result = Result(state, 1) with { ReturnsPositive = [10.0], ReturnsNegative = [2.0] };
        var epsilon = RunLogic.NoiseFor(definition).Slice(result.NoiseIndices[0], state.Theta.Length).ToArray();

        // Act
        var next = RunLogic.Apply(state, result);

        // Assert
        for (var i = 0; i < epsilon.Length; i++)
            Assert.Equal(Math.Sign(epsilon[i]) * 0.01, next.Theta[i] - state.Theta[i], 1e-5);
    }

    [Fact]
    public void Weight_decay_subtracts_lambda_theta_from_the_ascent()
    {
        // Arrange: the same result applied to two runs that differ only in λ; plain SGD (η = 1, μ = 0) makes the
        // step equal to the ascent, g − λθ, so the runs' parameters differ by exactly −λθ.
        var sgd = new OptimizerSettings(OptimizerKind.SgdMomentum, LearningRate: 1f, Momentum: 0f);
        var withDecay = Started(Definition(weightDecay: 0.5f, optimizer: sgd));
        var without = Started(Definition(weightDecay: 0f, optimizer: sgd));
        var result = Result(withDecay, 9);

        // Act
        var a = RunLogic.Apply(withDecay, result);
        var b = RunLogic.Apply(without, result);

        // Assert
        for (var i = 0; i < a.Theta.Length; i++)
            Assert.Equal(-0.5 * withDecay.Theta[i], a.Theta[i] - b.Theta[i], 1e-6);
    }

    [Fact]
    public void Observation_statistics_are_merged_only_when_normalization_is_on()
    {
        // Arrange
        var on = Started(Definition(normalize: true));
        var off = Started(Definition(normalize: false));
        var result = Result(on, 2);

        // Act
        var afterOn = RunLogic.Apply(on, result);
        var afterOff = RunLogic.Apply(off, result);

        // Assert
        Assert.True(afterOn.ObservationStatistics.ContentEquals(on.ObservationStatistics.Merge(result.ObservationDelta)));
        Assert.True(afterOff.ObservationStatistics.ContentEquals(off.ObservationStatistics));
    }

    [Fact]
    public void Progress_figures_accumulate_from_the_generation_results()
    {
        var state = Started(Definition());
        var result = Result(state, 6, evaluationReturn: 42);
        var next = RunLogic.Apply(state, result);
        var expectedSteps = result.LengthsPositive.Sum() + result.LengthsNegative.Sum() + result.EvaluationLengths.Sum();
        Assert.Equal(expectedSteps, next.Timesteps);
        Assert.Equal(42, next.LastEvaluationMean);
        Assert.Equal((result.LengthsPositive.Sum() + result.LengthsNegative.Sum()) / 16.0, next.MeanEpisodeLength, 1e-12);
        // Episode cap = ⌈factor × mean length⌉, clamped to the environment's limit.
        Assert.Equal((int)Math.Ceiling(2 * next.MeanEpisodeLength), next.EpisodeCap(10_000));
        Assert.Equal(10, next.EpisodeCap(10));
        Assert.Equal(500, state.EpisodeCap(500));
    }

    [Fact]
    public void A_run_is_finished_at_its_generation_limit_and_refuses_further_results()
    {
        // Arrange
        var journal = Journal(Definition(), 2, seed: 7, stop: new StopCriteria(2, null));

        // Act
        var afterOne = Replay(journal.Take(2));
        var afterTwo = Replay(journal);

        // Assert
        Assert.False(afterOne.IsFinished);
        Assert.True(afterTwo.IsFinished);
        var decision = RunLogic.Decide(afterTwo, new CompleteGeneration(Result(afterTwo, 7)));
        Assert.True(decision.IsRejected);
        Assert.Contains("finished", decision.Rejection);
    }

    [Fact]
    public void A_run_is_finished_once_the_evaluation_mean_reaches_the_target_return()
    {
        // Arrange
        var state = Started(Definition(), new StopCriteria(1000, 100));

        // Act
        var below = RunLogic.Apply(state, Result(state, 1, evaluationReturn: 99.5));
        var reached = RunLogic.Apply(below, Result(below, 1, evaluationReturn: 100));

        // Assert
        Assert.False(state.IsFinished);
        Assert.False(below.IsFinished);
        Assert.True(reached.IsFinished);
    }

    [Fact]
    public void Extending_the_stop_criteria_reopens_a_finished_run()
    {
        var state = Replay(Journal(Definition(), 1, seed: 8, stop: new StopCriteria(1, null)));
        Assert.True(state.IsFinished);
        var decision = RunLogic.Decide(state, new StartRun(Definition(), new StopCriteria(3, null)));
        var reopened = RunLogic.Apply(state, Assert.Single(decision.Events));
        Assert.False(reopened.IsFinished);
        Assert.False(RunLogic.Decide(reopened, new CompleteGeneration(Result(reopened, 8))).IsRejected);
    }

    [Fact]
    public void The_checksum_covers_theta_the_observation_statistics_and_the_generation()
    {
        var state = Started(Definition());
        var theta = (float[])state.Theta.Clone();
        theta[0] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(theta[0]) ^ 1); // one ulp
        Assert.NotEqual(state.Checksum(), (state with { Theta = theta }).Checksum());
        var stats = state.ObservationStatistics;
        Assert.NotEqual(state.Checksum(), (state with { ObservationStatistics = stats with { Sum = [0, 0, 1e-9, 0] } }).Checksum());
        Assert.NotEqual(state.Checksum(), (state with { ObservationStatistics = stats with { SumOfSquares = [0.01, 0.01, 0.01, 0.02] } }).Checksum());
        Assert.NotEqual(state.Checksum(), (state with { ObservationStatistics = stats with { Count = 1.01 } }).Checksum());
        Assert.NotEqual(state.Checksum(), (state with { Generation = 1 }).Checksum());
        Assert.Equal(state.Checksum(), (state with { Theta = (float[])state.Theta.Clone() }).Checksum());
    }
}
