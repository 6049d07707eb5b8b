using EsActors.Environments.MuJoCo;
using EsActors.Environments.MuJoCo.Interop;

namespace EsActors.MuJoCo.Tests;

/// <summary>
/// Our MJCF files are our own (no visuals), so "same physics as Gymnasium v4" is checked on the
/// compiled mjModel: solver options, sizes, joint ranges, masses, damping, armature, actuators and
/// friction must equal the numbers written in the MJCF asset that Gymnasium's v4 class loads. The
/// expected values below are derived by hand from those assets (degrees → radians as MuJoCo does,
/// masses from geom volume × density), not read back from our files, so a drift in either
/// direction (e.g. degrees instead of Gymnasium's rounded radians, another solver) fails here.
/// </summary>
public class GymnasiumParityTests
{
    /// <summary>For values the asset states exactly (after MuJoCo's degree conversion).</summary>
    private const double Exact = 1e-12;

    /// <summary>Relative, for masses MuJoCo derives from geom volumes (inertiafromgeom).</summary>
    private const double MassRelative = 1e-9;

    // mjtIntegrator / mjtSolver of MuJoCo 2.2.2; 100 is mjOption's default iterations.
    private const int Euler = 0, Rk4 = 1;
    private const int Newton = 2;
    private const int DefaultIterations = 100;

    /// <summary>What Gymnasium's compiled model holds for one environment.</summary>
    private sealed record Reference(
        string File, double Timestep, int Integrator, int Solver, int Iterations,
        int Nq, int Nv, int Nu,
        double[] JntRange, double[] BodyMass, double[] DofDamping, double[] DofArmature,
        double[] Gear, double[] CtrlRange, double[] GeomFriction);

    public static TheoryData<string> Ids => MuJoCoTestSupport.Ids();

    [Fact]
    public void Every_MuJoCo_environment_has_a_reference() =>
        Assert.Equal(MuJoCoTestSupport.AllIds.Order(), References.Keys.Order());

