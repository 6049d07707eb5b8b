namespace EsActors.Environments;

/// <summary>
/// A Gymnasium-like episodic task. Instances are stateful and single-threaded: one per evaluator.
/// Observations are written into caller-owned buffers so that a rollout allocates nothing per step.
/// </summary>
public interface IEnvironment : IDisposable
{
    EnvironmentSpec Spec { get; }

    /// <summary>Starts a new episode. The same seed always gives the same initial state.</summary>
    void Reset(ulong seed, Span<float> observation);

    /// <summary>
    /// Advances one step. <paramref name="action"/> has <see cref="ActionSpace.PolicyOutputSize"/> entries
    /// already mapped by the policy head: for a discrete space, element 0 holds the chosen index;
    /// for a box, one value per dimension inside [Low, High].
    /// </summary>
    StepResult Step(ReadOnlySpan<float> action, Span<float> observation);
}

/// <param name="Terminated">The MDP reached a terminal state (failure or goal).</param>
/// <param name="Truncated">The time limit <see cref="EnvironmentSpec.MaxEpisodeSteps"/> was reached.</param>
public readonly record struct StepResult(double Reward, bool Terminated, bool Truncated)
{
    public bool Done => Terminated || Truncated;
}

/// <param name="Id">Gymnasium id, e.g. "CartPole-v1".</param>
/// <param name="RewardThreshold">Return at which the task counts as solved (Gymnasium's reward_threshold), if it has one.</param>
public sealed record EnvironmentSpec(
    string Id,
    int ObservationSize,
    ActionSpace Action,
    int MaxEpisodeSteps,
    double? RewardThreshold);

/// <summary>Either a discrete choice among <see cref="Count"/> actions or a box of <see cref="Size"/> bounded reals.</summary>
public sealed record ActionSpace
{
    public bool IsDiscrete { get; }
    /// <summary>Number of discrete actions (discrete spaces only).</summary>
    public int Count { get; }
    /// <summary>Number of action dimensions (box spaces only).</summary>
    public int Size { get; }
    public float[] Low { get; }
    public float[] High { get; }

    private ActionSpace(bool isDiscrete, int count, int size, float[] low, float[] high)
    {
        IsDiscrete = isDiscrete; Count = count; Size = size; Low = low; High = high;
    }

    public static ActionSpace Discrete(int count) =>
        count > 0 ? new(true, count, 1, [], []) : throw new ArgumentOutOfRangeException(nameof(count));

    public static ActionSpace Box(float[] low, float[] high) =>
        low.Length == high.Length && low.Length > 0
            ? new(false, 0, low.Length, low, high)
            : throw new ArgumentException("low and high must be non-empty and of equal length");

    public static ActionSpace Box(int size, float low, float high) =>
        Box(Enumerable.Repeat(low, size).ToArray(), Enumerable.Repeat(high, size).ToArray());

    /// <summary>Length of the action buffer passed to <see cref="IEnvironment.Step"/>.</summary>
    public int PolicyOutputSize => IsDiscrete ? 1 : Size;

    public bool Equals(ActionSpace? other) =>
        other is not null && IsDiscrete == other.IsDiscrete && Count == other.Count && Size == other.Size
        && Low.AsSpan().SequenceEqual(other.Low) && High.AsSpan().SequenceEqual(other.High);

    public override int GetHashCode() => HashCode.Combine(IsDiscrete, Count, Size);
}
