using Akka.Cluster;
using EsActors.Node.Clustering;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;

namespace EsActors.Node.Operations;

/// <summary>One point of the learning curve: mean noiseless evaluation and mean training return after a generation.</summary>
public sealed record CurvePoint(int Generation, long TrainingTimesteps, double EvalReturn, double MeanReturn);

/// <summary>A member row of the dashboard: cluster status joined with the optimizer's per-node work figures.</summary>
public sealed record DashboardMember(string Node, string Status, bool Reachable, int Slots, long Batches, long Steps, double StepsPerBusySecond, int Reissued, int Backups);

/// <summary>What <c>/api/dashboard</c> returns and the page shows.</summary>
public sealed record DashboardSnapshot(
    string RunId, string State, IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<CurvePoint> Curve,
    IReadOnlyList<DashboardMember> Members, int Reissued, int Backups, int Slots, double StepsPerSecond);

/// <summary>
/// The live run as the dashboard shows it, fed by <c>train</c>'s progress monitor (every generation) and, on a
/// resume, by the rows progress.csv already had. Thread-safe: the monitor writes, HTTP requests read.
/// </summary>
public sealed class DashboardState(string runId, IReadOnlyList<KeyValuePair<string, string>> settings)
{
    private readonly object _lock = new();
    private readonly List<CurvePoint> _curve = new();
    private GenerationProgress? _last;
    private string _state = "starting";

    public void Load(IEnumerable<ProgressRow> rows)
    {
        lock (_lock)
        {
            // Rows of earlier generations (a resumed run); live ones may already be here.
            var known = _curve.Select(p => p.Generation).ToHashSet();
            _curve.AddRange(rows.Where(r => !known.Contains(r.Generation)).Select(r => new CurvePoint(r.Generation, r.TrainingTimesteps, r.EvalReturn, r.MeanReturn)));
            _curve.Sort((a, b) => a.Generation.CompareTo(b.Generation));
        }
    }

    public void OnGeneration(GenerationProgress p)
    {
        lock (_lock)
        {
            var f = p.Figures;
            // Generation numbers in progress.csv are 1-based (rows are written after the generation), as here.
            if (_curve.Count == 0 || _curve[^1].Generation < f.Generation + 1) _curve.Add(new CurvePoint(f.Generation + 1, f.TrainingTimesteps, f.EvaluationMean, f.MeanReturn));
            _last = p;
            _state = p.Finished ? "finished" : "running";
        }
    }

    public void OnStopped(string state) { lock (_lock) _state = state; }

    public DashboardSnapshot Snapshot(Cluster? cluster)
    {
        lock (_lock)
        {
            var work = (_last?.Nodes ?? []).ToDictionary(n => n.Node, StringComparer.Ordinal);
            var members = new List<DashboardMember>();
            if (cluster is not null)
            {
                var state = cluster.State;
                foreach (var m in state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal))
                {
                    // The optimizer keys its figures by host:port:uid (EvaluatorIds.Node), the cluster by address.
                    var key = EvaluatorIds.Node(m.UniqueAddress);
                    var w = work.GetValueOrDefault(key);
                    work.Remove(key);
                    members.Add(new DashboardMember(m.Address.ToString(), m.Status.ToString(), !state.Unreachable.Contains(m), w?.Slots ?? 0, w?.Batches ?? 0, w?.Steps ?? 0,
                        w?.StepsPerBusySecond ?? 0, w?.Reissued ?? 0, w?.Backups ?? 0));
                }
            }
            // Nodes the optimizer still counts but the cluster has removed (they left or were downed).
            foreach (var w in work.Values.OrderBy(w => w.Node, StringComparer.Ordinal))
                members.Add(new DashboardMember(w.Node, "Removed", false, w.Slots, w.Batches, w.Steps, w.StepsPerBusySecond, w.Reissued, w.Backups));
            return new DashboardSnapshot(runId, _state, settings, _curve.ToArray(), members, _last?.Reissued ?? 0, _last?.Backups ?? 0, _last?.Evaluators ?? 0,
                _last?.Figures.StepsPerSecond ?? 0);
        }
    }
}
