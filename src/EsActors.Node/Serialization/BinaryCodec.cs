using System.Text;
using EsActors.Domain.Normalization;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;

namespace EsActors.Node.Serialization;

/// <summary>
/// Little-endian binary encodings of the domain types shared by messages, events and snapshots. Definitions, stop
/// criteria and states have a format version (in the manifest): <see cref="Format"/> is written, every older one is
/// still read, so journals of earlier builds resume. Format 2 (2026-12) added the strategy to the definition, the
/// timestep budget to the stop criteria and the training timesteps to the state; format 3 the sigma schedule, the
/// learnt-σ rate and the state's σ per parameter; format 4 the learning-rate schedule; format 5 keep-best-policy and
/// the state's best policy; format 6 the box action head; format 7 the state's CMA-ES distribution; format 8
/// policy-averaging and the state's averaged θ.
/// </summary>
internal static class BinaryCodec
{
    public const int Format = 8;

    public static void WriteInts(this BinaryWriter w, int[] values) { w.Write(values.Length); foreach (var v in values) w.Write(v); }
    public static void WriteDoubles(this BinaryWriter w, double[] values) { w.Write(values.Length); foreach (var v in values) w.Write(v); }
    public static void WriteFloats(this BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    public static int[] ReadInts(this BinaryReader r) { var a = new int[ReadLength(r)]; for (var i = 0; i < a.Length; i++) a[i] = r.ReadInt32(); return a; }
    public static double[] ReadDoubles(this BinaryReader r) { var a = new double[ReadLength(r)]; for (var i = 0; i < a.Length; i++) a[i] = r.ReadDouble(); return a; }
    public static float[] ReadFloats(this BinaryReader r)
    {
        var a = new float[ReadLength(r)];
        var bytes = r.ReadBytes(a.Length * 4);
        if (bytes.Length != a.Length * 4) throw new EndOfStreamException();
        Buffer.BlockCopy(bytes, 0, a, 0, bytes.Length);
        return a;
    }

    private static int ReadLength(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n < 0 || n > r.BaseStream.Length - r.BaseStream.Position) throw new InvalidDataException($"array length {n} exceeds the payload");
        return n;
    }

    public static void WriteNullable(this BinaryWriter w, double? value) { w.Write(value.HasValue); if (value.HasValue) w.Write(value.Value); }
    public static double? ReadNullableDouble(this BinaryReader r) => r.ReadBoolean() ? r.ReadDouble() : null;

    public static void WriteStatistics(this BinaryWriter w, ObservationStatistics s) { w.WriteDoubles(s.Sum); w.WriteDoubles(s.SumOfSquares); w.Write(s.Count); }
    public static ObservationStatistics ReadStatistics(this BinaryReader r) => new(r.ReadDoubles(), r.ReadDoubles(), r.ReadDouble());

    public static void WriteDefinition(this BinaryWriter w, RunDefinition d)
    {
        w.Write(d.EnvironmentId);
        w.Write(d.Network.Inputs); w.Write(d.Network.Outputs); w.WriteInts(d.Network.Hidden.ToArray()); w.Write((byte)d.Network.Activation);
        w.Write(d.Seed); w.Write(d.Pairs); w.Write(d.Sigma);
        var o = d.Optimizer;
        w.Write((byte)o.Kind); w.Write(o.LearningRate); w.Write(o.Beta1); w.Write(o.Beta2); w.Write(o.Epsilon); w.Write(o.Momentum);
        w.Write(d.WeightDecay); w.Write(d.NoiseSeed); w.Write(d.NoiseTableSize);
        w.Write(d.ObservationNormalization); w.Write(d.ObservationStatisticsProbability);
        w.Write(d.EvaluationEpisodes); w.Write(d.ActionNoiseStd); w.Write(d.ActionBins); w.Write(d.EpisodeCapFactor); w.Write(d.SnapshotEvery);
        var strategy = d.EffectiveStrategy;
        w.Write((byte)strategy.Kind); w.Write(strategy.TopDirections); w.Write(strategy.RewardShift);
        w.Write(strategy.SigmaLearningRate);
        w.Write(d.SigmaSchedule is not null);
        if (d.SigmaSchedule is { } schedule) { w.WriteFloats(schedule.Start); w.WriteFloats(schedule.End); w.Write(schedule.Generations); }
        w.Write(d.LearningRateSchedule is not null);
        if (d.LearningRateSchedule is { } decay) { w.Write(decay.End); w.Write(decay.Generations); }
        w.Write(d.KeepBestPolicy);
        w.Write((byte)d.BoxHead);
        w.Write(d.PolicyAveraging);
    }

