using Akka.Actor;
using Akka.Event;
using EsActors.Domain.Runs;
using EsActors.Node.Protocol;

namespace EsActors.Node.Evaluation;

/// <summary>
/// The node's copy of one run's state (θ, optimizer moments, observation statistics), shared by its evaluators
/// (a <see cref="ReplicaDirectory"/> keeps one per run, so runs sharing the cluster never evict each other's θ).
/// It advances by replaying the optimizer's per-generation scalars through the same pure update
/// (Algorithm 2 of Salimans et al. 2017), and fetches the whole state only when it is empty, too far behind,
/// or its digest disagrees with the one a seed batch carries.
/// </summary>
public sealed class ParameterReplica : ReceiveActor, IWithTimers
{
    /// <summary>Evaluator → replica (local): I need the state of this generation.</summary>
    public sealed record AcquireState(string RunId, int Generation, ulong Checksum, IActorRef Optimizer);

    public sealed record StateReady(RunState State);

    /// <summary>The requested generation is already past on this node (a stale batch).</summary>
    public sealed record StateStale(int ReplicaGeneration);

    /// <summary>Counters for tests and status: how the replica kept up.</summary>
    public sealed record GetReplicaStats;
    public sealed record ReplicaStats(int Generation, int Fetches, int ReplayedGenerations);

    private const string RetryTimer = nameof(RetryTimer);
    private sealed record RetryRequest;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int _replayWindow;
    private readonly List<(AcquireState Request, IActorRef Requester)> _waiting = new();
    private RunState? _state;
    private ulong _checksum;
    private string? _runId;
    private IActorRef _optimizer = ActorRefs.Nobody;
    private bool _requestInFlight;
    private int _fetches, _replayed;

    private readonly ReplicaView _view;

    public ParameterReplica(int replayWindow, ReplicaView? view = null)
    {
        _replayWindow = replayWindow;
        _view = view ?? new ReplicaView();
        Receive<AcquireState>(OnAcquire);
        Receive<GenerationsReply>(OnGenerations);
        Receive<StateReply>(OnState);
        Receive<GenerationApplied>(OnPushed);
        Receive<RetryRequest>(_ => { _requestInFlight = false; RequestUpdate(); });
        Receive<GetReplicaStats>(_ => Sender.Tell(new ReplicaStats(_state?.Generation ?? -1, _fetches, _replayed)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(int replayWindow, ReplicaView? view = null) => Akka.Actor.Props.Create(() => new ParameterReplica(replayWindow, view));

    /// <summary>An evicted replica's θ is no longer offered to the evaluators.</summary>
    protected override void PostStop()
    {
        if (_runId is not null) _view.Publish(_runId, null);
        base.PostStop();
    }

    private void OnAcquire(AcquireState request)
    {
        _optimizer = request.Optimizer;
        if (_runId != request.RunId)
        {
            if (_runId is not null) _view.Publish(_runId, null);
            _runId = request.RunId;
            SetState(null);
        }
        _waiting.Add((request, Sender));
        Serve();
    }

    private void OnGenerations(GenerationsReply reply)
    {
        if (reply.RunId != _runId) return;
        _requestInFlight = false;
        Timers.Cancel(RetryTimer);
        if (!reply.Available || _state is null) { Fetch(); return; }
        foreach (var generation in reply.Generations)
        {
            if (generation.Generation != _state.Generation) continue;
            SetState(RunLogic.Apply(_state, generation));
            _replayed++;
        }
        Serve();
    }

    /// <summary>The optimizer's broadcast after each generation: apply it if it is the next one for this replica.</summary>
    private void OnPushed(GenerationApplied pushed)
    {
        if (pushed.RunId != _runId || _state is null || pushed.Generation.Generation != _state.Generation) return;
        SetState(RunLogic.Apply(_state, pushed.Generation));
        _replayed++;
        Serve();
    }

    private void OnState(StateReply reply)
    {
        if (reply.RunId != _runId) return;
        _requestInFlight = false;
        Timers.Cancel(RetryTimer);
        SetState(reply.State);
        _fetches++;
        _log.Info("Replica of run {RunId} loaded state of generation {Generation} ({Parameters} parameters)", reply.RunId, reply.State.Generation, reply.State.Theta.Length);
        Serve();
    }

    /// <summary>Answers every waiter the current state can answer; asks the optimizer for more if needed.</summary>
    private void Serve()
    {
        var needMore = false;
        var mismatch = false;
        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            var (request, requester) = _waiting[i];
            if (_state is null) { needMore = true; continue; }
            if (request.Generation < _state.Generation)
            {
                requester.Tell(new StateStale(_state.Generation));
                _waiting.RemoveAt(i);
            }
            else if (request.Generation == _state.Generation)
            {
                if (_checksum == request.Checksum)
                {
                    requester.Tell(new StateReady(_state));
                    _waiting.RemoveAt(i);
                }
                else mismatch = true;
            }
            else needMore = true;
        }
        if (mismatch)
        {
            _log.Warning("Replica of run {RunId} disagrees with the optimizer at generation {Generation}; fetching the state", _runId, _state!.Generation);
            if (!_requestInFlight) Fetch();
        }
        else if (needMore) RequestUpdate();
    }

    private void RequestUpdate()
    {
        if (_requestInFlight || _waiting.Count == 0 || _runId is null) return;
        var target = _waiting.Max(w => w.Request.Generation);
        if (_state is null || target - _state.Generation > _replayWindow) { Fetch(); return; }
        _requestInFlight = true;
        _optimizer.Tell(new GetGenerations(_runId, _state.Generation, target));
        Timers.StartSingleTimer(RetryTimer, new RetryRequest(), TimeSpan.FromSeconds(5));
    }

    /// <summary>Replaces the state; its digest is computed once here, not once per waiting evaluator.</summary>
    private void SetState(RunState? state)
    {
        _state = state;
        _checksum = state?.Checksum() ?? 0;
        if (_runId is not null) _view.Publish(_runId, state is null ? null : new ReplicaView.Snapshot(_runId, state, _checksum));
    }

    private void Fetch()
    {
        if (_runId is null) return;
        _requestInFlight = true;
        _optimizer.Tell(new FetchState(_runId));
        Timers.StartSingleTimer(RetryTimer, new RetryRequest(), TimeSpan.FromSeconds(5));
        // A retry after a failed fetch fetches again rather than replaying onto a state we no longer trust.
        if (_state is not null && _waiting.Any(w => w.Request.Generation == _state.Generation && w.Request.Checksum != _checksum)) SetState(null);
    }
}
