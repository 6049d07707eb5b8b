using EsActors.Domain.Randomness;

namespace EsActors.Environments.ClassicControl;

/// <summary>
/// MountainCarContinuous-v0: drive an underpowered car up the right hill by first rocking it back and forth.
/// A port of Gymnasium's <c>classic_control/continuous_mountain_car.py</c> (after Moore 1990).
/// Observation: [position, velocity]. Action: one force in [−1, 1].
/// Reward −0.1·a² each step (on the action as given, as the source does), plus 100 on reaching the goal.
/// </summary>
public sealed class MountainCarContinuous : IEnvironment
{
    /// <summary>Gymnasium's registration: 999 steps, solved at an average return of 90.</summary>
    public static EnvironmentSpec SpecV0 { get; } =
        new("MountainCarContinuous-v0", ObservationSize: 2, ActionSpace.Box(1, MinAction, MaxAction), MaxEpisodeSteps: 999, RewardThreshold: 90.0,
            Rewards: new RewardBounds(-0.1 * MaxAction * MaxAction, 0, TerminalBonus: 100)); // −0.1·a² with |a| ≤ 1, +100 once at the goal

    private const float MinAction = -1.0f;
    private const float MaxAction = 1.0f;
    private const double MinPosition = -1.2;
    private const double MaxPosition = 0.6;
    private const double MaxSpeed = 0.07;
    private const double GoalPosition = 0.45;
    private const double GoalVelocity = 0.0;
    private const double Power = 0.0015;

    private double _position, _velocity;
    private int _steps;
    private EpisodePhase _phase;

    public EnvironmentSpec Spec => SpecV0;

    /// <summary>Gymnasium starts at rest at a position drawn from U(−0.6, −0.4); so do we, from the seed.</summary>
    public void Reset(ulong seed, Span<float> observation)
    {
        EpisodeGuard.CheckObservation(observation, 2, "MountainCarContinuous");
        var random = new DeterministicRandom(seed);
        _position = random.NextUniform(-0.6, -0.4);
        _velocity = 0.0;
        _steps = 0;
        _phase = EpisodePhase.Running;
        WriteObservation(observation);
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        EpisodeGuard.EnsureRunning(_phase, "MountainCarContinuous");
        EpisodeGuard.CheckObservation(observation, 2, "MountainCarContinuous");
        if (action.Length < 1) throw new ArgumentException("MountainCarContinuous expects one action entry", nameof(action));

        double a = action[0];
        var force = Math.Min(Math.Max(a, MinAction), MaxAction);
        var velocity = _velocity + force * Power - 0.0025 * Math.Cos(3 * _position);
        if (velocity > MaxSpeed) velocity = MaxSpeed;
        if (velocity < -MaxSpeed) velocity = -MaxSpeed;
        var position = _position + velocity;
        if (position > MaxPosition) position = MaxPosition;
        if (position < MinPosition) position = MinPosition;
        // The left wall is inelastic: the car stops dead against it.
        if (position == MinPosition && velocity < 0) velocity = 0;
        (_position, _velocity) = (position, velocity);
        _steps++;

        var terminated = position >= GoalPosition && velocity >= GoalVelocity;
        var reward = (terminated ? 100.0 : 0.0) - a * a * 0.1;
        var truncated = !terminated && _steps >= SpecV0.MaxEpisodeSteps;
        if (terminated || truncated) _phase = EpisodePhase.Ended;
        WriteObservation(observation);
        return new StepResult(reward, terminated, truncated);
    }

    public void Dispose() { }

    /// <summary>Test hook: places the car in a chosen state mid-episode.</summary>
    internal void SetState(double position, double velocity, int steps = 0)
    {
        (_position, _velocity) = (position, velocity);
        _steps = steps;
        _phase = EpisodePhase.Running;
    }

    internal (double Position, double Velocity) State => (_position, _velocity);

    private void WriteObservation(Span<float> observation)
    {
        observation[0] = (float)_position;
        observation[1] = (float)_velocity;
    }
}
