using EsActors.Domain.Es;
using EsActors.Domain.Randomness;
using EsActors.Domain.Runs;

namespace EsActors.Domain.Es;

/// <summary>
/// What generation g evaluates, drawn from a generator seeded by (run seed, g): the noise index of every
/// mirrored pair, each pair's episode seed (shared by both halves, so the pair differs only by ±σε) and the noiseless
/// evaluation seeds. Under CMA-ES, which ranks candidates across pairs, an item is two independent candidates
/// (<see cref="CmaState.CandidateNoise"/>) and one episode seed serves the whole generation, so every candidate starts from
/// the same state. Because it depends only on (seed, g), a resumed or failed-over optimizer
/// reissues exactly the same work; the "random state" of a snapshot is therefore just (seed, generation).
/// </summary>
public sealed record PerturbationPlan(int Generation, int[] NoiseIndices, ulong[] EpisodeSeeds, ulong[] EvaluationSeeds, bool[] CollectStatistics)
{
    private const ulong NoiseStream = 0x4E4F4953UL, EpisodeStream = 0x45504953UL, EvalStream = 0x4556414CUL, StatsStream = 0x53544154UL;

    public static PerturbationPlan For(RunDefinition run, int generation, NoiseTable noise)
    {
        var dimension = run.Network.ParameterCount;
        var rng = DeterministicRandom.ForStream(run.Seed, (ulong)generation, NoiseStream);
        var indices = new int[run.Pairs];
        var cma = run.EffectiveStrategy.Kind == StrategyKind.CmaEs; // independent candidates, one common start state
        var span = cma ? CmaState.NoisePerItem(dimension) : dimension;
        for (var i = 0; i < indices.Length; i++) indices[i] = noise.SampleIndex(ref rng, span);

        var episodes = new ulong[run.Pairs];
        var statsRng = DeterministicRandom.ForStream(run.Seed, (ulong)generation, StatsStream);
        var collect = new bool[run.Pairs];
        for (var i = 0; i < episodes.Length; i++)
        {
            episodes[i] = SplitMix64.Mix(SplitMix64.Mix(run.Seed ^ EpisodeStream) + ((ulong)generation << 24) + (cma ? 0UL : (ulong)i));
            collect[i] = run.ObservationNormalization && statsRng.NextDouble() < run.ObservationStatisticsProbability;
        }
        // At least one rollout feeds the statistics each generation, so normalisation moves even in small runs.
        if (run.ObservationNormalization && run.ObservationStatisticsProbability > 0 && !collect.Contains(true)) collect[0] = true;

        var evals = new ulong[run.EvaluationEpisodes];
        for (var k = 0; k < evals.Length; k++)
            evals[k] = SplitMix64.Mix(SplitMix64.Mix(run.Seed ^ EvalStream) + ((ulong)generation << 24) + (ulong)k);
        return new PerturbationPlan(generation, indices, episodes, evals, collect);
    }
}
