namespace EsActors.Node;

/// <summary>The process exit codes of every command (README, "Exit codes").</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The run stopped without finishing (its reason is printed).</summary>
    public const int RunFailed = 1;
    /// <summary>Bad input: arguments, configuration, environment ids, files.</summary>
    public const int BadInput = 2;
    /// <summary>This node is incompatible with the cluster it joined (another protocol version or environment registry).</summary>
    public const int Incompatible = 3;
    /// <summary>The journal cannot be reached or opened (PostgreSQL down, SQLite locked by another process).</summary>
    public const int JournalUnavailable = 4;
    /// <summary>The cluster's management endpoint (<c>status --management URL</c>) did not answer.</summary>
    public const int ClusterUnreachable = 5;
    /// <summary>
    /// Other nodes removed this one from the cluster (downed: it was cut off from the majority, or an operator downed it).
    /// The run goes on where the majority is; a supervisor may simply start the node again.
    /// </summary>
    public const int Downed = 6;

    /// <summary>The one line a node prints when the cluster removed it without its asking.</summary>
    public const string DownedMessage =
        "this node was removed from the cluster by the other nodes (downed: cut off from the majority by a network partition or a long pause, or downed by an operator)";
}

/// <summary>A problem with the user's input or surroundings: printed as one line, without a stack trace, with a non-zero exit.</summary>
public class UserError(string message, int exitCode = ExitCodes.BadInput) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
