using EsActors.Node.Protocol;

namespace EsActors.Node.Optimizer;

/// <summary>
/// Which runs the cluster trains, as the run host's events say: a pure fold used by the run host's recovery and by
/// <c>runs</c>. Runs are kept in the order they were started (the order slots are shared out in).
/// </summary>
public sealed record HostedRuns(IReadOnlyList<string> RunIds)
{
    public static readonly HostedRuns Empty = new([]);

    public bool Contains(string runId) => RunIds.Contains(runId, StringComparer.Ordinal);

    /// <summary>
    /// <see cref="RunActivated"/> (journals of builds before several runs could share a cluster) makes its run the only
    /// one, as those builds did; <see cref="RunHosted"/> adds a run beside the others; <see cref="RunRetired"/> removes one.
    /// </summary>
    public HostedRuns Apply(object @event) => @event switch
    {
        RunActivated e => new HostedRuns([e.RunId]),
        RunHosted e when !Contains(e.RunId) => new HostedRuns([.. RunIds, e.RunId]),
        RunRetired e when Contains(e.RunId) => new HostedRuns(RunIds.Where(id => id != e.RunId).ToArray()),
        _ => this,
    };
}
