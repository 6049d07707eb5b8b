using EsActors.Domain.Normalization;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;
using EsActors.Domain.Runs;

namespace EsActors.Domain.Tests.Runs;

/// <summary>Small valid runs and generation results that follow their perturbation plan.</summary>
internal static class RunTestData
{
    public static RunDefinition Definition(int pairs = 8, bool normalize = true, float weightDecay = 0.005f, OptimizerSettings? optimizer = null) => new(
        EnvironmentId: "CartPole-v1",
        Network: new NetworkShape(4, [8], 2, Activation.Tanh),
        Seed: 17,
        Pairs: pairs,
        Sigma: 0.02f,
        Optimizer: optimizer ?? new OptimizerSettings(),
        WeightDecay: weightDecay,
        NoiseSeed: 123,
        NoiseTableSize: 1 << 16,
        ObservationNormalization: normalize,
        ObservationStatisticsProbability: 0.5,
        EvaluationEpisodes: 2,
        ActionNoiseStd: 0,
        ActionBins: 0,
        EpisodeCapFactor: 2,
        SnapshotEvery: 5);

    public static RunState Started(RunDefinition definition, StopCriteria? stop = null) =>
        RunLogic.Apply(RunState.Empty, new RunStarted(definition, stop ?? new StopCriteria(100, null)));

    /// <summary>A result for the state's current generation with returns, lengths and statistics drawn from <paramref name="seed"/>.</summary>
    public static GenerationCompleted Result(RunState state, ulong seed, double evaluationReturn = 0)
    {
        var run = state.RequireDefinition();
        var plan = PerturbationPlan.For(run, state.Generation, RunLogic.NoiseFor(run));
        var rng = DeterministicRandom.ForStream(seed, (ulong)state.Generation);
        var n = run.Pairs;
        var observations = new ObservationAccumulator(run.Network.Inputs);
        var observation = new float[run.Network.Inputs];
        for (var k = 0; k < 10; k++)
        {
            for (var i = 0; i < observation.Length; i++) observation[i] = (float)rng.NextGaussian();
            observations.Add(observation);
        }
        return new GenerationCompleted(
            state.Generation,
            plan.NoiseIndices,
            Enumerable.Range(0, n).Select(_ => rng.NextUniform(0, 100)).ToArray(),
            Enumerable.Range(0, n).Select(_ => rng.NextUniform(0, 100)).ToArray(),
            Enumerable.Range(0, n).Select(_ => 1 + rng.NextInt(200)).ToArray(),
            Enumerable.Range(0, n).Select(_ => 1 + rng.NextInt(200)).ToArray(),
            observations.ToDelta(),
            Enumerable.Repeat(evaluationReturn, run.EvaluationEpisodes).ToArray(),
            Enumerable.Repeat(50, run.EvaluationEpisodes).ToArray(),
            WallSeconds: 0.5);
    }

    /// <summary>The journal of a run: RunStarted then <paramref name="generations"/> accepted generations.</summary>
    public static List<IRunEvent> Journal(RunDefinition definition, int generations, ulong seed, StopCriteria? stop = null)
    {
        var events = new List<IRunEvent>();
        var state = RunState.Empty;
        void Persist(Decision decision)
        {
            Assert.False(decision.IsRejected, decision.Rejection);
            foreach (var e in decision.Events) { events.Add(e); state = RunLogic.Apply(state, e); }
        }
        Persist(RunLogic.Decide(state, new StartRun(definition, stop ?? new StopCriteria(100, null))));
        for (var g = 0; g < generations; g++) Persist(RunLogic.Decide(state, new CompleteGeneration(Result(state, seed))));
        return events;
    }

    public static RunState Replay(IEnumerable<IRunEvent> events, RunState? from = null) => events.Aggregate(from ?? RunState.Empty, RunLogic.Apply);
}
