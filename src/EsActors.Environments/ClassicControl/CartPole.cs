using EsActors.Domain.Randomness;

namespace EsActors.Environments.ClassicControl;

/// <summary>
/// CartPole-v1: balance a pole hinged on a cart by pushing the cart left or right.
/// A port of Gymnasium's <c>classic_control/cartpole.py</c> (Euler integrator), itself the
/// cart-pole of Barto, Sutton &amp; Anderson (1983), "Neuronlike adaptive elements that can solve
/// difficult learning control problems". Observation: [x, x_dot, theta, theta_dot].
/// Actions: 0 pushes left, 1 pushes right. Reward 1 for every step, the terminating one included.
/// </summary>
public sealed class CartPole : IEnvironment
{
    /// <summary>Gymnasium's registration: 500 steps, solved at an average return of 475.</summary>
    public static EnvironmentSpec SpecV1 { get; } =
        new("CartPole-v1", ObservationSize: 4, ActionSpace.Discrete(2), MaxEpisodeSteps: 500, RewardThreshold: 475.0,
            Rewards: new RewardBounds(1, 1)); // 1 for every step

    private const double Gravity = 9.8;
    private const double MassCart = 1.0;
    private const double MassPole = 0.1;
    private const double TotalMass = MassPole + MassCart;
    private const double Length = 0.5; // half the pole's length, as in the source
    private const double PoleMassLength = MassPole * Length;
    private const double ForceMag = 10.0;
    private const double Tau = 0.02;
    private const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;
    private const double XThreshold = 2.4;

    private double _x, _xDot, _theta, _thetaDot;
    private int _steps;
    private EpisodePhase _phase;

    public EnvironmentSpec Spec => SpecV1;

    /// <summary>Gymnasium draws every state variable from U(−0.05, 0.05); so do we, from the seed.</summary>
    public void Reset(ulong seed, Span<float> observation)
    {
        EpisodeGuard.CheckObservation(observation, 4, "CartPole");
        var random = new DeterministicRandom(seed);
        _x = random.NextUniform(-0.05, 0.05);
        _xDot = random.NextUniform(-0.05, 0.05);
        _theta = random.NextUniform(-0.05, 0.05);
        _thetaDot = random.NextUniform(-0.05, 0.05);
        _steps = 0;
        _phase = EpisodePhase.Running;
        WriteObservation(observation);
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        EpisodeGuard.EnsureRunning(_phase, "CartPole");
        EpisodeGuard.CheckObservation(observation, 4, "CartPole");
        if (action.Length < 1) throw new ArgumentException("CartPole expects one action entry", nameof(action));
        var a = action[0];
        if (a != 0f && a != 1f)
            throw new ArgumentOutOfRangeException(nameof(action), a, "CartPole action must be 0 or 1");

        var force = a == 1f ? ForceMag : -ForceMag;
        var cosTheta = Math.Cos(_theta);
        var sinTheta = Math.Sin(_theta);
        var temp = (force + PoleMassLength * _thetaDot * _thetaDot * sinTheta) / TotalMass;
        var thetaAcc = (Gravity * sinTheta - cosTheta * temp)
                       / (Length * (4.0 / 3.0 - MassPole * cosTheta * cosTheta / TotalMass));
        var xAcc = temp - PoleMassLength * thetaAcc * cosTheta / TotalMass;

        // Euler: positions advance with the old velocities (Gymnasium's default "euler" integrator).
        _x += Tau * _xDot;
        _xDot += Tau * xAcc;
        _theta += Tau * _thetaDot;
        _thetaDot += Tau * thetaAcc;
        _steps++;

        var terminated = _x < -XThreshold || _x > XThreshold
                         || _theta < -ThetaThresholdRadians || _theta > ThetaThresholdRadians;
        var truncated = !terminated && _steps >= SpecV1.MaxEpisodeSteps;
        if (terminated || truncated) _phase = EpisodePhase.Ended;
        WriteObservation(observation);
        return new StepResult(1.0, terminated, truncated);
    }

    public void Dispose() { }

    /// <summary>Test hook: places the system in a chosen state mid-episode.</summary>
    internal void SetState(double x, double xDot, double theta, double thetaDot, int steps = 0)
    {
        (_x, _xDot, _theta, _thetaDot) = (x, xDot, theta, thetaDot);
        _steps = steps;
        _phase = EpisodePhase.Running;
    }

    internal (double X, double XDot, double Theta, double ThetaDot) State => (_x, _xDot, _theta, _thetaDot);

    private void WriteObservation(Span<float> observation)
    {
        observation[0] = (float)_x;
        observation[1] = (float)_xDot;
        observation[2] = (float)_theta;
        observation[3] = (float)_thetaDot;
    }
}
