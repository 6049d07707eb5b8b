using System.Runtime.CompilerServices;

// Test hooks of the MuJoCo environments (state injection, timing, probe helpers) are internal.
[assembly: InternalsVisibleTo("EsActors.MuJoCo.Tests")]
[assembly: InternalsVisibleTo("EsActors.MuJoCo.Probe")]
