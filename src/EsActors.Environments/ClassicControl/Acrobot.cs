using EsActors.Domain.Randomness;

namespace EsActors.Environments.ClassicControl;

/// <summary>
/// Acrobot-v1: a two-link pendulum actuated only at the elbow; swing the tip above the bar.
/// A port of Gymnasium's <c>classic_control/acrobot.py</c> with its default "book" dynamics from
/// Sutton &amp; Barto, Reinforcement Learning: An Introduction (section 11.3 of the 1st edition),
/// integrated by one classical RK4 step of 0.2 s.
/// Observation: [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]. Actions 0/1/2 apply torque −1/0/+1.
/// Reward −1 per step and 0 on the step that reaches the goal −cos θ1 − cos(θ1 + θ2) &gt; 1.
/// </summary>
public sealed class Acrobot : IEnvironment
{
    /// <summary>Gymnasium's registration: 500 steps, solved at an average return of −100.</summary>
    public static EnvironmentSpec SpecV1 { get; } =
        new("Acrobot-v1", ObservationSize: 6, ActionSpace.Discrete(3), MaxEpisodeSteps: 500, RewardThreshold: -100.0,
            Rewards: new RewardBounds(-1, 0)); // −1 per step, 0 on the step that reaches the goal

    private const double Dt = 0.2;
    private const double LinkLength1 = 1.0;
    private const double LinkMass1 = 1.0;
    private const double LinkMass2 = 1.0;
    private const double LinkComPos1 = 0.5;
    private const double LinkComPos2 = 0.5;
    private const double LinkMoi = 1.0;
    private const double Gravity = 9.8;
    private const double MaxVel1 = 4 * Math.PI;
    private const double MaxVel2 = 9 * Math.PI;

    private double _theta1, _theta2, _dTheta1, _dTheta2;
    private int _steps;
    private EpisodePhase _phase;

    public EnvironmentSpec Spec => SpecV1;

    /// <summary>Gymnasium draws all four state variables from U(−0.1, 0.1); so do we, from the seed.</summary>
    public void Reset(ulong seed, Span<float> observation)
    {
        EpisodeGuard.CheckObservation(observation, 6, "Acrobot");
        var random = new DeterministicRandom(seed);
        _theta1 = random.NextUniform(-0.1, 0.1);
        _theta2 = random.NextUniform(-0.1, 0.1);
        _dTheta1 = random.NextUniform(-0.1, 0.1);
        _dTheta2 = random.NextUniform(-0.1, 0.1);
        _steps = 0;
        _phase = EpisodePhase.Running;
        WriteObservation(observation);
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        EpisodeGuard.EnsureRunning(_phase, "Acrobot");
        EpisodeGuard.CheckObservation(observation, 6, "Acrobot");
        if (action.Length < 1) throw new ArgumentException("Acrobot expects one action entry", nameof(action));
        var a = action[0];
        if (a != 0f && a != 1f && a != 2f)
            throw new ArgumentOutOfRangeException(nameof(action), a, "Acrobot action must be 0, 1 or 2");
        var torque = a - 1.0; // AVAIL_TORQUE = [-1, 0, +1]

        // One RK4 step over [0, dt], as the source's rk4(derivs, s, [0, dt]).
        double s0 = _theta1, s1 = _theta2, s2 = _dTheta1, s3 = _dTheta2;
        const double h = Dt, h2 = Dt / 2.0;
        Derivatives(s0, s1, s2, s3, torque, out var k1a, out var k1b, out var k1c, out var k1d);
        Derivatives(s0 + h2 * k1a, s1 + h2 * k1b, s2 + h2 * k1c, s3 + h2 * k1d, torque,
            out var k2a, out var k2b, out var k2c, out var k2d);
        Derivatives(s0 + h2 * k2a, s1 + h2 * k2b, s2 + h2 * k2c, s3 + h2 * k2d, torque,
            out var k3a, out var k3b, out var k3c, out var k3d);
        Derivatives(s0 + h * k3a, s1 + h * k3b, s2 + h * k3c, s3 + h * k3d, torque,
            out var k4a, out var k4b, out var k4c, out var k4d);
        s0 += h / 6.0 * (k1a + 2 * k2a + 2 * k3a + k4a);
        s1 += h / 6.0 * (k1b + 2 * k2b + 2 * k3b + k4b);
        s2 += h / 6.0 * (k1c + 2 * k2c + 2 * k3c + k4c);
        s3 += h / 6.0 * (k1d + 2 * k2d + 2 * k3d + k4d);

        _theta1 = Wrap(s0, -Math.PI, Math.PI);
        _theta2 = Wrap(s1, -Math.PI, Math.PI);
        _dTheta1 = Math.Min(Math.Max(s2, -MaxVel1), MaxVel1);
        _dTheta2 = Math.Min(Math.Max(s3, -MaxVel2), MaxVel2);
        _steps++;

        var terminated = -Math.Cos(_theta1) - Math.Cos(_theta2 + _theta1) > 1.0;
        var truncated = !terminated && _steps >= SpecV1.MaxEpisodeSteps;
        if (terminated || truncated) _phase = EpisodePhase.Ended;
        WriteObservation(observation);
        return new StepResult(terminated ? 0.0 : -1.0, terminated, truncated);
    }

