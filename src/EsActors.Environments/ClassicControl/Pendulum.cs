using EsActors.Domain.Randomness;

namespace EsActors.Environments.ClassicControl;

/// <summary>
/// Pendulum-v1: swing a frictionless pendulum up and hold it upright with a bounded torque.
/// A port of Gymnasium's <c>classic_control/pendulum.py</c>. Observation: [cos θ, sin θ, θ̇], with θ = 0 upright.
/// Action: one torque in [−2, 2]. Reward −(normalize(θ)² + 0.1·θ̇² + 0.001·u²), computed on the state before the step.
/// The task never terminates; only the 200-step limit ends it, and it has no reward threshold.
/// </summary>
public sealed class Pendulum : IEnvironment
{
    /// <summary>Gymnasium's registration: 200 steps, no reward threshold.</summary>
    public static EnvironmentSpec SpecV1 { get; } =
        new("Pendulum-v1", ObservationSize: 3, ActionSpace.Box(1, -MaxTorque, MaxTorque), MaxEpisodeSteps: 200, RewardThreshold: null,
            // −(θ² + 0.1·θ̇² + 0.001·u²) with θ normalized to [−π, π], |θ̇| ≤ 8 and |u| ≤ 2: in [−16.2736..., 0].
            Rewards: new RewardBounds(-(Math.PI * Math.PI + 0.1 * MaxSpeed * MaxSpeed + 0.001 * MaxTorque * MaxTorque), 0));

    private const float MaxTorque = 2.0f;
    private const double MaxSpeed = 8.0;
    private const double Dt = 0.05;
    private const double G = 10.0;
    private const double M = 1.0;
    private const double L = 1.0;

    private double _theta, _thetaDot;
    private int _steps;
    private EpisodePhase _phase;

    public EnvironmentSpec Spec => SpecV1;

    /// <summary>Gymnasium draws θ from U(−π, π) and θ̇ from U(−1, 1); so do we, from the seed.</summary>
    public void Reset(ulong seed, Span<float> observation)
    {
        EpisodeGuard.CheckObservation(observation, 3, "Pendulum");
        var random = new DeterministicRandom(seed);
        _theta = random.NextUniform(-Math.PI, Math.PI);
        _thetaDot = random.NextUniform(-1.0, 1.0);
        _steps = 0;
        _phase = EpisodePhase.Running;
        WriteObservation(observation);
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        EpisodeGuard.EnsureRunning(_phase, "Pendulum");
        EpisodeGuard.CheckObservation(observation, 3, "Pendulum");
        if (action.Length < 1) throw new ArgumentException("Pendulum expects one action entry", nameof(action));

        // As in the source: clip the torque, cost on the pre-step state, then semi-implicit Euler
        // (the new, speed-clipped θ̇ moves θ).
        var u = Math.Clamp((double)action[0], -MaxTorque, MaxTorque);
        var costs = AngleNormalize(_theta) * AngleNormalize(_theta) + 0.1 * _thetaDot * _thetaDot + 0.001 * u * u;
        var newThetaDot = _thetaDot + (3 * G / (2 * L) * Math.Sin(_theta) + 3.0 / (M * L * L) * u) * Dt;
        newThetaDot = Math.Clamp(newThetaDot, -MaxSpeed, MaxSpeed);
        _theta += newThetaDot * Dt;
        _thetaDot = newThetaDot;
        _steps++;

        var truncated = _steps >= SpecV1.MaxEpisodeSteps;
        if (truncated) _phase = EpisodePhase.Ended;
        WriteObservation(observation);
        return new StepResult(-costs, Terminated: false, truncated);
    }

    public void Dispose() { }

    /// <summary>Python's <c>((x + π) % 2π) − π</c>: a floored modulo, so the result lies in [−π, π).</summary>
    internal static double AngleNormalize(double x)
    {
        var r = (x + Math.PI) % (2 * Math.PI);
        if (r < 0) r += 2 * Math.PI;
        return r - Math.PI;
    }

    /// <summary>Test hook: places the pendulum in a chosen state mid-episode.</summary>
    internal void SetState(double theta, double thetaDot, int steps = 0)
    {
        (_theta, _thetaDot) = (theta, thetaDot);
        _steps = steps;
        _phase = EpisodePhase.Running;
    }

    internal (double Theta, double ThetaDot) State => (_theta, _thetaDot);

    private void WriteObservation(Span<float> observation)
    {
        observation[0] = (float)Math.Cos(_theta);
        observation[1] = (float)Math.Sin(_theta);
        observation[2] = (float)_thetaDot;
    }
}
