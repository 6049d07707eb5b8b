namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium Hopper-v4: obs = qpos[1:] (5) + clip(qvel, ±10) (6); reward = Δx/dt + 1 − 1e-3·|a|²;
/// terminated when unhealthy: any of qpos[2:], qvel outside (−100, 100), z = qpos[1] ≤ 0.7 or
/// angle = qpos[2] outside (−0.2, 0.2). RK4, dt 0.002, frame skip 4; reset noise U(±5e-3) on qpos and qvel.
/// </summary>
public sealed unsafe class Hopper : ForwardLocomotion
{
    public static readonly EnvironmentSpec SpecV4 = new("Hopper-v4", 11, ActionSpace.Box(3, -1f, 1f), 1000, 3800.0,
        RewardBounds.Locomotion(ActionSpace.Box(3, -1f, 1f), forwardWeight: 1.0, HealthyReward, CtrlCostWeight, RewardBounds.MuJoCoMaxSpeed), ClampsActions: true);

    private const double CtrlCostWeight = 1e-3, HealthyReward = 1.0;

    public Hopper() : base(SpecV4, "hopper.xml", frameSkip: 4, ctrlCostWeight: CtrlCostWeight, resetNoise: 5e-3, healthyReward: HealthyReward) { }

    private protected override bool IsTerminal()
    {
        for (var i = 2; i < Nq; i++) if (!(Qpos[i] > -100.0 && Qpos[i] < 100.0)) return true;
        for (var i = 0; i < Nv; i++) if (!(Qvel[i] > -100.0 && Qvel[i] < 100.0)) return true;
        double z = Qpos[1], angle = Qpos[2];
        var healthyZ = z > 0.7 && z < double.PositiveInfinity;
        var healthyAngle = angle > -0.2 && angle < 0.2;
        return !(healthyZ && healthyAngle);
    }

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 1, Nq - 1, observation);
        CopyClipped(Qvel, Nv, 10.0, observation[(Nq - 1)..]);
    }
}
