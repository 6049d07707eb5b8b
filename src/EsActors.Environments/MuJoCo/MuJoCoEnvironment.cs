using System.Diagnostics;
using System.Runtime.InteropServices;
using EsActors.Domain.Randomness;
using EsActors.Environments.MuJoCo.Interop;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Base of the Gymnasium-v4-style MuJoCo locomotion tasks. Each instance owns one mjData (freed in
/// <see cref="Dispose"/>, or by its SafeHandle's finalizer if forgotten) over a process-wide shared
/// mjModel. Pointers into mjData are cached once: MuJoCo never moves them. <see cref="Step"/> does
/// not allocate.
/// <para>
/// Divergence: MuJoCo detects NaN/huge values in qpos, qvel, qacc or ctrl, warns, and silently resets
/// the state. After every physics substep the warning counters are checked (and after the step,
/// qpos/qvel are checked for non-finite or |x| &gt; 1e10 values); if any fired, the step returns
/// reward 0 and <c>Terminated = true</c>, with non-finite observation entries replaced by 0, and
/// <see cref="Diverged"/> is set until the next reset.
/// </para>
/// </summary>
public abstract unsafe class MuJoCoEnvironment : IEnvironment
{
    /// <summary>Stream id of the reset noise (with the episode seed) in <see cref="DeterministicRandom.ForStream"/>.</summary>
    private const ulong ResetNoiseStream = 0x4D754A6F436F5265; // "MuJoCoRe"

    private readonly MuJoCoNative _api;
    private readonly IntPtr _m;
    private MjDataHandle? _dataHandle;
    private IntPtr _d;
    private int* _warnBadQpos, _warnBadQvel, _warnBadQacc, _warnBadCtrl;
    private int _steps;
    private bool _isReset;

    private protected readonly MuJoCoModel Model;
    private protected readonly int Nq, Nv, Nu, NBody;
    private protected readonly int FrameSkip;
    /// <summary>Time between actions: model timestep × frame skip (Gymnasium's <c>dt</c>).</summary>
    private protected readonly double Dt;

    private protected double* Qpos, Qvel, Ctrl, Xpos, Xipos, Cinert, Cvel, QfrcActuator, CfrcExt;

    public EnvironmentSpec Spec { get; }

    /// <summary>True when the current episode ended because the simulation diverged (see class remarks).</summary>
    public bool Diverged { get; private set; }

    /// <exception cref="MuJoCoUnavailableException">The MuJoCo 2.2.2 native library is missing or of another version.</exception>
    private protected MuJoCoEnvironment(EnvironmentSpec spec, string modelFile, int frameSkip)
    {
        Spec = spec;
        Model = MuJoCoModel.Get(modelFile);
        _api = Model.Api;
        _m = Model.Ptr;
        Nq = Model.Nq;
        Nv = Model.Nv;
        Nu = Model.Nu;
        NBody = Model.NBody;
        FrameSkip = frameSkip;
        Dt = Model.Timestep * frameSkip;

        var expected = ActionSpace.Box(Model.CtrlLow, Model.CtrlHigh);
        if (!spec.Action.Equals(expected))
            throw new InvalidOperationException($"{spec.Id}: action space does not match the actuators' ctrlrange of {modelFile}");

        var d = _api.MakeData(_m);
        if (d == IntPtr.Zero) throw new OutOfMemoryException($"mj_makeData failed for {modelFile}");
        _dataHandle = new MjDataHandle(_api, d);
        _d = d;
        CachePointers();
    }

    private void CachePointers()
    {
        var d = (byte*)_d;
        Qpos = *(double**)(d + MjDataOffsets.qpos);
        Qvel = *(double**)(d + MjDataOffsets.qvel);
        Ctrl = *(double**)(d + MjDataOffsets.ctrl);
        Xpos = *(double**)(d + MjDataOffsets.xpos);
        Xipos = *(double**)(d + MjDataOffsets.xipos);
        Cinert = *(double**)(d + MjDataOffsets.cinert);
        Cvel = *(double**)(d + MjDataOffsets.cvel);
        QfrcActuator = *(double**)(d + MjDataOffsets.qfrc_actuator);
        CfrcExt = *(double**)(d + MjDataOffsets.cfrc_ext);
        var warnings = d + MjDataOffsets.warning + MjHeader.WarningStatNumber;
        _warnBadQpos = (int*)(warnings + MjHeader.WarnBadQpos * MjHeader.SizeOfWarningStat);
        _warnBadQvel = (int*)(warnings + MjHeader.WarnBadQvel * MjHeader.SizeOfWarningStat);
        _warnBadQacc = (int*)(warnings + MjHeader.WarnBadQacc * MjHeader.SizeOfWarningStat);
        _warnBadCtrl = (int*)(warnings + MjHeader.WarnBadCtrl * MjHeader.SizeOfWarningStat);
    }

    /// <summary>Whether cfrc_ext (and other post-constraint quantities) must be computed after each step.</summary>
    private protected virtual bool NeedsRnePostConstraint => false;

    /// <summary>Perturbs the reference state (qpos = qpos0, qvel = 0 on entry) with the task's reset noise.</summary>
    private protected abstract void ResetModel(ref DeterministicRandom rng);

    /// <summary>Records whatever the reward needs from the state before the physics step.</summary>
    private protected abstract void BeforeStep();

    /// <summary>Reward of the step just simulated.</summary>
    private protected abstract double ComputeReward(ReadOnlySpan<float> action);

    /// <summary>Whether the state just reached is terminal (unhealthy), by the task's rules.</summary>
    private protected abstract bool IsTerminal();

    private protected abstract void WriteObservation(Span<float> observation);

    public void Reset(ulong seed, Span<float> observation)
    {
        ThrowIfDisposed();
        CheckObservation(observation);
        _api.ResetData(_m, _d);
        var rng = DeterministicRandom.ForStream(seed, ResetNoiseStream);
        ResetModel(ref rng);
        _api.Forward(_m, _d);
        // cfrc_ext is only written by mj_rnePostConstraint; 2.2.2's mj_resetData clears it, and clearing it
        // here keeps the first Humanoid observation a function of the seed alone whatever the version.
        new Span<double>(CfrcExt, NBody * 6).Clear();
        _steps = 0;
        Diverged = false;
        _isReset = true;
        WriteObservation(observation);
    }

    public StepResult Step(ReadOnlySpan<float> action, Span<float> observation)
    {
        ThrowIfDisposed();
        if (!_isReset) throw new InvalidOperationException($"{Spec.Id}: call Reset before Step");
        if (action.Length < Nu) throw new ArgumentException($"{Spec.Id} needs {Nu} action values, got {action.Length}", nameof(action));
        CheckObservation(observation);

        var timing = MeasureTiming;
        var start = timing ? Stopwatch.GetTimestamp() : 0;

        for (var i = 0; i < Nu; i++) Ctrl[i] = action[i];
        BeforeStep();

        var physicsStart = timing ? Stopwatch.GetTimestamp() : 0;
        var diverged = false;
        for (var k = 0; k < FrameSkip; k++)
        {
            _api.Step(_m, _d);
            if ((*_warnBadQpos | *_warnBadQvel | *_warnBadQacc | *_warnBadCtrl) != 0)
            {
                diverged = true;
                break;
            }
        }
        if (!diverged && NeedsRnePostConstraint) _api.RnePostConstraint(_m, _d);
        var physicsEnd = timing ? Stopwatch.GetTimestamp() : 0;

        diverged = diverged || !StateIsFinite();
        _steps++;
        var truncated = _steps >= Spec.MaxEpisodeSteps;

        StepResult result;
        if (diverged)
        {
            Diverged = true;
            WriteObservation(observation);
            SanitizeObservation(observation);
            result = new StepResult(0.0, Terminated: true, truncated);
        }
        else
        {
            var reward = ComputeReward(action);
            WriteObservation(observation);
            result = new StepResult(reward, IsTerminal(), truncated);
        }

        if (timing)
        {
            var end = Stopwatch.GetTimestamp();
            TimedSteps++;
            PhysicsTicks += physicsEnd - physicsStart;
            TotalTicks += end - start;
        }
        return result;
    }

    private bool StateIsFinite()
    {
        for (var i = 0; i < Nq; i++) if (!(Math.Abs(Qpos[i]) <= MjHeader.MaxVal)) return false;
        for (var i = 0; i < Nv; i++) if (!(Math.Abs(Qvel[i]) <= MjHeader.MaxVal)) return false;
        return true;
    }

    private void SanitizeObservation(Span<float> observation)
    {
        var o = observation[..Spec.ObservationSize];
        for (var i = 0; i < o.Length; i++) if (!float.IsFinite(o[i])) o[i] = 0f;
    }

    private void CheckObservation(Span<float> observation)
    {
        if (observation.Length < Spec.ObservationSize)
            throw new ArgumentException($"{Spec.Id} writes {Spec.ObservationSize} observation values, buffer has {observation.Length}", nameof(observation));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_dataHandle is null, this);

    // ---------------------------------------------------------------- helpers for the tasks

    /// <summary>Adds U(-scale, scale) to each of <paramref name="count"/> values, in index order.</summary>
    private protected static void AddUniformNoise(double* values, int count, double scale, ref DeterministicRandom rng)
    {
        for (var i = 0; i < count; i++) values[i] += rng.NextUniform(-scale, scale);
    }

    /// <summary>Adds scale·N(0, 1) to each of <paramref name="count"/> values, in index order.</summary>
    private protected static void AddGaussianNoise(double* values, int count, double scale, ref DeterministicRandom rng)
    {
        for (var i = 0; i < count; i++) values[i] += scale * rng.NextGaussian();
    }

    private protected static double SumOfSquares(ReadOnlySpan<float> values, int count)
    {
        var sum = 0.0;
        for (var i = 0; i < count; i++) sum += (double)values[i] * values[i];
        return sum;
    }

    private protected static void Copy(double* source, int count, Span<float> destination)
    {
        for (var i = 0; i < count; i++) destination[i] = (float)source[i];
    }

    private protected static void CopyClipped(double* source, int count, double limit, Span<float> destination)
    {
        for (var i = 0; i < count; i++) destination[i] = (float)Math.Clamp(source[i], -limit, limit);
    }

    // ---------------------------------------------------------------- internal hooks (tests, probe, benchmarks)

    /// <summary>When set, <see cref="Step"/> accumulates <see cref="PhysicsTicks"/> (mj_step calls) and <see cref="TotalTicks"/> (whole Step).</summary>
    internal bool MeasureTiming { get; set; }
    internal long TimedSteps { get; private set; }
    internal long PhysicsTicks { get; private set; }
    internal long TotalTicks { get; private set; }

    internal void ResetTiming() => (TimedSteps, PhysicsTicks, TotalTicks) = (0, 0, 0);

    /// <summary>The shared compiled model, so tests can compare it with Gymnasium's assets.</summary>
    internal MuJoCoModel CompiledModel => Model;

    internal double GetQpos(int index) => Qpos[CheckIndex(index, Nq)];
    internal double GetQvel(int index) => Qvel[CheckIndex(index, Nv)];
    internal void SetQvelForTest(int index, double value) => Qvel[CheckIndex(index, Nv)] = value;
    internal void SetQposForTest(int index, double value) => Qpos[CheckIndex(index, Nq)] = value;
    internal int DataStackSize => *(int*)((byte*)_d + MjDataOffsets.nstack);
    internal int DataBufferBytes => *(int*)((byte*)_d + MjDataOffsets.nbuffer);
    internal int DataMaxStackUse => *(int*)((byte*)_d + MjDataOffsets.maxuse_stack);
    internal int ModelNq => Nq;
    internal int ModelNv => Nv;
    internal double TimeBetweenActions => Dt;

    private int CheckIndex(int index, int count)
    {
        ThrowIfDisposed();
        return (uint)index < (uint)count ? index : throw new ArgumentOutOfRangeException(nameof(index));
    }

    public void Dispose()
    {
        var handle = _dataHandle;
        if (handle is null) return;
        _dataHandle = null;
        _d = IntPtr.Zero;
        Qpos = Qvel = Ctrl = Xpos = Xipos = Cinert = Cvel = QfrcActuator = CfrcExt = null;
        _warnBadQpos = _warnBadQvel = _warnBadQacc = _warnBadCtrl = null;
        handle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Owns one mjData; frees it on Dispose, or from the finalizer if the environment was leaked.</summary>
    private sealed class MjDataHandle : SafeHandle
    {
        private readonly MuJoCoNative _api;

        public MjDataHandle(MuJoCoNative api, IntPtr data) : base(IntPtr.Zero, ownsHandle: true)
        {
            _api = api;
            SetHandle(data);
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            _api.DeleteData(handle);
            return true;
        }
    }
}
