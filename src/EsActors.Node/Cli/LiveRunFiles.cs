using Akka.Actor;
using EsActors.Domain.Runs;
using EsActors.Node.Configuration;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using Serilog;

namespace EsActors.Node.Cli;

/// <summary>
/// The interim files of a live run: policy.bin every <see cref="OutputSettings.PolicyEvery"/> generations and
/// curve.png at most every <see cref="OutputSettings.CurveInterval"/>. Written in the background, one write at a
/// time, so the progress monitor never waits for a disk or a plot; a write that falls due while another runs is
/// done with the next generation.
/// </summary>
internal sealed class LiveRunFiles(EsNode node, string runId, string directory, OutputSettings settings, ProgressLog progress)
{
    private readonly object _lock = new();
    private Task _pending = Task.CompletedTask;
    private bool _policyOwed;
    private DateTime _lastCurve = DateTime.UtcNow;

    public void OnGeneration(GenerationProgress p)
    {
        lock (_lock)
        {
            _policyOwed |= (p.Generation + 1) % settings.PolicyEvery == 0;
            var curveDue = DateTime.UtcNow - _lastCurve >= settings.CurveInterval;
            if ((!_policyOwed && !curveDue) || !_pending.IsCompleted) return;
            var (policy, generation) = (_policyOwed, p.Generation + 1);
            _policyOwed = false;
            if (curveDue) _lastCurve = DateTime.UtcNow;
            _pending = Task.Run(() => Write(policy ? generation : null, curveDue));
        }
    }

    /// <summary>Completes when no interim write is running (the final files must not be overwritten by a late one).</summary>
    public Task Idle() { lock (_lock) return _pending; }

    private async Task Write(int? policyAt, bool curve)
    {
        try
        {
            if (policyAt is { } generation && await StateAtLeast(generation) is { } state)
                RunOutputs.WritePolicies(directory, state);
            if (curve)
                LearningCurves.WriteRun(Path.Combine(directory, LearningCurves.CurveFile), RunOutputs.CurveTitle(node.ReplicaView.For(runId)?.State.Definition), progress.Rows);
        }
        catch (Exception e)
        {
            Log.Warning(e, "Could not refresh the files of run {RunId} in {Directory}", runId, directory);
        }
    }

    /// <summary>θ at the generation or later: this node's replica when it follows the run, else the optimizer's.</summary>
    private async Task<RunState?> StateAtLeast(int generation)
    {
        if (node.ReplicaView.For(runId) is { } view && view.State.Generation >= generation) return view.State;
        var reply = await node.Optimizer.Ask<IEsMessage>(new FetchState(runId), TimeSpan.FromSeconds(10));
        return reply is StateReply { State.IsStarted: true } s ? s.State : null;
    }
}
