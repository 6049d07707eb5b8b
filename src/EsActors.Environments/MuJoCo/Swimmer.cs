namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium Swimmer-v4: obs = qpos[2:] (3) + qvel (5); reward = Δx/dt − 1e-4·|a|²; never terminates.
/// RK4, dt 0.01, frame skip 4; reset noise U(±0.1) on qpos and qvel.
/// </summary>
public sealed unsafe class Swimmer : ForwardLocomotion
{
    public static readonly EnvironmentSpec SpecV4 = new("Swimmer-v4", 8, ActionSpace.Box(2, -1f, 1f), 1000, 360.0,
        RewardBounds.Locomotion(ActionSpace.Box(2, -1f, 1f), forwardWeight: 1.0, HealthyReward, CtrlCostWeight, RewardBounds.MuJoCoMaxSpeed), ClampsActions: true);

    private const double CtrlCostWeight = 1e-4, HealthyReward = 0;

    public Swimmer() : base(SpecV4, "swimmer.xml", frameSkip: 4, ctrlCostWeight: CtrlCostWeight, resetNoise: 0.1) { }

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 2, Nq - 2, observation);
        Copy(Qvel, Nv, observation[(Nq - 2)..]);
    }
}
