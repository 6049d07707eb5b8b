using Akka.Actor;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Node.Serialization;

namespace EsActors.Node.Tests.Serialization;

/// <summary>
/// The run's definition and state in the journal (format 8: policy-averaging and the averaged θ; format 7 added the
/// state's CMA-ES distribution, format 6 the box action head, format 5 keep-best-policy and the kept policy, format 4 the
/// learning-rate schedule), and journals written by the format-3 to format-7 builds, which must still resume.
/// </summary>
public sealed class DefinitionFormatTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("definition-format-tests");
    private EsSerializer Serializer => new((ExtendedActorSystem)_system);

    private static RunDefinition Definition(LearningRateSchedule? decay, bool keepBest = false, BoxHead head = BoxHead.Tanh, float averaging = 0) => new(
        "Swimmer-v4", new NetworkShape(8, [], 2, Activation.Tanh), Seed: 3, Pairs: 16, Sigma: 0.02f,
        new OptimizerSettings(OptimizerKind.SgdMomentum, 0.02f, Momentum: 0), WeightDecay: 0, NoiseSeed: 42, NoiseTableSize: 1 << 20,
        ObservationNormalization: false, ObservationStatisticsProbability: 0, EvaluationEpisodes: 1, ActionNoiseStd: 0, ActionBins: 0,
        EpisodeCapFactor: 0, SnapshotEvery: 50, new StrategySettings(StrategyKind.Ars, 8, 0), SigmaSchedule: null, LearningRateSchedule: decay,
        KeepBestPolicy: keepBest, BoxHead: head, PolicyAveraging: averaging);

    [Fact]
    public void A_definition_with_a_learning_rate_schedule_keep_best_policy_and_a_linear_head_round_trips()
    {
        var started = new RunStarted(Definition(new LearningRateSchedule(0.1f, 157), keepBest: true, BoxHead.Linear), new StopCriteria(1_000_000, null, 5_000_000));
        Assert.Equal("E:run-started:8", Serializer.Manifest(started));
        var back = Assert.IsType<RunStarted>(Serializer.FromBinary(Serializer.ToBinary(started), "E:run-started:8"));
        Assert.Equal(started.Definition, back.Definition);
        Assert.Equal(new LearningRateSchedule(0.1f, 157), back.Definition.LearningRateSchedule);
        Assert.True(back.Definition.KeepBestPolicy);
        Assert.Equal(BoxHead.Linear, back.Definition.BoxHead);
        Assert.Equal(started.Stop, back.Stop);
    }

    [Fact]
    public void A_definition_with_policy_averaging_round_trips()
    {
        var started = new RunStarted(Definition(null, averaging: 0.9f), new StopCriteria(1_000_000, null, 5_000_000));
        var back = Assert.IsType<RunStarted>(Serializer.FromBinary(Serializer.ToBinary(started), Serializer.Manifest(started)));
        Assert.Equal(0.9f, back.Definition.PolicyAveraging);
        Assert.Equal(started.Definition, back.Definition);
    }

    [Theory]
    [InlineData(7, 4)] // format 7 is format 8 without policy-averaging, the definition's last 4 bytes (format 6's definition is format 7's)
    [InlineData(6, 4)]
    [InlineData(5, 5)] // format 5 lacks the box head as well
    [InlineData(4, 6)] // format 4 lacks the keep-best flag as well
    [InlineData(3, 7)] // format 3 lacks the learning-rate schedule's presence flag as well
    public void An_older_run_started_event_still_reads_with_a_fixed_learning_rate_the_last_policy_and_the_tanh_head(int format, int missingBytes)
    {
        var definition = Definition(null);
        var stop = new StopCriteria(1_000_000, 360, 5_000_000);
        var definitionBytes = BinaryCodec.Encode(w => w.WriteDefinition(definition));
        Assert.All(definitionBytes[^missingBytes..], b => Assert.Equal(0, b));
        var old = BinaryCodec.Encode(w => { w.Write(definitionBytes.AsSpan(0, definitionBytes.Length - missingBytes)); w.WriteStop(stop); });

        var back = Assert.IsType<RunStarted>(Serializer.FromBinary(old, $"E:run-started:{format}"));
        Assert.Equal(definition, back.Definition);
        Assert.Null(back.Definition.LearningRateSchedule);
        Assert.False(back.Definition.KeepBestPolicy);
        Assert.Equal(BoxHead.Tanh, back.Definition.BoxHead);
        Assert.False(back.Definition.AveragesPolicy);
        Assert.Equal(stop, back.Stop);
    }

    private static RunState StateWithBest()
    {
        var definition = Definition(null, keepBest: true);
        var statistics = new Domain.Normalization.ObservationStatistics([1, 2, 3, 4, 5, 6, 7, 8], [9, 9, 9, 9, 9, 9, 9, 9], 3);
        return new RunState(definition, new StopCriteria(10, null), 7, [0.5f, -0.25f], OptimizerState.Zero(2), statistics, 7000, 321.5, 900, 6000,
            Best: new BestPolicy(4, 345.25, [0.25f, 0.125f], statistics with { Count = 2 }));
    }

    [Fact]
    public void A_state_snapshot_carries_the_kept_policy()
    {
        var state = StateWithBest();
        Assert.Equal("S:run-state:8", Serializer.Manifest(state));
        var back = Assert.IsType<RunState>(Serializer.FromBinary(Serializer.ToBinary(state), "S:run-state:8"));
        var best = Assert.IsType<BestPolicy>(back.Best);
        Assert.Equal((4, 345.25), (best.Generation, best.EvaluationMean));
        Assert.Equal(state.Best!.Theta, best.Theta);
        Assert.True(state.Best.ObservationStatistics.ContentEquals(best.ObservationStatistics));
        Assert.Equal(state.Theta, back.Theta);
        Assert.True(back.Definition!.KeepBestPolicy);
        Assert.Null(back.AverageTheta);
    }

    [Fact]
    public void A_state_snapshot_carries_the_averaged_theta()
    {
        var state = StateWithBest() with { Definition = Definition(null, averaging: 0.95f), Best = null, AverageTheta = [0.375f, -0.0625f] };
        var back = Assert.IsType<RunState>(Serializer.FromBinary(Serializer.ToBinary(state), Serializer.Manifest(state)));
        Assert.Equal(state.AverageTheta, back.AverageTheta);
        Assert.Equal(state.Theta, back.Theta);
        Assert.Equal(0.95f, back.Definition!.PolicyAveraging);
        Assert.Equal(state.Checksum(), back.Checksum());
    }

    [Fact]
    public void A_format_4_state_snapshot_reads_without_a_kept_policy()
    {
        // Format 4: no keep-best flag, box head or policy-averaging at the definition's end, and none of the kept-policy,
        // CMA-ES and averaged-θ flags at the state's end.
        var state = StateWithBest() with { Definition = Definition(null), Best = null };
        var bytes = BinaryCodec.Encode(w => w.WriteState(state));
        var definitionEnd = BinaryCodec.Encode(w => { w.Write(true); w.WriteDefinition(state.Definition!); }).Length;
        var old = bytes.AsSpan(0, definitionEnd - 6).ToArray().Concat(bytes.AsSpan(definitionEnd, bytes.Length - definitionEnd - 3).ToArray()).ToArray();

        var back = Assert.IsType<RunState>(Serializer.FromBinary(old, "S:run-state:4"));
        Assert.Null(back.Best);
        Assert.Equal(state.Definition, back.Definition);
        Assert.Equal(state.Theta, back.Theta);
        Assert.Equal(state.TrainingTimesteps, back.TrainingTimesteps);
    }

    [Fact]
    public void A_cma_es_state_snapshot_carries_its_distribution_and_refuses_a_broken_one()
    {
        var definition = Definition(null) with { Strategy = new StrategySettings(StrategyKind.CmaEs), Network = new NetworkShape(1, [], 1, Activation.Tanh) };
        var started = RunLogic.Apply(RunState.Empty, new RunStarted(definition, new StopCriteria(10, null)));
        var cma = new CmaState(0.125, [2.0, 0.5, 0.5, 1.0], [0.1, -0.2], [0.3, 0.4]);
        var state = started with { Cma = cma, Theta = [0.5f, -0.25f] };
        var back = Assert.IsType<RunState>(Serializer.FromBinary(Serializer.ToBinary(state), "S:run-state:8"));
        Assert.Equal(StrategyKind.CmaEs, back.Definition!.EffectiveStrategy.Kind);
        Assert.Equal(0.125, back.Cma!.StepSize);
        Assert.Equal(cma.Covariance, back.Cma.Covariance);
        Assert.Equal(cma.SigmaPath, back.Cma.SigmaPath);
        Assert.Equal(cma.CovariancePath, back.Cma.CovariancePath);
        Assert.Equal(state.Checksum(), back.Checksum());

        // A step size of 0 (a corrupted snapshot) is refused with a message, not turned into a run that never moves.
        var bytes = Serializer.ToBinary(state with { Cma = cma });
        var at = bytes.Length - (8 + 4 + 4 * 8 + 4 + 2 * 8 + 4 + 2 * 8 + 1); // the step size: first of the CMA-ES fields, before the averaged-θ flag
        Assert.Equal(0.125, BitConverter.ToDouble(bytes, at));
        BitConverter.GetBytes(0.0).CopyTo(bytes, at);
        Assert.Contains("CMA-ES state", Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(bytes, "S:run-state:8")).Message);
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
