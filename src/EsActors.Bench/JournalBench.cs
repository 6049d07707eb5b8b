using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Node.Serialization;
using EsActors.Domain.Es;
using EsActors.Node.Configuration;

namespace EsActors.Bench;

public sealed record JournalResult(
    string Backend, int Events, double MedianPersistMs, double P90PersistMs, double MeanPersistMs, long EventPayloadBytes, double? DatabaseBytesPerEvent,
    int RunGenerations, double WriteRunSeconds, int Snapshots, long SnapshotBytes,
    double ResumeMs, int ResumeReplayed, int ResumeGeneration, double FullReplayMs, int FullReplayed, int FullGeneration);

/// <summary>
/// Journal cost with the node's own persistence configuration (<see cref="NodeConfig.BuildLocal"/>): latency of
/// persisting <see cref="GenerationCompleted"/> events one at a time (as the optimizer does), and the time a
/// fresh actor takes to recover a long run from its latest snapshot (plus the few events after it) or by
/// replaying every event.
/// </summary>
public static class JournalBench
{
    public static async Task<JournalResult> Measure(string backend, JournalTarget target, string environmentId, int events, int runGenerations, int repetitions)
    {
        var system = ActorSystem.Create("esbench", BenchCommand.Quiet.WithFallback(NodeConfig.BuildLocal(target)));
        var prefix = $"esbench-{Guid.NewGuid():N}";
        var timeout = TimeSpan.FromMinutes(5);
        var used = new List<string>();
        try
        {
            var serializer = new EsSerializer((ExtendedActorSystem)system);
            var (run, _) = RunSettings.Build(environmentId, NodeConfig.RunSettings(environmentId, null), new RunOverrides(Population: 64));
            var stop = new StopCriteria(runGenerations + 1, null);
            var noise = RunLogic.NoiseFor(run);

            // Warm-up (table creation, connection pool, JIT) with its own persistence id.
            used.Add($"{prefix}-warmup");
            var warm = system.ActorOf(JournalProbe.Props(used[^1], true, null));
            await warm.Ask<JournalProbe.PersistDone>(new JournalProbe.PersistOneByOne(Enumerable.Range(0, 5).Select(g => Event(run, g, noise)).ToList()), timeout);
            await Stop(warm);

            // 1. Persist latency, one event at a time.
            var fileBefore = DatabaseBytes(target);
            var generations = Enumerable.Range(0, events).Select(g => (IRunEvent)Event(run, g, noise)).ToList();
            used.Add($"{prefix}-persist");
            var writer = system.ActorOf(JournalProbe.Props(used[^1], true, null));
            var persisted = await writer.Ask<JournalProbe.PersistDone>(new JournalProbe.PersistOneByOne(generations), timeout);
            await Stop(writer);
            var fileAfter = DatabaseBytes(target);
            double? dbPerEvent = fileBefore is { } b && fileAfter is { } a ? (a - b) / (double)events : null;
            var payload = serializer.ToBinary(generations[0]).Length;

            // 2. A long run: events in chunks of snapshot-every with PersistAll, a RunState snapshot after each chunk.
            var runId = $"{prefix}-run";
            used.Add(runId);
            var runEvents = new List<IRunEvent> { new RunStarted(run, stop) };
            for (var g = 0; g < runGenerations; g++) runEvents.Add(Event(run, g, noise));
            var runWriter = system.ActorOf(JournalProbe.Props(runId, true, null));
            var written = await runWriter.Ask<JournalProbe.WriteDone>(new JournalProbe.WriteRun(runEvents, run.SnapshotEvery), timeout);
            await Stop(runWriter);
            if (written.Failure is not null) throw new InvalidOperationException($"writing the run failed: {written.Failure}");
            var snapshotBytes = serializer.ToBinary(written.State).Length;

            // 3. Recovery of a fresh actor: latest snapshot + replay of the rest, then a full replay for comparison.
            var resume = new List<JournalProbe.Recovered>();
            var full = new List<JournalProbe.Recovered>();
            for (var r = 0; r < repetitions; r++)
            {
                resume.Add(await Recover(system, runId, useSnapshot: true, timeout));
                full.Add(await Recover(system, runId, useSnapshot: false, timeout));
            }
            foreach (var rec in resume.Concat(full))
                if (rec.Generation != runGenerations) throw new InvalidOperationException($"recovery reached generation {rec.Generation}, expected {runGenerations}");

            // Leave nothing behind in a shared database (a temporary SQLite file is deleted with its folder).
            if (target.IsPostgres) foreach (var id in used) await Cleanup(system, id, timeout);

            return new JournalResult(backend, events,
                BenchStats.Median(persisted.Latencies) * 1e3, BenchStats.Percentile(persisted.Latencies, 0.9) * 1e3, persisted.Latencies.Average() * 1e3,
                payload, dbPerEvent, runGenerations, written.Seconds, written.Snapshots, snapshotBytes,
                BenchStats.Median(resume.Select(x => x.Seconds)) * 1e3, resume[0].Replayed, resume[0].Generation,
                BenchStats.Median(full.Select(x => x.Seconds)) * 1e3, full[0].Replayed, full[0].Generation);
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>A plausible generation event of population 64 (noise indices from the run's plan, so the update can replay it).</summary>
    public static GenerationCompleted Event(RunDefinition run, int generation, NoiseTable noise)
    {
        var plan = PerturbationPlan.For(run, generation, noise);
        var n = run.Pairs;
        var inputs = run.Network.Inputs;
        var delta = new ObservationStatistics(Enumerable.Range(0, inputs).Select(i => 0.1 * i).ToArray(), Enumerable.Range(0, inputs).Select(i => 0.3 * i + 1).ToArray(), 200);
        return new GenerationCompleted(generation, plan.NoiseIndices,
            Enumerable.Range(0, n).Select(i => Math.Sin(generation + i) * 100).ToArray(), Enumerable.Range(0, n).Select(i => Math.Cos(generation + i) * 100).ToArray(),
            Enumerable.Range(0, n).Select(i => 100 + i).ToArray(), Enumerable.Range(0, n).Select(i => 120 + i).ToArray(), delta,
            Enumerable.Range(0, run.EvaluationEpisodes).Select(i => 50.0 + i).ToArray(), Enumerable.Repeat(200, run.EvaluationEpisodes).ToArray(), 0.5);
    }

    private static async Task<JournalProbe.Recovered> Recover(ActorSystem system, string persistenceId, bool useSnapshot, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<JournalProbe.Recovered>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = system.ActorOf(JournalProbe.Props(persistenceId, useSnapshot, done));
        var result = await done.Task.WaitAsync(timeout);
        await Stop(probe);
        return result;
    }

    private static async Task Cleanup(ActorSystem system, string persistenceId, TimeSpan timeout)
    {
        var probe = system.ActorOf(JournalProbe.Props(persistenceId, true, null));
        try { await probe.Ask<JournalProbe.CleanupDone>(new JournalProbe.Cleanup(), timeout); }
        catch (AskTimeoutException) { }
        await Stop(probe);
    }

    private static Task Stop(IActorRef actor) => actor.GracefulStop(TimeSpan.FromSeconds(30));

    private static long? DatabaseBytes(JournalTarget target)
    {
        if (target.SqlitePath is not { } path) return null;
        long size = 0;
        foreach (var file in new[] { path, path + "-wal", path + "-journal" })
            if (File.Exists(file)) size += new FileInfo(file).Length;
        return size;
    }
}

/// <summary>A persistent actor used only by the bench: writes events like the optimizer and times its own recovery.</summary>
internal sealed class JournalProbe : ReceivePersistentActor
{
    public sealed record PersistOneByOne(IReadOnlyList<IRunEvent> Events);
    public sealed record PersistDone(double[] Latencies);
    public sealed record WriteRun(IReadOnlyList<IRunEvent> Events, int SnapshotEvery);
    public sealed record WriteDone(double Seconds, int Snapshots, RunState State, string? Failure);
    public sealed record Recovered(double Seconds, int Replayed, int Generation, bool FromSnapshot);
    public sealed record Cleanup;
    public sealed record CleanupDone;
    private sealed record Next;

    private readonly string _persistenceId;
    private readonly bool _useSnapshot;
    private readonly long _created = Stopwatch.GetTimestamp();
    private RunState _state = RunState.Empty;
    private int _replayed;
    private bool _fromSnapshot;
    private Queue<IRunEvent> _queue = new();
    private Queue<IRunEvent[]> _chunks = new();
    private List<double> _latencies = new();
    private IActorRef _replyTo = ActorRefs.Nobody;
    private long _started;
    private int _snapshotEvery, _snapshotsPending, _snapshotsDone, _deletesPending;
    private bool _writing;

    public JournalProbe(string persistenceId, bool useSnapshot, TaskCompletionSource<Recovered>? recovered)
    {
        _persistenceId = persistenceId;
        _useSnapshot = useSnapshot;
        Recover<SnapshotOffer>(offer => { if (offer.Snapshot is RunState s) { _state = s; _fromSnapshot = true; } });
        Recover<IRunEvent>(e => { _replayed++; Apply(e); });
        Recover<RecoveryCompleted>(_ => recovered?.TrySetResult(new Recovered(Stopwatch.GetElapsedTime(_created).TotalSeconds, _replayed, _state.Generation, _fromSnapshot)));

        Command<PersistOneByOne>(cmd =>
        {
            _queue = new Queue<IRunEvent>(cmd.Events);
            _latencies = new List<double>(cmd.Events.Count);
            _replyTo = Sender;
            PersistNext();
        });
        Command<Next>(_ => { if (_writing) WriteNextChunk(); else PersistNext(); });
        Command<WriteRun>(cmd =>
        {
            _replyTo = Sender;
            _snapshotEvery = cmd.SnapshotEvery;
            _chunks = new Queue<IRunEvent[]>();
            _chunks.Enqueue(cmd.Events.Take(1).ToArray());
            foreach (var chunk in cmd.Events.Skip(1).Chunk(cmd.SnapshotEvery)) _chunks.Enqueue(chunk);
            _writing = true;
            _started = Stopwatch.GetTimestamp();
            WriteNextChunk();
        });
        Command<SaveSnapshotSuccess>(_ => { _snapshotsPending--; _snapshotsDone++; MaybeFinishWrite(); });
        Command<SaveSnapshotFailure>(f =>
        {
            _writing = false;
            _replyTo.Tell(new WriteDone(0, _snapshotsDone, _state, f.Cause.Message));
        });
        Command<Cleanup>(_ =>
        {
            _replyTo = Sender;
            _deletesPending = 2;
            DeleteMessages(LastSequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue));
        });
        Command<DeleteMessagesSuccess>(_ => Deleted());
        Command<DeleteMessagesFailure>(_ => Deleted());
        Command<DeleteSnapshotsSuccess>(_ => Deleted());
        Command<DeleteSnapshotsFailure>(_ => Deleted());
    }

    public override string PersistenceId => _persistenceId;
    public override Recovery Recovery => _useSnapshot ? Recovery.Default : new Recovery(SnapshotSelectionCriteria.None);

    public static Props Props(string persistenceId, bool useSnapshot, TaskCompletionSource<Recovered>? recovered) =>
        Akka.Actor.Props.Create(() => new JournalProbe(persistenceId, useSnapshot, recovered));

    private void Apply(IRunEvent e)
    {
        if (e is RunStarted || _state.IsStarted) _state = RunLogic.Apply(_state, e);
    }

    private void PersistNext()
    {
        if (_queue.Count == 0) { _replyTo.Tell(new PersistDone(_latencies.ToArray())); return; }
        var started = Stopwatch.GetTimestamp();
        Persist(_queue.Dequeue(), _ =>
        {
            _latencies.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            Self.Tell(new Next());
        });
    }

    private void WriteNextChunk()
    {
        if (_chunks.Count == 0) { _writing = false; MaybeFinishWrite(); return; }
        var chunk = _chunks.Dequeue();
        var last = chunk[^1];
        PersistAll(chunk, e =>
        {
            Apply(e);
            if (!ReferenceEquals(e, last)) return;
            if (_state.Generation > 0 && _state.Generation % _snapshotEvery == 0) { SaveSnapshot(_state); _snapshotsPending++; }
            Self.Tell(new Next());
        });
    }

    private void MaybeFinishWrite()
    {
        if (_writing || _chunks.Count > 0 || _snapshotsPending > 0 || _replyTo.IsNobody()) return;
        _replyTo.Tell(new WriteDone(Stopwatch.GetElapsedTime(_started).TotalSeconds, _snapshotsDone, _state, null));
        _replyTo = ActorRefs.Nobody;
    }

    private void Deleted()
    {
        if (--_deletesPending == 0) _replyTo.Tell(new CleanupDone());
    }
}
