using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace EsActors.Node.Optimizer;

/// <summary>
/// Reads the journal once when a node that may host the optimizer starts: recovers a persistence id that is never
/// written (a snapshot query, a highest-sequence-number query, an empty replay) and stops. The journal plugin's first
/// use (connection pool, schema check, query compilation) took 4–14 s on a loaded 2-core machine; done here, it is
/// off the path of a handover, where the new optimizer's host would otherwise pay it while no generation completes.
/// </summary>
public sealed class JournalWarmup : ReceivePersistentActor
{
    private const string NeverWritten = "esactors-journal-warmup";

    public JournalWarmup()
    {
        var started = DateTime.UtcNow;
        Recover<RecoveryCompleted>(_ =>
        {
            Context.GetLogger().Debug("Journal read once in {Seconds:0.0} s (warm for a handover)", (DateTime.UtcNow - started).TotalSeconds);
            Context.Stop(Self);
        });
        Recover<object>(_ => { });
    }

    public override string PersistenceId => NeverWritten;

    /// <summary>A journal that cannot be read now is the optimizer's business when it starts; nothing to do here.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        Context.GetLogger().Debug("Journal warm-up read failed: {Reason}", reason.Message);

    public static Props Props() => Akka.Actor.Props.Create(() => new JournalWarmup());
}
