using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace EsActors.Node.Security;

/// <summary>
/// The mailbox of the actors that hold or change a run (run host, optimizer, replica, evaluators): a message is
/// enqueued only when <see cref="MemberAuthority"/> admits its sender; anything else is dropped and logged before the
/// actor sees it. Checking at the mailbox covers every way in — a singleton proxy, an actor path, a wildcard
/// selection (which can reach an optimizer whose name is not known) — without a check in each handler. The queue is
/// deque-based, as persistent actors and stashes need.
/// </summary>
public sealed class MemberCheckedMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<MemberCheckedMessageQueue>
{
    /// <summary>The HOCON path of this mailbox (hocon/security.conf), for <c>Props.WithMailbox</c>.</summary>
    public const string ConfigPath = "esactors.member-checked-mailbox";

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new MemberCheckedMessageQueue(MemberAuthority.Get(system), owner);
}

public sealed class MemberCheckedMessageQueue(MemberAuthority authority, IActorRef? owner) : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    private readonly UnboundedDequeMessageQueue _queue = new();

    public bool HasMessages => _queue.HasMessages;
    public int Count => _queue.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        if (authority.Refusal(envelope.Sender, envelope.Message) is { } why) authority.LogRefused(owner ?? receiver, envelope.Sender, envelope.Message, why);
        else _queue.Enqueue(receiver, envelope);
    }

    /// <summary>Unstashing puts back what was already admitted.</summary>
    public void EnqueueFirst(Envelope envelope) => _queue.EnqueueFirst(envelope);

    public bool TryDequeue(out Envelope envelope) => _queue.TryDequeue(out envelope);

    public void CleanUp(IActorRef owner, IMessageQueue deadletters) => _queue.CleanUp(owner, deadletters);
}
