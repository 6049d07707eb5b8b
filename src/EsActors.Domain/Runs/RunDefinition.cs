using EsActors.Domain.Es;
using EsActors.Domain.Policies;

namespace EsActors.Domain.Runs;

/// <summary>
/// Everything that determines θ's trajectory. Persisted in the run's first event, so any node that reads the
/// journal can continue the run, and a rerun with different settings is refused rather than silently mixed.
/// </summary>
/// <param name="Pairs">Mirrored pairs per generation; the population is 2 × Pairs episodes.</param>
/// <param name="ObservationStatisticsProbability">Fraction of training rollouts whose observations feed the normalisation statistics.</param>
/// <param name="EvaluationEpisodes">Noiseless episodes of θ per generation, reported apart from training returns.</param>
/// <param name="ActionNoiseStd">Gaussian noise added to continuous actions during training rollouts (0 = off).</param>
/// <param name="ActionBins">Discretise each continuous action dimension into this many bins (0 = off).</param>
/// <param name="EpisodeCapFactor">Cap training episodes at this factor × the previous generation's mean length (0 = off).</param>
/// <param name="Strategy">How returns become a step; null (runs defined before strategies existed) = OpenAI-ES.</param>
/// <param name="SigmaSchedule">σ per layer over the run (OpenAI-ES only); null = one σ for every parameter.</param>
/// <param name="LearningRateSchedule">A learning rate that decays over the run; null = a fixed learning rate.</param>
/// <param name="BoxHead">How outputs become box actions: tanh-squashed into the box, or the linear output as it is (ARS).</param>
/// <param name="KeepBestPolicy">The run's policy is the θ whose in-run evaluation mean was the highest so far (with the
/// observation statistics it was evaluated with), not the last θ; see <see cref="RunState.Best"/>.</param>
/// <param name="PolicyAveraging">β of an exponential moving average of θ (Polyak averaging; 0 = off): the run's policy,
/// evaluated in-run and written as policy.bin, is θ̄ ← β θ̄ + (1 − β) θ after every step, which averages out θ's
/// wandering around the optimum when the returns that steer it are noisy (ARS's fixed-length step, CMA-ES's mean near
/// the end of a run); θ's own trajectory is unchanged. See <see cref="RunState.AverageTheta"/>.</param>
public sealed record RunDefinition(
    string EnvironmentId,
    NetworkShape Network,
    ulong Seed,
    int Pairs,
    float Sigma,
    OptimizerSettings Optimizer,
    float WeightDecay,
    ulong NoiseSeed,
    int NoiseTableSize,
    bool ObservationNormalization,
    double ObservationStatisticsProbability,
    int EvaluationEpisodes,
    float ActionNoiseStd,
    int ActionBins,
    double EpisodeCapFactor,
    int SnapshotEvery,
    StrategySettings? Strategy = null,
    SigmaSchedule? SigmaSchedule = null,
    LearningRateSchedule? LearningRateSchedule = null,
    bool KeepBestPolicy = false,
    BoxHead BoxHead = BoxHead.Tanh,
    float PolicyAveraging = 0f)
{
    private readonly StrategySettings? _strategy = Canonical(Strategy);

    /// <summary>Null for OpenAI-ES however it was given, so definitions compare equal after any round trip.</summary>
    public StrategySettings? Strategy { get => _strategy; init => _strategy = Canonical(value); }

    public int Population => 2 * Pairs;

    public StrategySettings EffectiveStrategy => Strategy ?? StrategySettings.OpenAiEs;

    private static StrategySettings? Canonical(StrategySettings? strategy) => strategy == StrategySettings.OpenAiEs ? null : strategy;

    public const int MaxPairs = 500_000;
    public const int MaxNoiseTableSize = 1 << 28;

    public void Validate()
    {
        Network.Validate();
        Optimizer.Validate();
        if (Pairs < 1) throw new ArgumentException($"population must be at least 2 (one mirrored pair), got {2 * Pairs}");
        // Bounds that keep a node's memory sane: the plan holds a few numbers per pair, every node holds the noise table.
        if (Pairs > MaxPairs) throw new ArgumentException($"population must be at most {2 * MaxPairs}, got {2L * Pairs}");
        if (NoiseTableSize > MaxNoiseTableSize) throw new ArgumentException($"noise table must hold at most {MaxNoiseTableSize} values (1 GiB), got {NoiseTableSize}");
        if (!(Sigma > 0 && float.IsFinite(Sigma))) throw new ArgumentException($"sigma must be a positive number, got {Sigma}");
        if (!(WeightDecay >= 0 && float.IsFinite(WeightDecay))) throw new ArgumentException($"weight decay must be ≥ 0, got {WeightDecay}");
        if (NoiseTableSize < Network.ParameterCount) throw new ArgumentException($"noise table ({NoiseTableSize} values) is smaller than the network ({Network.ParameterCount} parameters)");
        if (!(ObservationStatisticsProbability is >= 0 and <= 1)) throw new ArgumentException("observation-statistics probability must lie in [0, 1]");
        if (EvaluationEpisodes < 1) throw new ArgumentException("at least one evaluation episode per generation is required");
        if (!(ActionNoiseStd >= 0)) throw new ArgumentException("action noise must be ≥ 0");
        if (ActionBins is < 0 or 1) throw new ArgumentException("action bins must be 0 (off) or at least 2");
        if (!Enum.IsDefined(BoxHead)) throw new ArgumentException($"unknown action head {(int)BoxHead}");
        if (BoxHead == BoxHead.Linear && ActionBins > 0) throw new ArgumentException("action-head = linear and action-bins exclude each other");
        if (!(EpisodeCapFactor >= 0)) throw new ArgumentException("episode cap factor must be ≥ 0");
        if (SnapshotEvery < 1) throw new ArgumentException("snapshot interval must be at least 1 generation");
        EffectiveStrategy.Validate(Pairs);
        if (SigmaSchedule is not null)
        {
            SigmaSchedule.Validate(Network);
            if (EffectiveStrategy.Kind != StrategyKind.OpenAiEs) throw new ArgumentException("a sigma-schedule applies to the openai-es strategy only");
            if (EffectiveStrategy.LearnsSigma) throw new ArgumentException("a sigma-schedule and a learnt sigma exclude each other");
        }
        LearningRateSchedule?.Validate();
        if (EffectiveStrategy.Kind == StrategyKind.CmaEs)
        {
            if (Network.ParameterCount > CmaState.MaxDimension)
                throw new ArgumentException($"cma-es keeps an n×n covariance: at most {CmaState.MaxDimension} parameters, the network has {Network.ParameterCount}");
            if (Pairs < 2) throw new ArgumentException("cma-es needs a population of at least 4 (two work items of two candidates each)");
            if (WeightDecay != 0) throw new ArgumentException($"cma-es takes no gradient step: set weight-decay = 0, got {WeightDecay}");
            if (LearningRateSchedule is not null) throw new ArgumentException("cma-es takes no gradient step: a learning-rate-schedule does not apply");
        }
        if (!(PolicyAveraging is >= 0f and < 1f)) throw new ArgumentException($"policy-averaging must lie in [0, 1) (0 = off), got {PolicyAveraging}");
        if (AveragesPolicy && KeepBestPolicy) throw new ArgumentException("policy-averaging and keep-best-policy exclude each other (both choose the run's policy)");
    }

    public bool AveragesPolicy => PolicyAveraging > 0f;

    /// <summary>Names of the settings in which two definitions differ (empty when they define the same run).</summary>
    public IReadOnlyList<string> Differences(RunDefinition other)
    {
        var diff = new List<string>();
        void Check(bool same, string name) { if (!same) diff.Add(name); }
        Check(EnvironmentId == other.EnvironmentId, $"env ({EnvironmentId} vs {other.EnvironmentId})");
        Check(Network.Equals(other.Network), $"network shape ({Network} vs {other.Network})");
        Check(Seed == other.Seed, $"seed ({Seed} vs {other.Seed})");
        Check(Pairs == other.Pairs, $"population ({Population} vs {other.Population})");
        Check(Sigma.Equals(other.Sigma), $"sigma ({Sigma} vs {other.Sigma})");
        Check(Optimizer.Equals(other.Optimizer), "optimizer settings");
        Check(WeightDecay.Equals(other.WeightDecay), "weight decay");
        Check(NoiseSeed == other.NoiseSeed && NoiseTableSize == other.NoiseTableSize, "noise table");
        Check(ObservationNormalization == other.ObservationNormalization && ObservationStatisticsProbability.Equals(other.ObservationStatisticsProbability), "observation normalization");
        Check(EvaluationEpisodes == other.EvaluationEpisodes, "evaluation episodes");
        Check(ActionNoiseStd.Equals(other.ActionNoiseStd) && ActionBins == other.ActionBins, "action noise/bins");
        Check(EpisodeCapFactor.Equals(other.EpisodeCapFactor), "episode cap");
        Check(EffectiveStrategy.Equals(other.EffectiveStrategy), $"strategy ({EffectiveStrategy} vs {other.EffectiveStrategy})");
        Check(Equals(SigmaSchedule, other.SigmaSchedule), $"sigma schedule ({SigmaSchedule?.ToString() ?? "none"} vs {other.SigmaSchedule?.ToString() ?? "none"})");
        Check(Equals(LearningRateSchedule, other.LearningRateSchedule),
            $"learning rate schedule ({LearningRateSchedule?.ToString() ?? "none"} vs {other.LearningRateSchedule?.ToString() ?? "none"})");
        Check(BoxHead == other.BoxHead, $"action head ({BoxHead.ToString().ToLowerInvariant()} vs {other.BoxHead.ToString().ToLowerInvariant()})");
        Check(KeepBestPolicy == other.KeepBestPolicy, $"keep-best-policy ({OnOff(KeepBestPolicy)} vs {OnOff(other.KeepBestPolicy)})");
        Check(PolicyAveraging.Equals(other.PolicyAveraging), $"policy-averaging ({PolicyAveraging} vs {other.PolicyAveraging})");
        return diff;
    }

    private static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>The step rule generation <paramref name="generation"/> uses (the learning rate after its decay, if any).</summary>
    public OptimizerSettings OptimizerAt(int generation) => LearningRateSchedule?.At(Optimizer, generation) ?? Optimizer;
}

/// <summary>When a run ends. Not part of the trajectory: a rerun may extend it (persisted as its own event).</summary>
/// <param name="TargetReturn">Stop once the mean noiseless evaluation return reaches this (null: never).</param>
/// <param name="MaxTimesteps">Stop once the training episodes took this many environment steps (null: no budget).</param>
public sealed record StopCriteria(int MaxGenerations, double? TargetReturn, long? MaxTimesteps = null);
