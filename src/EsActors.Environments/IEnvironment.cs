using EsActors.Domain.Policies;

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
    /// for a box, one value per dimension inside [Low, High] — or any finite value where the environment
    /// <see cref="EnvironmentSpec.ClampsActions"/>.
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
/// <param name="Rewards">What one episode can return for its length (actions inside the box): the optimizer treats
/// anything outside as a failed batch.</param>
/// <param name="ClampsActions">A box action outside [Low, High] is taken as Gymnasium's MuJoCo tasks take it: the
/// simulator clamps it to the control range (ctrllimited) and the control cost is charged on the value as given. What a
/// linear action head (ARS's policy) needs.</param>
public sealed record EnvironmentSpec(
    string Id,
    int ObservationSize,
    ActionSpace Action,
    int MaxEpisodeSteps,
    double? RewardThreshold,
    RewardBounds Rewards,
    bool ClampsActions = false)
{
    /// <summary>
    /// The returns a policy with this box head can produce: a linear head's actions may leave the box, so the control
    /// cost, and with it the lowest return, is unbounded then.
    /// </summary>
    public RewardBounds RewardsFor(BoxHead head) =>
        head == BoxHead.Linear ? Rewards with { MinPerStep = double.NegativeInfinity } : Rewards;
}

/// <summary>
/// The returns an episode of a given length can have: every step's reward lies in [<see cref="MinPerStep"/>,
/// <see cref="MaxPerStep"/>], and once per episode a goal may add <see cref="TerminalBonus"/> (MountainCar's 100).
/// Exact for the classic-control tasks; for MuJoCo a stated, conservative maximal speed (see each task). An evaluator
/// cannot return anything outside without lying or a broken build, so the optimizer treats it like a non-finite result.
/// </summary>
public sealed record RewardBounds(double MinPerStep, double MaxPerStep, double TerminalBonus = 0)
{
    /// <summary>
    /// Whether <paramref name="episodeReturn"/> is possible for an episode of <paramref name="length"/> steps (0: the
    /// half was not run, so it returns exactly 0). The rounding of a sum of doubles gets a relative slack of 1e-9.
    /// </summary>
    public bool Admits(double episodeReturn, int length)
    {
        if (length < 0) return false;
        if (length == 0) return episodeReturn == 0;
        var low = MinPerStep * length;
        var high = MaxPerStep * length + TerminalBonus;
        var slack = 1e-9 * Math.Max(1, Math.Max(Magnitude(low), Magnitude(high)));
        return episodeReturn >= low - slack && episodeReturn <= high + slack;
    }

    /// <summary>|x|, or 0 for an infinite bound (so that it cannot widen the other bound's slack to infinity).</summary>
    private static double Magnitude(double x) => double.IsFinite(x) ? Math.Abs(x) : 0;

    /// <summary>The interval for <paramref name="length"/> steps, for log lines.</summary>
    public string Describe(int length) => $"[{MinPerStep * length:G6}, {MaxPerStep * length + TerminalBonus:G6}] for {length} steps";

    /// <summary>
    /// Bounds of the MuJoCo locomotion reward forward_weight·Δx/dt + healthy − ctrl_weight·|a|²: the healthy reward
    /// and the control cost are exact (|a|² ≤ Σ max(low², high²) over the action box); Δx/dt, the body's speed, has no
    /// hard limit in the physics, so it is bounded by <paramref name="maxSpeed"/> m/s either way. With a step's return
    /// summed over the episode, that bounds the mean speed over the episode, not each step.
    /// </summary>
    public static RewardBounds Locomotion(ActionSpace action, double forwardWeight, double healthyReward, double ctrlCostWeight, double maxSpeed)
    {
        var maxSquares = 0.0;
        for (var i = 0; i < action.Size; i++) maxSquares += Math.Max((double)action.Low[i] * action.Low[i], (double)action.High[i] * action.High[i]);
        // The healthy reward only widens the upper bound (the lower one does not count on it).
        return new RewardBounds(-forwardWeight * maxSpeed - ctrlCostWeight * maxSquares, forwardWeight * maxSpeed + Math.Max(0, healthyReward));
    }

    /// <summary>
    /// The speed the MuJoCo bounds assume at most, averaged over an episode: 100 m/s, about seven times the fastest
    /// published HalfCheetah policies (~15 m/s, returns ~15,000 over 1,000 steps) and far beyond the other bodies. A
    /// simulation that diverges ends its episode with reward 0 on that step (MuJoCoEnvironment), so it stays inside.
    /// </summary>
    public const double MuJoCoMaxSpeed = 100.0;
}

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