    public void Dispose() { }

    /// <summary>The source's <c>_dsdt</c> with <c>book_or_nips = "book"</c>: the book's ddθ2 keeps the θ̇1² term.</summary>
    private static void Derivatives(double theta1, double theta2, double dTheta1, double dTheta2, double torque,
        out double dt1, out double dt2, out double ddTheta1, out double ddTheta2)
    {
        const double m1 = LinkMass1, m2 = LinkMass2, l1 = LinkLength1, lc1 = LinkComPos1, lc2 = LinkComPos2;
        const double i1 = LinkMoi, i2 = LinkMoi, g = Gravity;
        var cos2 = Math.Cos(theta2);
        var sin2 = Math.Sin(theta2);
        var d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos2) + i1 + i2;
        var d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos2) + i2;
        var phi2 = m2 * lc2 * g * Math.Cos(theta1 + theta2 - Math.PI / 2.0);
        var phi1 = -m2 * l1 * lc2 * dTheta2 * dTheta2 * sin2
                   - 2 * m2 * l1 * lc2 * dTheta2 * dTheta1 * sin2
                   + (m1 * lc1 + m2 * l1) * g * Math.Cos(theta1 - Math.PI / 2)
                   + phi2;
        ddTheta2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * dTheta1 * dTheta1 * sin2 - phi2)
                   / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
        ddTheta1 = -(d2 * ddTheta2 + phi1) / d1;
        dt1 = dTheta1;
        dt2 = dTheta2;
    }

    /// <summary>The source's <c>wrap</c>: shifts by whole periods until m ≤ x ≤ M.</summary>
    private static double Wrap(double x, double m, double max)
    {
        var diff = max - m;
        while (x > max) x -= diff;
        while (x < m) x += diff;
        return x;
    }

    /// <summary>Test hook: places the arm in a chosen state mid-episode.</summary>
    internal void SetState(double theta1, double theta2, double dTheta1, double dTheta2, int steps = 0)
    {
        (_theta1, _theta2, _dTheta1, _dTheta2) = (theta1, theta2, dTheta1, dTheta2);
        _steps = steps;
        _phase = EpisodePhase.Running;
    }

    internal (double Theta1, double Theta2, double DTheta1, double DTheta2) State =>
        (_theta1, _theta2, _dTheta1, _dTheta2);

    private void WriteObservation(Span<float> observation)
    {
        observation[0] = (float)Math.Cos(_theta1);
        observation[1] = (float)Math.Sin(_theta1);
        observation[2] = (float)Math.Cos(_theta2);
        observation[3] = (float)Math.Sin(_theta2);
        observation[4] = (float)_dTheta1;
        observation[5] = (float)_dTheta2;
    }
}
