using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EsActors.Node.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into lines an operator can act on: every error on its own line, values
/// described in words ("an integer", not System.Int32), and a "did you mean" line for a misspelt command or option.
/// </summary>
public static class ParseErrors
{
    /// <summary>How far (Levenshtein) a token may be from a known name and still be suggested.</summary>
    private const int MaxSuggestionDistance = 2;

    /// <summary>One entry per problem: its message (without the <c>error:</c> prefix) and the nearest known name, if any is close.</summary>
    public static IReadOnlyList<(string Message, string? Suggestion)> Describe(ParseResult parsed)
    {
        var errors = new List<(string, string?)>();
        var unknown = UnknownTokens(parsed);
        foreach (var error in parsed.Errors)
        {
            // An unknown command already says what is wrong; "no command given" on top of it would only repeat it.
            if (IsMissingCommand(error) && unknown.Any(u => u.Command == error.SymbolResult)) continue;
            if (unknown.Any(u => u.Value == error)) continue; // reported with its option below
            if (unknown.FirstOrDefault(u => u.Error == error) is { Error: not null } match)
            {
                errors.Add((UnknownTokenMessage(match.Token, match.Command!, match.Value is not null), Suggest(match.Token, match.Command!)));
                continue;
            }
            if (IsMissingCommand(error) && error.SymbolResult is CommandResult parent)
            {
                errors.Add(($"no command given (commands: {SubcommandNames(parent)})", null));
                continue;
            }
            errors.Add((error.SymbolResult is OptionResult option && OptionError(option, error) is { } value ? value : error.Message.TrimEnd('.'), null));
        }
        return errors;
    }

    /// <summary>
    /// The unrecognized tokens, each with the command it appeared under; a plain word right after an unknown option
    /// is taken as that option's value (so <c>--no-such 3</c> is one problem, not two), and everything after an
    /// unknown command belongs to that command (so <c>trian --env X</c> is one problem too).
    /// </summary>
    private static List<(ParseError? Error, string Token, CommandResult? Command, ParseError? Value)> UnknownTokens(ParseResult parsed)
    {
        var found = new List<(ParseError? Error, string Token, CommandResult? Command, ParseError? Value)>();
        ParseError? previousOption = null;
        CommandResult? afterUnknownCommand = null;
        foreach (var error in parsed.Errors)
        {
            if (error.SymbolResult is not CommandResult command || UnrecognizedToken(error, parsed) is not { } token) { previousOption = null; continue; }
            if (command == afterUnknownCommand)
            {
                found.Add((null, token, command, error));
                continue;
            }
            if (!token.StartsWith('-') && previousOption is null && command.Command.Subcommands.Count > 0) afterUnknownCommand = command;
            if (previousOption is not null && !token.StartsWith('-'))
            {
                var last = found[^1];
                found[^1] = last with { Value = error };
                previousOption = null;
                continue;
            }
            found.Add((error, token, command, null));
            previousOption = token.StartsWith('-') ? error : null;
        }
        return found;
    }

    private static string? UnrecognizedToken(ParseError error, ParseResult parsed) =>
        parsed.UnmatchedTokens.FirstOrDefault(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal));

    private static bool IsMissingCommand(ParseError error) =>
        error.SymbolResult is CommandResult && error.Message.StartsWith("Required command was not provided", StringComparison.Ordinal);

    private static string UnknownTokenMessage(string token, CommandResult command, bool hasValue)
    {
        var where = CommandPath(command);
        if (token.StartsWith('-')) return $"unknown option '{token}' for '{where}'";
        return command.Command.Subcommands.Count > 0 && !hasValue
            ? $"unknown command '{token}' (commands: {SubcommandNames(command)})"
            : $"unexpected argument '{token}' for '{where}'";
    }

    private static string SubcommandNames(CommandResult command) =>
        string.Join(", ", command.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? s = command; s is not null; s = s.Parent)
            if (s is CommandResult c) names.Insert(0, c.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>The closest option (for a token starting with '-') or subcommand of the command, or null when none is close.</summary>
    public static string? Suggest(string token, CommandResult command)
    {
        IEnumerable<string> candidates = token.StartsWith('-')
            ? OptionsInScope(command).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))
            : command.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
        return Closest(token, candidates);
    }

    /// <summary>The name nearest to <paramref name="token"/>: within <see cref="MaxSuggestionDistance"/> edits, or one it is a prefix of.</summary>
    public static string? Closest(string token, IEnumerable<string> candidates) =>
        candidates
            .Distinct(StringComparer.Ordinal)
            .Select(name => (name, distance: Levenshtein(token, name)))
            .Where(c => c.distance <= MaxSuggestionDistance || (token.TrimStart('-').Length >= 2 && c.name.StartsWith(token, StringComparison.Ordinal)))
            .OrderBy(c => c.distance).ThenBy(c => c.name, StringComparer.Ordinal)
            .Select(c => c.name)
            .FirstOrDefault();

    private static IEnumerable<Option> OptionsInScope(CommandResult command)
    {
        foreach (var option in command.Command.Options) yield return option;
        for (var parent = command.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
            foreach (var option in parent.Command.Options.Where(o => o.Recursive)) yield return option;
    }

    public static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>"--population expects an integer, got 'abc'" for a value that does not parse as the option's type.</summary>
    private static string? OptionError(OptionResult result, ParseError error)
    {
        if (result.Tokens.Count == 0 && error.Message.StartsWith("Required argument missing", StringComparison.Ordinal))
            return $"{result.Option.Name} needs a value";
        var type = result.Option.ValueType;
        var element = type.IsArray ? type.GetElementType()! : type;
        element = Nullable.GetUnderlyingType(element) ?? element;
        var bad = result.Tokens.Select(t => t.Value).FirstOrDefault(v => !Parses(element, v));
        return bad is null ? null : $"{result.Option.Name} expects {InWords(element)}, got '{bad}'";
    }

    private static bool Parses(Type type, string value)
    {
        var c = CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, c, out _),
            _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, c, out _),
            _ when type == typeof(ulong) => ulong.TryParse(value, NumberStyles.Integer, c, out _),
            _ when type == typeof(float) => float.TryParse(value, NumberStyles.Float, c, out _),
            _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, c, out _),
            _ when type == typeof(bool) => bool.TryParse(value, out _),
            _ when type.IsEnum => Enum.TryParse(type, value, ignoreCase: true, out _),
            _ => true,
        };
    }

    private static string InWords(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "an integer",
        _ when type == typeof(ulong) => "a non-negative integer",
        _ when type == typeof(float) || type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant())),
        _ => "a value",
    };
}
