namespace EsActors.Domain.Es;

/// <summary>Which ES variant turns a generation's returns into a step (the "tell" half; the "ask" half is shared).</summary>
public enum StrategyKind : byte
{
    /// <summary>Salimans et al. 2017: centered ranks over all 2n returns, the step rule (Adam by default).</summary>
    OpenAiEs = 0,

    /// <summary>
    /// Augmented Random Search (Mania et al. 2018, Algorithm 2): the b directions whose better return is highest,
    /// raw return differences divided by the standard deviation of the 2b returns used, θ₀ = 0. V1 and V2 differ
    /// only in observation normalization (V2: statistics from every step of every training rollout); the "-t"
    /// variants use b &lt; N.
    /// </summary>
    Ars = 1,

    /// <summary>
    /// CMA-ES (Hansen 2016, the tutorial's defaults): θ is the mean m of N(m, σ²C); λ = population independent candidates
    /// m + σ·A·z (A·Aᵀ = C; a work item's two episodes are two candidates, not a mirrored pair), all from the same start
    /// state, the best half recombined; σ by cumulative step-size adaptation, C by the rank-one and rank-μ updates. The
    /// optimizer settings are not used. θ₀ = 0; for small policies (C is n×n).
    /// </summary>
    CmaEs = 2,
}

/// <summary>The strategy of a run: part of its definition, so a resumed run refuses a change.</summary>
/// <param name="TopDirections">ARS: b, how many directions (mirrored pairs) the step uses; 0 = all of them.</param>
/// <param name="RewardShift">ARS: subtracted from the reward of every step of a training episode (Mania et al. remove the
/// survival bonus this way: 1 for Hopper, Walker2d and Ant, 5 for Humanoid). Evaluation returns are the task's own.</param>
/// <param name="SigmaLearningRate">OpenAI-ES: &gt; 0 learns a σ per parameter during the run, SNES-style (Schaul et al. 2011):
/// σ_i ← σ_i · exp(η_σ/2 · Σ_k u_k (ε_ki² − 1)) with u the centered ranks of both halves of each pair × 2/n — the seed notes'
/// "which parameters are more sensitive"; 0 = one σ (or a sigma-schedule).</param>
public sealed record StrategySettings(StrategyKind Kind = StrategyKind.OpenAiEs, int TopDirections = 0, double RewardShift = 0, double SigmaLearningRate = 0)
{
    /// <summary>Whether the run keeps and learns a σ per parameter.</summary>
    public bool LearnsSigma => SigmaLearningRate > 0;

    public static readonly StrategySettings OpenAiEs = new();

    /// <summary>Directions the step uses out of <paramref name="pairs"/>.</summary>
    public int DirectionsUsed(int pairs) => TopDirections <= 0 ? pairs : Math.Min(TopDirections, pairs);

    public void Validate(int pairs)
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"unknown strategy {(byte)Kind}");
        if (TopDirections < 0 || TopDirections > pairs) throw new ArgumentException($"top-directions must lie in [0, {pairs}] (0 = all pairs), got {TopDirections}");
        if (!double.IsFinite(RewardShift)) throw new ArgumentException($"reward-shift must be a finite number, got {RewardShift}");
        if (Kind != StrategyKind.Ars && (TopDirections != 0 || RewardShift != 0))
            throw new ArgumentException("top-directions and reward-shift apply to the ars strategies only");
        if (!(SigmaLearningRate >= 0 && double.IsFinite(SigmaLearningRate))) throw new ArgumentException($"sigma-learning-rate must be ≥ 0, got {SigmaLearningRate}");
        if (Kind != StrategyKind.OpenAiEs && SigmaLearningRate != 0) throw new ArgumentException("a learnt sigma applies to the openai-es strategy only");
    }

    public override string ToString() => Kind switch
    {
        StrategyKind.Ars => $"ars (top {TopDirections}, reward shift {RewardShift})",
        StrategyKind.CmaEs => "cma-es",
        _ => LearnsSigma ? $"openai-es, σ per parameter learnt at {SigmaLearningRate}" : "openai-es",
    };
}
