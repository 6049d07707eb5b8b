using Akka.Configuration.Hocon;

namespace EsActors.Node.Configuration;

/// <summary>
/// Akka's HOCON parser silently accepts much malformed text: an unclosed or stray brace, an unterminated
/// string, an unclosed array or a key without a value all parse "successfully" (the key then reads as null,
/// which surfaces much later as an unrelated error). This check finds those problems so a bad --config file
/// is reported as malformed HOCON, naming the line or the setting.
/// </summary>
public static class HoconCheck
{
    /// <summary>A description of the first structural problem in <paramref name="text"/>, or null.</summary>
    public static string? FindSyntaxProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n': line++; break;
                case '#': i = SkipToEndOfLine(text, i); break;
                case '/' when i + 1 < text.Length && text[i + 1] == '/': i = SkipToEndOfLine(text, i); break;
                case '"' when string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0:
                {
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) return $"unterminated \"\"\" string starting on line {line}";
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    while (i + 1 < text.Length && text[i + 1] == '"') i++; // """a"""" ends with the last quotes
                    break;
                }
                case '"':
                {
                    var j = i + 1;
                    while (j < text.Length && text[j] != '"' && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
                    if (j >= text.Length || text[j] != '"') return $"unterminated string on line {line}";
                    i = j;
                    break;
                }
                case '{' or '[': open.Push((c, line)); break;
                case '}' or ']':
                {
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0 || open.Peek().Bracket != expected) return $"unexpected '{c}' on line {line}";
                    open.Pop();
                    break;
                }
            }
        }
        return open.Count > 0 ? $"'{open.Peek().Bracket}' opened on line {open.Peek().Line} is never closed" : null;
    }

    /// <summary>The path of the first setting that parsed without a value (e.g. "a = " or "a ::: b"), or null.</summary>
    public static string? FindKeyWithoutValue(HoconValue root) => Walk(root, "", 0);

    private static string? Walk(HoconValue value, string path, int depth)
    {
        // Unresolved optional substitutions can make the tree self-referential: do not follow it forever.
        if (depth > 32) return null;
        if (value.Values.Count == 0) return path.Length == 0 ? null : path;
        if (!value.IsObject()) return null;
        foreach (var (key, child) in value.GetObject().Items)
            if (Walk(child, path.Length == 0 ? key : $"{path}.{key}", depth + 1) is { } found) return found;
        return null;
    }

    private static int SkipToEndOfLine(string text, int i)
    {
        var end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end - 1;
    }
}
