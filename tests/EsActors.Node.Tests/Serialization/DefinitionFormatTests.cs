using Akka.Actor;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Node.Serialization;

namespace EsActors.Node.Tests.Serialization;

/// <summary>
/// The run's definition in the journal (format 4: with the learning-rate schedule), and journals written by the
/// format-3 build (every run started before the schedule existed), which must still resume.
/// </summary>
public sealed class DefinitionFormatTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("definition-format-tests");
    private EsSerializer Serializer => new((ExtendedActorSystem)_system);

    private static RunDefinition Definition(LearningRateSchedule? decay) => new(
        "Swimmer-v4", new NetworkShape(8, [], 2, Activation.Tanh), Seed: 3, Pairs: 16, Sigma: 0.02f,
        new OptimizerSettings(OptimizerKind.SgdMomentum, 0.02f, Momentum: 0), WeightDecay: 0, NoiseSeed: 42, NoiseTableSize: 1 << 20,
        ObservationNormalization: false, ObservationStatisticsProbability: 0, EvaluationEpisodes: 1, ActionNoiseStd: 0, ActionBins: 0,
        EpisodeCapFactor: 0, SnapshotEvery: 50, new StrategySettings(StrategyKind.Ars, 8, 0), SigmaSchedule: null, LearningRateSchedule: decay);

    [Fact]
    public void A_definition_with_a_learning_rate_schedule_round_trips()
    {
        var started = new RunStarted(Definition(new LearningRateSchedule(0.1f, 157)), new StopCriteria(1_000_000, null, 5_000_000));
        Assert.Equal("E:run-started:4", Serializer.Manifest(started));
        var back = Assert.IsType<RunStarted>(Serializer.FromBinary(Serializer.ToBinary(started), "E:run-started:4"));
        Assert.Equal(started.Definition, back.Definition);
        Assert.Equal(new LearningRateSchedule(0.1f, 157), back.Definition.LearningRateSchedule);
        Assert.Equal(started.Stop, back.Stop);
    }

    [Fact]
    public void A_format_3_run_started_event_still_reads_with_a_fixed_learning_rate()
    {
        // Format 3 is format 4 without the schedule's presence flag, the definition's last byte.
        var definition = Definition(null);
        var stop = new StopCriteria(1_000_000, 360, 5_000_000);
        var definitionBytes = BinaryCodec.Encode(w => w.WriteDefinition(definition));
        Assert.Equal(0, definitionBytes[^1]);
        var format3 = BinaryCodec.Encode(w => { w.Write(definitionBytes.AsSpan(0, definitionBytes.Length - 1)); w.WriteStop(stop); });

        var back = Assert.IsType<RunStarted>(Serializer.FromBinary(format3, "E:run-started:3"));
        Assert.Equal(definition, back.Definition);
        Assert.Null(back.Definition.LearningRateSchedule);
        Assert.Equal(stop, back.Stop);
        // Read as format 4, the same bytes are one byte short: a clear error, not a misread definition.
        Assert.ThrowsAny<Exception>(() => Serializer.FromBinary(format3, "E:run-started:4"));
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
