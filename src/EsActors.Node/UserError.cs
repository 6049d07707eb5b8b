namespace EsActors.Node;

/// <summary>A problem with the user's input: printed as one line, without a stack trace, with a non-zero exit.</summary>
public sealed class UserError(string message) : Exception(message);