    public static RunDefinition ReadDefinition(this BinaryReader r, int format)
    {
        var env = r.ReadString();
        var inputs = r.ReadInt32(); var outputs = r.ReadInt32(); var hidden = r.ReadInts(); var activation = (Activation)r.ReadByte();
        var seed = r.ReadUInt64(); var pairs = r.ReadInt32(); var sigma = r.ReadSingle();
        var optimizer = new OptimizerSettings((OptimizerKind)r.ReadByte(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle());
        var definition = new RunDefinition(env, new NetworkShape(inputs, hidden, outputs, activation), seed, pairs, sigma, optimizer,
            r.ReadSingle(), r.ReadUInt64(), r.ReadInt32(), r.ReadBoolean(), r.ReadDouble(), r.ReadInt32(), r.ReadSingle(), r.ReadInt32(), r.ReadDouble(), r.ReadInt32());
        if (format < 2) return definition; // before strategies: OpenAI-ES
        var kind = (StrategyKind)r.ReadByte();
        if (!Enum.IsDefined(kind)) throw new InvalidDataException($"unknown strategy {(byte)kind}");
        var top = r.ReadInt32(); var shift = r.ReadDouble();
        definition = definition with { Strategy = new StrategySettings(kind, top, shift, format < 3 ? 0 : r.ReadDouble()) };
        if (format < 3) return definition;
        if (r.ReadBoolean()) definition = definition with { SigmaSchedule = new SigmaSchedule(r.ReadFloats(), r.ReadFloats(), r.ReadInt32()) };
        if (format < 4) return definition;
        if (r.ReadBoolean()) definition = definition with { LearningRateSchedule = new LearningRateSchedule(r.ReadSingle(), r.ReadInt32()) };
        if (format < 5) return definition;
        definition = definition with { KeepBestPolicy = r.ReadBoolean() };
        if (format < 6) return definition;
        var head = (BoxHead)r.ReadByte();
        if (!Enum.IsDefined(head)) throw new InvalidDataException($"unknown action head {(byte)head}");
        definition = definition with { BoxHead = head };
        return format < 8 ? definition : definition with { PolicyAveraging = r.ReadSingle() };
    }

    public static void WriteStop(this BinaryWriter w, StopCriteria s)
    {
        w.Write(s.MaxGenerations); w.WriteNullable(s.TargetReturn);
        w.Write(s.MaxTimesteps.HasValue); if (s.MaxTimesteps is { } budget) w.Write(budget);
    }

    public static StopCriteria ReadStop(this BinaryReader r, int format)
    {
        var stop = new StopCriteria(r.ReadInt32(), r.ReadNullableDouble());
        return format < 2 ? stop : stop with { MaxTimesteps = r.ReadBoolean() ? r.ReadInt64() : null };
    }

    public static void WriteGeneration(this BinaryWriter w, GenerationCompleted g)
    {
        w.Write(g.Generation); w.WriteInts(g.NoiseIndices); w.WriteDoubles(g.ReturnsPositive); w.WriteDoubles(g.ReturnsNegative);
        w.WriteInts(g.LengthsPositive); w.WriteInts(g.LengthsNegative); w.WriteStatistics(g.ObservationDelta);
        w.WriteDoubles(g.EvaluationReturns); w.WriteInts(g.EvaluationLengths); w.Write(g.WallSeconds);
    }

    public static GenerationCompleted ReadGeneration(this BinaryReader r) =>
        new(r.ReadInt32(), r.ReadInts(), r.ReadDoubles(), r.ReadDoubles(), r.ReadInts(), r.ReadInts(), r.ReadStatistics(),
            r.ReadDoubles(), r.ReadInts(), r.ReadDouble());

    public static void WriteState(this BinaryWriter w, RunState s)
    {
        w.Write(s.Definition is not null);
        if (s.Definition is not null) w.WriteDefinition(s.Definition);
        w.Write(s.Stop is not null);
        if (s.Stop is not null) w.WriteStop(s.Stop);
        w.Write(s.Generation); w.WriteFloats(s.Theta);
        w.Write(s.Optimizer.Steps); w.WriteFloats(s.Optimizer.FirstMoment); w.WriteFloats(s.Optimizer.SecondMoment);
        w.WriteStatistics(s.ObservationStatistics); w.Write(s.Timesteps); w.WriteNullable(s.LastEvaluationMean); w.Write(s.MeanEpisodeLength);
        w.Write(s.TrainingTimesteps);
        w.Write(s.Sigmas is not null);
        if (s.Sigmas is not null) w.WriteFloats(s.Sigmas);
        w.Write(s.Best is not null);
        if (s.Best is { } best) { w.Write(best.Generation); w.Write(best.EvaluationMean); w.WriteFloats(best.Theta); w.WriteStatistics(best.ObservationStatistics); }
        w.Write(s.Cma is not null);
        if (s.Cma is { } cma) { w.Write(cma.StepSize); w.WriteDoubles(cma.Covariance); w.WriteDoubles(cma.SigmaPath); w.WriteDoubles(cma.CovariancePath); }
        w.Write(s.AverageTheta is not null);
        if (s.AverageTheta is not null) w.WriteFloats(s.AverageTheta);
    }

    public static RunState ReadState(this BinaryReader r, int format)
    {
        var definition = r.ReadBoolean() ? r.ReadDefinition(format) : null;
        var stop = r.ReadBoolean() ? r.ReadStop(format) : null;
        var generation = r.ReadInt32(); var theta = r.ReadFloats();
        var optimizer = new OptimizerState(r.ReadInt64(), r.ReadFloats(), r.ReadFloats());
        var statistics = r.ReadStatistics(); var timesteps = r.ReadInt64(); var evaluation = r.ReadNullableDouble(); var meanLength = r.ReadDouble();
        // Format 1 snapshots did not count training steps apart: their total (evaluation steps included) is all there is.
        var training = format < 2 ? timesteps : r.ReadInt64();
        var sigmas = format >= 3 && r.ReadBoolean() ? r.ReadFloats() : null;
        var best = format >= 5 && r.ReadBoolean() ? new BestPolicy(r.ReadInt32(), r.ReadDouble(), r.ReadFloats(), r.ReadStatistics()) : null;
        var cma = format >= 7 && r.ReadBoolean() ? ReadCma(r) : null;
        var average = format >= 8 && r.ReadBoolean() ? r.ReadFloats() : null;
        return new RunState(definition, stop, generation, theta, optimizer, statistics, timesteps, evaluation, meanLength, training, sigmas, best, cma, average);
    }

    private static CmaState ReadCma(BinaryReader r)
    {
        var (step, covariance, sigmaPath, covariancePath) = (r.ReadDouble(), r.ReadDoubles(), r.ReadDoubles(), r.ReadDoubles());
        try { return new CmaState(step, covariance, sigmaPath, covariancePath); }
        catch (ArgumentException e) { throw new InvalidDataException($"CMA-ES state: {e.Message}"); }
    }

    public static byte[] Encode(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) write(w);
        return stream.ToArray();
    }
}
