using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using EsActors.Node.Protocol;
using EsActors.Node.Optimizer;

namespace EsActors.Node.Cli;

/// <summary>Subscribes to a run's progress topic and hands each message to the command that started it.</summary>
public sealed class RunMonitor : ReceiveActor
{
    public RunMonitor(string runId, IActorRef mediator, Action<GenerationProgress> onProgress, Action<RunFailed> onFailed, TaskCompletionSource subscribed)
    {
        mediator.Tell(new Subscribe(OptimizerActor.TopicFor(runId), Self));
        Receive<SubscribeAck>(_ => subscribed.TrySetResult());
        Receive<GenerationProgress>(onProgress);
        Receive<RunFailed>(onFailed);
        Receive<RunPaused>(p => Console.Error.WriteLine($"run {p.RunId} paused: {p.Reason}; the optimizer restarts with backoff and goes on from the journal"));
    }

    public static Props Props(string runId, IActorRef mediator, Action<GenerationProgress> onProgress, Action<RunFailed> onFailed, TaskCompletionSource subscribed) =>
        Akka.Actor.Props.Create(() => new RunMonitor(runId, mediator, onProgress, onFailed, subscribed));
}
