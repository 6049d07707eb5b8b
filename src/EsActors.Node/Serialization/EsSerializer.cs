using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using EsActors.Domain.Runs;
using EsActors.Node.Protocol;
using EsActors.Domain.Scheduling;

namespace EsActors.Node.Serialization;

/// <summary>
/// The one serializer for the protocol, the journal's events and snapshots. Manifests are short, stable and
/// carry a format version: renaming a class never breaks a journal, and a message from a node that speaks
/// another version fails with a clear error instead of being misread.
/// </summary>
public sealed class EsSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 7301;
    public override int Identifier => Id;

    private const string SeedBatchManifest = "sb2", BatchResultManifest = "br2", BatchRejectedManifest = "bx1",
        GetGenerationsManifest = "gg1", GenerationsReplyManifest = "gr5", FetchStateManifest = "fs1", StateReplyManifest = "sr5",
        StartRunManifest = "st5", RunAcceptedManifest = "ra1", RunRejectedManifest = "rr1", ProgressManifest = "pg1", RunFailedManifest = "rf1", RunPausedManifest = "rp1",
        GenerationManifest = "E:generation:1", RunActivatedManifest = "E:run-activated:1", GetStatusManifest = "gs2", StatusManifest = "rs1", GenerationAppliedManifest = "ga1",
        RunHostedManifest = "E:run-hosted:1", RunRetiredManifest = "E:run-retired:1", ListRunsManifest = "lr1", RunListManifest = "rl1",
        StopRunManifest = "sp1", RunStoppedManifest = "sd1", ChallengeManifest = "mc1", ProofManifest = "mp2";

    /// <summary>Protocol 4's status query, without a run id (still read: it asks for the run started last).</summary>
    private const string GetStatusV1 = "gs1";

    /// <summary>Nonces and MACs are 32 bytes; anything much longer is not a membership message.</summary>
    private const int MaxProofBytes = 64;

    // Older formats of the run's definition, stop criteria and state, still read (journals and snapshots of earlier builds).
    // The run's definition, stop criteria and state carry the codec's format in their manifest: this build writes
    // BinaryCodec.Format and reads every format from 1 up to it (journals and snapshots of earlier builds).
    private const string RunStartedPrefix = "E:run-started:", StopChangedPrefix = "E:stop-changed:", StatePrefix = "S:run-state:";
    private static readonly string RunStartedManifest = RunStartedPrefix + BinaryCodec.Format, StopChangedManifest = StopChangedPrefix + BinaryCodec.Format,
        StateManifest = StatePrefix + BinaryCodec.Format;

    /// <summary>The codec format of a versioned journal manifest with this prefix (null: another manifest, or a format this build does not know).</summary>
    private static int? FormatOf(string manifest, string prefix) =>
        manifest.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(manifest.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, null, out var format)
        && format is >= 1 and <= BinaryCodec.Format ? format : null;

    public override string Manifest(object o) => o switch
    {
        SeedBatch => SeedBatchManifest,
        BatchResult => BatchResultManifest,
        BatchRejected => BatchRejectedManifest,
        GetGenerations => GetGenerationsManifest,
        GenerationsReply => GenerationsReplyManifest,
        FetchState => FetchStateManifest,
        StateReply => StateReplyManifest,
        StartRunRequest => StartRunManifest,
        RunAccepted => RunAcceptedManifest,
        RunRejected => RunRejectedManifest,
        GenerationProgress => ProgressManifest,
        RunFailed => RunFailedManifest,
        RunPaused => RunPausedManifest,
        RunStarted => RunStartedManifest,
        StopCriteriaChanged => StopChangedManifest,
        GenerationCompleted => GenerationManifest,
        RunState => StateManifest,
        RunActivated => RunActivatedManifest,
        GetRunStatus => GetStatusManifest,
        GenerationApplied => GenerationAppliedManifest,
        RunStatus => StatusManifest,
        MembershipChallenge => ChallengeManifest,
        MembershipProof => ProofManifest,
        RunHosted => RunHostedManifest,
        RunRetired => RunRetiredManifest,
        ListRuns => ListRunsManifest,
        RunList => RunListManifest,
        StopRun => StopRunManifest,
        RunStopped => RunStoppedManifest,
        _ => throw new ArgumentException($"EsSerializer cannot serialize {o.GetType().FullName}"),
    };

    public override byte[] ToBinary(object obj) => BinaryCodec.Encode(w =>
    {
        switch (obj)
        {
            case SeedBatch m:
                w.Write(m.EvaluatorId); w.Write(m.RunId); w.Write(m.Generation); w.Write(m.BatchId); w.Write(m.Attempt);
                w.Write(m.StateChecksum); w.Write(m.EpisodeCap); w.Write(m.Items.Length);
                foreach (var i in m.Items) { w.Write(i.Index); w.Write(i.IsEvaluation); w.Write(i.NoiseIndex); w.Write(i.EpisodeSeed); w.Write(i.CollectStatistics); w.Write((byte)i.Half); }
                break;
            case BatchResult m:
                w.Write(m.EvaluatorId); w.Write(m.RunId); w.Write(m.Generation); w.Write(m.BatchId); w.Write(m.Attempt); w.Write(m.NodeAddress);
                w.Write(m.Items.Length);
                foreach (var i in m.Items)
                {
                    w.Write(i.Index); w.Write(i.IsEvaluation); w.Write(i.ReturnPositive); w.Write(i.ReturnNegative); w.Write(i.LengthPositive); w.Write(i.LengthNegative);
                    w.Write(i.Delta is not null);
                    if (i.Delta is not null) w.WriteStatistics(i.Delta);
                    w.Write((byte)i.Half);
                }
                w.Write(m.EvaluationSeconds);
                break;
            case BatchRejected m: w.Write(m.EvaluatorId); w.Write(m.RunId); w.Write(m.Generation); w.Write(m.BatchId); w.Write(m.Reason); break;
            case GetGenerations m: w.Write(m.RunId); w.Write(m.FromGeneration); w.Write(m.ToGeneration); break;
            case GenerationsReply m:
                w.Write(m.RunId); w.Write(m.Available);
                w.Write(m.Start is not null);
                if (m.Start is not null) { w.WriteDefinition(m.Start.Definition); w.WriteStop(m.Start.Stop); }
                w.Write(m.Generations.Length);
                foreach (var g in m.Generations) w.WriteGeneration(g);
                break;
            case FetchState m: w.Write(m.RunId); break;
            case StateReply m: w.Write(m.RunId); w.WriteState(m.State); break;
            case StartRunRequest m: w.Write(m.RunId); w.WriteDefinition(m.Definition); w.WriteStop(m.Stop); break;
            case RunAccepted m: w.Write(m.RunId); w.Write(m.Generation); w.Write(m.Finished); break;
            case RunRejected m: w.Write(m.RunId); w.Write(m.Reason); break;
            case GenerationProgress m:
                w.Write(m.RunId); WriteFigures(w, m.Figures); w.Write(m.Reissued); w.Write(m.Backups); w.Write(m.Evaluators); w.Write(m.Finished);
                WriteNodes(w, m.Nodes);
                break;
            case RunFailed m: w.Write(m.RunId); w.Write(m.Reason); break;
            case RunPaused m: w.Write(m.RunId); w.Write(m.Reason); break;
            case RunStarted e: w.WriteDefinition(e.Definition); w.WriteStop(e.Stop); break;
            case StopCriteriaChanged e: w.WriteStop(e.Stop); break;
            case GenerationCompleted e: w.WriteGeneration(e); break;
            case RunState s: w.WriteState(s); break;
            case RunActivated e: w.Write(e.RunId); break;
            case GetRunStatus m: w.Write(m.RunId ?? ""); break;
            case RunHosted e: w.Write(e.RunId); break;
            case RunRetired e: w.Write(e.RunId); w.Write(e.Finished); break;
            case ListRuns: break;
            case MembershipChallenge c: WriteBytes(w, c.Nonce); break;
            case MembershipProof p: WriteBytes(w, p.Nonce); WriteBytes(w, p.Mac); w.Write(p.VerifiedYou); break;
            case RunList m:
                w.Write(m.Runs.Length);
                foreach (var run in m.Runs) WriteStatus(w, run);
                w.Write(m.Paused.Length);
                foreach (var id in m.Paused) w.Write(id);
                break;
            case StopRun m: w.Write(m.RunId); break;
            case RunStopped m: w.Write(m.RunId); break;
            case GenerationApplied m: w.Write(m.RunId); w.WriteGeneration(m.Generation); break;
            case RunStatus m: WriteStatus(w, m); break;
            default: throw new ArgumentException($"EsSerializer cannot serialize {obj.GetType().FullName}");
        }
    });

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            return manifest switch
            {
                SeedBatchManifest => ReadSeedBatch(r),
                BatchResultManifest => ReadBatchResult(r),
                BatchRejectedManifest => new BatchRejected(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32(), r.ReadString()),
                GetGenerationsManifest => new GetGenerations(r.ReadString(), r.ReadInt32(), r.ReadInt32()),
                GenerationsReplyManifest => ReadGenerationsReply(r),
                _ when FormatOf(manifest, RunStartedPrefix) is { } format => new RunStarted(r.ReadDefinition(format), r.ReadStop(format)),
                _ when FormatOf(manifest, StopChangedPrefix) is { } format => new StopCriteriaChanged(r.ReadStop(format)),
                _ when FormatOf(manifest, StatePrefix) is { } format => r.ReadState(format),
                FetchStateManifest => new FetchState(r.ReadString()),
                StateReplyManifest => new StateReply(r.ReadString(), r.ReadState(BinaryCodec.Format)),
                StartRunManifest => new StartRunRequest(r.ReadString(), r.ReadDefinition(BinaryCodec.Format), r.ReadStop(BinaryCodec.Format)),
                RunAcceptedManifest => new RunAccepted(r.ReadString(), r.ReadInt32(), r.ReadBoolean()),
                RunRejectedManifest => new RunRejected(r.ReadString(), r.ReadString()),
                ProgressManifest => new GenerationProgress(r.ReadString(), ReadFigures(r), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), ReadNodes(r)),
                RunFailedManifest => new RunFailed(r.ReadString(), r.ReadString()),
                RunPausedManifest => new RunPaused(r.ReadString(), r.ReadString()),
                GenerationManifest => r.ReadGeneration(),
                RunActivatedManifest => new RunActivated(r.ReadString()),
                GetStatusV1 => new GetRunStatus(),
                GetStatusManifest => new GetRunStatus(r.ReadString() is { Length: > 0 } id ? id : null),
                RunHostedManifest => new RunHosted(r.ReadString()),
                RunRetiredManifest => new RunRetired(r.ReadString(), r.ReadBoolean()),
                ListRunsManifest => ListRuns.Instance,
                RunListManifest => ReadRunList(r),
                StopRunManifest => new StopRun(r.ReadString()),
                RunStoppedManifest => new RunStopped(r.ReadString()),
                GenerationAppliedManifest => new GenerationApplied(r.ReadString(), r.ReadGeneration()),
                StatusManifest => ReadStatus(r),
                ChallengeManifest => new MembershipChallenge(ReadBytes(r)),
                ProofManifest => new MembershipProof(ReadBytes(r), ReadBytes(r), r.ReadBoolean()),
                _ => throw new SerializationException($"unknown EsActors manifest '{manifest}' (a node or journal of another EsActors version?)"),
            };
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException or DecoderFallbackException)
        {
            throw new SerializationException($"malformed EsActors payload for manifest '{manifest}': {e.Message}");
        }
    }

    private static void WriteBytes(BinaryWriter w, byte[] bytes)
    {
        if (bytes.Length > MaxProofBytes) throw new ArgumentException($"at most {MaxProofBytes} bytes, got {bytes.Length}");
        w.Write(bytes.Length); w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        var length = r.ReadInt32();
        if (length is < 0 or > MaxProofBytes) throw new InvalidDataException($"a membership field of {length} bytes");
        var bytes = r.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }

    private static void WriteStatus(BinaryWriter w, RunStatus m)
    {
        w.Write(m.RunId); w.Write(m.Generation); w.Write(m.Timesteps); w.WriteNullable(m.LastEvaluationMean); w.Write(m.Finished);
        w.Write(m.Failure ?? ""); w.Write(m.Reissued); w.Write(m.Backups);
        WriteNodes(w, m.Nodes);
    }

    private static RunList ReadRunList(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0 || count > 100_000) throw new InvalidDataException("implausible run count");
        var runs = new RunStatus[count];
        for (var i = 0; i < count; i++) runs[i] = ReadStatus(r);
        var pausedCount = r.ReadInt32();
        if (pausedCount < 0 || pausedCount > 100_000) throw new InvalidDataException("implausible run count");
        var paused = new string[pausedCount];
        for (var i = 0; i < pausedCount; i++) paused[i] = r.ReadString();
        return new RunList(runs, paused);
    }

    private static RunStatus ReadStatus(BinaryReader r)
    {
        var run = r.ReadString(); var generation = r.ReadInt32(); var timesteps = r.ReadInt64(); var eval = r.ReadNullableDouble(); var finished = r.ReadBoolean();
        var failure = r.ReadString(); var reissued = r.ReadInt32(); var backups = r.ReadInt32();
        return new RunStatus(run, generation, timesteps, eval, finished, failure.Length == 0 ? null : failure, reissued, backups, ReadNodes(r));
    }

    private static void WriteFigures(BinaryWriter w, GenerationFigures f)
    {
        w.Write(f.Generation); w.Write(f.Timesteps); w.Write(f.TrainingTimesteps); w.Write(f.Episodes);
        w.Write(f.MeanReturn); w.Write(f.StdReturn); w.Write(f.MinReturn); w.Write(f.MaxReturn); w.Write(f.MeanEpisodeLength); w.Write(f.EvaluationMean);
        w.Write(f.ThetaNorm); w.Write(f.UpdateNorm); w.Write(f.WallSeconds); w.Write(f.StepsPerSecond);
    }

    private static GenerationFigures ReadFigures(BinaryReader r) =>
        new(r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
            r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(),
            r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());

    private static void WriteNodes(BinaryWriter w, NodeWork[] nodes)
    {
        w.Write(nodes.Length);
        foreach (var n in nodes)
        {
            w.Write(n.Node); w.Write(n.Slots); w.Write(n.Batches); w.Write(n.Steps); w.Write(n.EvaluationSeconds); w.Write(n.Reissued); w.Write(n.Backups);
        }
    }

    private static NodeWork[] ReadNodes(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count < 0 || count > 100_000) throw new InvalidDataException("implausible node count");
        var nodes = new NodeWork[count];
        for (var i = 0; i < count; i++)
            nodes[i] = new NodeWork(r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32());
        return nodes;
    }

    private static PairHalf ReadHalf(BinaryReader r)
    {
        var half = (PairHalf)r.ReadByte();
        return Enum.IsDefined(half) ? half : throw new InvalidDataException($"unknown pair half {(byte)half}");
    }

    private static SeedBatch ReadSeedBatch(BinaryReader r)
    {
        var evaluator = r.ReadString(); var run = r.ReadString(); var generation = r.ReadInt32(); var batch = r.ReadInt32(); var attempt = r.ReadInt32();
        var checksum = r.ReadUInt64(); var cap = r.ReadInt32(); var count = r.ReadInt32();
        if (count < 0 || count > 1_000_000) throw new InvalidDataException("implausible item count");
        var items = new WorkItem[count];
        for (var i = 0; i < count; i++) items[i] = new WorkItem(r.ReadInt32(), r.ReadBoolean(), r.ReadInt32(), r.ReadUInt64(), r.ReadBoolean(), ReadHalf(r));
        return new SeedBatch(evaluator, run, generation, batch, attempt, checksum, cap, items);
    }

    private static BatchResult ReadBatchResult(BinaryReader r)
    {
        var evaluator = r.ReadString(); var run = r.ReadString(); var generation = r.ReadInt32(); var batch = r.ReadInt32(); var attempt = r.ReadInt32();
        var node = r.ReadString(); var count = r.ReadInt32();
        if (count < 0 || count > 1_000_000) throw new InvalidDataException("implausible item count");
        var items = new ItemOutcome[count];
        for (var i = 0; i < count; i++)
        {
            // Wire order (protocol 2): index, evaluation?, returns, lengths, statistics, half.
            var index = r.ReadInt32(); var isEvaluation = r.ReadBoolean();
            var returnPositive = r.ReadDouble(); var returnNegative = r.ReadDouble();
            var lengthPositive = r.ReadInt32(); var lengthNegative = r.ReadInt32();
            var delta = r.ReadBoolean() ? r.ReadStatistics() : null;
            items[i] = new ItemOutcome(index, isEvaluation, ReadHalf(r), returnPositive, returnNegative, lengthPositive, lengthNegative, delta);
        }
        return new BatchResult(evaluator, run, generation, batch, attempt, node, items, r.ReadDouble());
    }

    private static GenerationsReply ReadGenerationsReply(BinaryReader r)
    {
        var run = r.ReadString(); var available = r.ReadBoolean();
        RunStarted? start = r.ReadBoolean() ? new RunStarted(r.ReadDefinition(BinaryCodec.Format), r.ReadStop(BinaryCodec.Format)) : null;
        var count = r.ReadInt32();
        if (count < 0 || count > 1_000_000) throw new InvalidDataException("implausible generation count");
        var generations = new GenerationCompleted[count];
        for (var i = 0; i < count; i++) generations[i] = r.ReadGeneration();
        return new GenerationsReply(run, start, generations, available);
    }
}
