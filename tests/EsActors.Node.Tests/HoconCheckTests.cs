using Akka.Configuration;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests;

/// <summary>
/// The structural HOCON check that backs "malformed HOCON" errors (Akka's own parser accepts unclosed braces,
/// unterminated strings and keys without values): no false alarms on valid HOCON, a line number on bad HOCON.
/// </summary>
public sealed class HoconCheckTests
{
    [Theory]
    [InlineData("a = 1")]
    [InlineData("a { b = [1, 2, 3], c = \"x{y]\" }")]
    [InlineData("# a comment with { and \"\na = 1 // another } comment\nb = 2")]
    [InlineData("a = \"\"\"multi\nline { \" text\"\"\"\nb { }")]
    [InlineData("a = \"escaped \\\" quote\"")]
    [InlineData("a = 1\nb = ${a}\nc = ${?UNSET_ENV_VARIABLE_FOR_TEST}")]
    [InlineData("akka.cluster.seed-nodes = [\"akka.tcp://esactors@127.0.0.1:4053\"]")]
    [InlineData("a = null\nb = []\nc = {}")]
    [InlineData("")]
    public void Valid_hocon_passes_the_check(string hocon)
    {
        Assert.Null(HoconCheck.FindSyntaxProblem(hocon));
        var config = ConfigurationFactory.ParseString(hocon);
        if (config.Root is { } root) Assert.Null(HoconCheck.FindKeyWithoutValue(root));
    }

    [Theory]
    [InlineData("a {\n  b = 1\n", "'{' opened on line 1 is never closed")]
    [InlineData("a = [1, 2\n", "'[' opened on line 1 is never closed")]
    [InlineData("a = 1\n}\n", "unexpected '}' on line 2")]
    [InlineData("a = [1 }", "unexpected '}' on line 1")]
    [InlineData("a = 1\nb = \"open\nc = 2", "unterminated string on line 2")]
    [InlineData("a = \"\"\"never closed", "unterminated \"\"\" string starting on line 1")]
    public void Structural_problems_are_found_with_their_line(string hocon, string problem) =>
        Assert.Equal(problem, HoconCheck.FindSyntaxProblem(hocon));

    [Theory]
    [InlineData("a { b = \n}", "a.b")]
    [InlineData("junk words ::: ===\n", "junk words")]
    public void Keys_without_a_value_are_named(string hocon, string key) =>
        Assert.Equal(key, HoconCheck.FindKeyWithoutValue(ConfigurationFactory.ParseString(hocon).Root));

    [Fact]
    public void Every_built_in_hocon_file_passes_the_check()
    {
        var files = Directory.GetFiles(NodeConfig.HoconDirectory, "*.conf", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files) NodeConfig.LoadFile(file, "built-in"); // throws UserError on a false alarm
    }
}