    [Theory]
    [MemberData(nameof(Ids))]
    public void Model_file_and_sizes_match(string id)
    {
        var (r, m) = Load(id);
        Assert.Equal(r.File, m.FileName);
        Assert.Equal(r.Nq, m.Nq);
        Assert.Equal(r.Nv, m.Nv);
        Assert.Equal(r.Nu, m.Nu);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Solver_options_match(string id)
    {
        var (r, m) = Load(id);
        AssertClose([r.Timestep], [m.ReadDouble(MjModelOffsets.opt_timestep)], Exact, "opt.timestep");
        AssertSame(r.Integrator, m.ReadInt(MjModelOffsets.opt_integrator), "opt.integrator (0 Euler, 1 RK4)");
        AssertSame(r.Solver, m.ReadInt(MjModelOffsets.opt_solver), "opt.solver (0 PGS, 1 CG, 2 Newton)");
        AssertSame(r.Iterations, m.ReadInt(MjModelOffsets.opt_iterations), "opt.iterations");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Joint_ranges_match(string id)
    {
        var (r, m) = Load(id);
        var njnt = m.ReadInt(MjModelOffsets.njnt);
        AssertClose(r.JntRange, m.CopyDoubles(MjModelOffsets.jnt_range, 2 * njnt), Exact, "jnt_range");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Body_masses_match(string id)
    {
        var (r, m) = Load(id);
        var actual = m.CopyDoubles(MjModelOffsets.body_mass, m.NBody);
        Assert.Equal(r.BodyMass.Length, actual.Length);
        for (var i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - r.BodyMass[i]) <= MassRelative * Math.Abs(r.BodyMass[i]),
                $"body_mass[{i}]: expected {r.BodyMass[i]:R}, compiled {actual[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Dof_damping_and_armature_match(string id)
    {
        var (r, m) = Load(id);
        AssertClose(r.DofDamping, m.CopyDoubles(MjModelOffsets.dof_damping, m.Nv), Exact, "dof_damping");
        AssertClose(r.DofArmature, m.CopyDoubles(MjModelOffsets.dof_armature, m.Nv), Exact, "dof_armature");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Actuator_gears_and_ctrlranges_match(string id)
    {
        var (r, m) = Load(id);
        var gear = new double[6 * r.Gear.Length];
        for (var i = 0; i < r.Gear.Length; i++) gear[6 * i] = r.Gear[i];
        AssertClose(gear, m.CopyDoubles(MjModelOffsets.actuator_gear, 6 * m.Nu), Exact, "actuator_gear");
        AssertClose(r.CtrlRange, m.CopyDoubles(MjModelOffsets.actuator_ctrlrange, 2 * m.Nu), Exact, "actuator_ctrlrange");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Geom_frictions_match(string id)
    {
        var (r, m) = Load(id);
        var ngeom = m.ReadInt(MjModelOffsets.ngeom);
        AssertClose(r.GeomFriction, m.CopyDoubles(MjModelOffsets.geom_friction, 3 * ngeom), Exact, "geom_friction");
    }

    private static (Reference Reference, MuJoCoModel Model) Load(string id)
    {
        using var env = MuJoCoTestSupport.Create(id);
        return (References[id], env.CompiledModel);
    }

    private static void AssertSame(int expected, int actual, string field) =>
        Assert.True(expected == actual, $"{field}: expected {expected}, compiled {actual}");

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string field)
    {
        Assert.True(expected.Length == actual.Length, $"{field}: expected {expected.Length} entries, compiled {actual.Length}");
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{field}[{i}]: expected {expected[i]:R}, compiled {actual[i]:R} (diff {actual[i] - expected[i]:E3})");
    }

    // ------------------------------------------------------------------ derivations

    /// <summary>MuJoCo 2.2.2 converts hinge ranges given in degrees as value · (π/180).</summary>
    private static double Deg(double degrees) => degrees * (Math.PI / 180.0);

    /// <summary>Capsule mass as inertiafromgeom computes it: ρ·π·(r²·2h + 4/3·r³), h the half-length.</summary>
    private static double Capsule(double radius, double halfLength, double density = 1000) =>
        density * Math.PI * (radius * radius * 2 * halfLength + 4.0 / 3.0 * radius * radius * radius);

    /// <summary>A capsule given by fromto: its half-length is half the segment's length.</summary>
    private static double CapsuleFromTo(double radius, double dx, double dy, double dz, double density = 1000) =>
        Capsule(radius, Math.Sqrt(dx * dx + dy * dy + dz * dz) / 2, density);

    private static double Sphere(double radius, double density = 1000) =>
        density * 4.0 / 3.0 * Math.PI * radius * radius * radius;

    private static double[] Repeat(int count, params double[] values) =>
        Enumerable.Range(0, count).SelectMany(_ => values).ToArray();

    private static double[] Concat(params double[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>compiler settotalmass: every body mass scaled so that they add up to the total.</summary>
    private static double[] ScaleToTotal(double total, params double[] masses)
    {
        var scale = total / masses.Sum();
        return masses.Select(v => v * scale).ToArray();
    }

    private static readonly Dictionary<string, Reference> References = new()
    {
        // Gymnasium gymnasium/envs/mujoco/assets/hopper.xml (loaded by hopper_v4.py): angle="radian",
        // ranges written as -2.61799 / ±0.785398 (the degrees of hopper_v5.xml are v5 only); no
        // timestep (MuJoCo's 0.002), RK4, solver/iterations MuJoCo's defaults; density 1000.
        ["Hopper-v4"] = new(
            "hopper.xml", 0.002, Rk4, Newton, DefaultIterations, Nq: 6, Nv: 6, Nu: 3,
            JntRange: [0, 0, 0, 0, 0, 0, -2.61799, 0, -2.61799, 0, -0.785398, 0.785398],
            BodyMass: [0, Capsule(0.05, 0.2), Capsule(0.05, 0.225), Capsule(0.04, 0.25), Capsule(0.06, 0.195)],
            DofDamping: [0, 0, 0, 1, 1, 1],
            DofArmature: [0, 0, 0, 1, 1, 1],
            Gear: [200, 200, 200],
            CtrlRange: Repeat(3, -1, 1),
            // floor (MuJoCo's default friction), torso, thigh, leg, foot
            GeomFriction: Concat([1, 0.005, 0.0001], Repeat(3, 0.9, 0.005, 0.0001), [2, 0.005, 0.0001])),

        // Gymnasium gymnasium/envs/mujoco/assets/walker2d.xml (loaded by walker2d_v4.py): radians as in
        // hopper.xml; default joint armature 0.01 / damping 0.1, geom friction 0.7 0.1 0.1; left foot 1.9.
        ["Walker2d-v4"] = new(
            "walker2d.xml", 0.002, Rk4, Newton, DefaultIterations, Nq: 9, Nv: 9, Nu: 6,
            JntRange: Concat(Repeat(3, 0, 0), Repeat(2, -2.61799, 0, -2.61799, 0, -0.785398, 0.785398)),
            BodyMass: Concat([0, Capsule(0.05, 0.2)],
                Repeat(2, Capsule(0.05, 0.225), Capsule(0.04, 0.25), Capsule(0.06, 0.1))),
            DofDamping: Concat(Repeat(3, 0), Repeat(6, 0.1)),
            DofArmature: Concat(Repeat(3, 0), Repeat(6, 0.01)),
            Gear: Repeat(6, 100),
            CtrlRange: Repeat(6, -1, 1),
            // floor, torso, thigh, leg, foot, thigh_left, leg_left, foot_left
            GeomFriction: Concat([0.7, 0.1, 0.1], Repeat(6, 0.9, 0.1, 0.1), [1.9, 0.1, 0.1])),

        // gym gym/envs/mujoco/assets/half_cheetah.xml (the file Gymnasium's half_cheetah_v4.py loads;
        // Gymnasium's own copy was not available to compare): radians, Euler (default) at 0.01,
        // settotalmass 14 over capsules of radius 0.046.
        ["HalfCheetah-v4"] = new(
            "half_cheetah.xml", 0.01, Euler, Newton, DefaultIterations, Nq: 9, Nv: 9, Nu: 6,
            JntRange: Concat(Repeat(3, 0, 0), [-0.52, 1.05, -0.785, 0.785, -0.4, 0.785, -1, 0.7, -1.2, 0.87, -0.5, 0.5]),
            BodyMass: Concat([0], ScaleToTotal(14,
                CapsuleFromTo(0.046, 1, 0, 0) + Capsule(0.046, 0.15), // torso + head
                Capsule(0.046, 0.145), Capsule(0.046, 0.15), Capsule(0.046, 0.094),
                Capsule(0.046, 0.133), Capsule(0.046, 0.106), Capsule(0.046, 0.07))),
            DofDamping: [0, 0, 0, 6, 4.5, 3, 4.5, 3, 1.5],
            DofArmature: Concat(Repeat(3, 0), Repeat(6, 0.1)),
            Gear: [120, 90, 60, 120, 60, 30],
            CtrlRange: Repeat(6, -1, 1),
            GeomFriction: Repeat(9, 0.4, 0.1, 0.1)),

        // Gymnasium gymnasium/envs/mujoco/assets/swimmer.xml: degrees, RK4 at 0.01, armature 0.1,
        // no damping; three unit capsules of radius 0.1, density 1000; only the two rotors limited.
        ["Swimmer-v4"] = new(
            "swimmer.xml", 0.01, Rk4, Newton, DefaultIterations, Nq: 5, Nv: 5, Nu: 2,
            JntRange: Concat(Repeat(3, 0, 0), Repeat(2, Deg(-100), Deg(100))),
            BodyMass: Concat([0], Repeat(3, CapsuleFromTo(0.1, 1, 0, 0))),
            DofDamping: Repeat(5, 0),
            DofArmature: Repeat(5, 0.1),
            Gear: [150, 150],
            CtrlRange: Repeat(2, -1, 1),
            GeomFriction: Repeat(4, 1, 0.005, 0.0001)),

        // gym gym/envs/mujoco/assets/ant.xml (the file Gymnasium's ant_v4.py loads; Gymnasium's own
        // copy was not available to compare): degrees, RK4 at 0.01, density 5, friction 1 0.5 0.5,
        // joint armature/damping 1 except the free root.
        ["Ant-v4"] = new(
            "ant.xml", 0.01, Rk4, Newton, DefaultIterations, Nq: 15, Nv: 14, Nu: 8,
            JntRange: Concat([0, 0],
                [Deg(-30), Deg(30), Deg(30), Deg(70)], [Deg(-30), Deg(30), Deg(-70), Deg(-30)],
                [Deg(-30), Deg(30), Deg(-70), Deg(-30)], [Deg(-30), Deg(30), Deg(30), Deg(70)]),
            BodyMass: Concat([0, Sphere(0.25, 5)], Repeat(4,
                CapsuleFromTo(0.08, 0.2, 0.2, 0, 5), CapsuleFromTo(0.08, 0.2, 0.2, 0, 5), CapsuleFromTo(0.08, 0.4, 0.4, 0, 5))),
            DofDamping: Concat(Repeat(6, 0), Repeat(8, 1)),
            DofArmature: Concat(Repeat(6, 0), Repeat(8, 1)),
            Gear: Repeat(8, 150),
            CtrlRange: Repeat(8, -1, 1),
            GeomFriction: Repeat(14, 1, 0.5, 0.5)),

        // Gymnasium gymnasium/envs/mujoco/assets/humanoid.xml (loaded by humanoid_v4.py): degrees,
        // <option integrator="RK4" iterations="50" solver="Newton" timestep="0.003"> (gym's older asset
        // had solver="PGS"), left_hip_y -110 20 (gym's older asset: -120), ctrlrange ±0.4, density 1000.
        ["Humanoid-v4"] = new(
            "humanoid.xml", 0.003, Rk4, Newton, 50, Nq: 24, Nv: 23, Nu: 17,
            JntRange: Concat([0, 0],
                [Deg(-45), Deg(45), Deg(-75), Deg(30), Deg(-35), Deg(35)],
                Repeat(2, Deg(-25), Deg(5), Deg(-60), Deg(35), Deg(-110), Deg(20), Deg(-160), Deg(-2)),
                Repeat(2, Deg(-85), Deg(60)), [Deg(-90), Deg(50)],
                Repeat(2, Deg(-60), Deg(85)), [Deg(-90), Deg(50)]),
            BodyMass: Concat(
                [0, CapsuleFromTo(0.07, 0, 0.14, 0) + Sphere(0.09) + CapsuleFromTo(0.06, 0, 0.12, 0), // torso1, head, uwaist
                 CapsuleFromTo(0.06, 0, 0.12, 0), CapsuleFromTo(0.09, 0, 0.14, 0)],                  // lwaist, butt
                Repeat(2, CapsuleFromTo(0.06, 0, 0.01, -0.34), CapsuleFromTo(0.049, 0, 0, -0.3), Sphere(0.075)), // thigh, shin, foot
                Repeat(2, CapsuleFromTo(0.04, 0.16, 0.16, 0.16), CapsuleFromTo(0.031, 0.16, 0.16, 0.16) + Sphere(0.04))), // arms
            DofDamping: Concat(Repeat(6, 0), Repeat(3, 5), Repeat(2, 5, 5, 5, 1), Repeat(6, 1)),
            DofArmature: Concat(Repeat(6, 0), Repeat(3, 0.02),
                [0.01, 0.01, 0.008, 0.006, 0.01, 0.01, 0.01, 0.006], Repeat(2, 0.0068, 0.0051, 0.0028)),
            Gear: [100, 100, 100, 100, 100, 300, 200, 100, 100, 300, 200, 25, 25, 25, 25, 25, 25],
            CtrlRange: Repeat(17, -0.4, 0.4),
            // floor 1 .1 .1, then the 17 body geoms with MuJoCo's default friction
            GeomFriction: Concat([1, 0.1, 0.1], Repeat(17, 1, 0.005, 0.0001))),
    };
}
