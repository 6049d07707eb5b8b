using System.Globalization;
using EsActors.Environments;
using EsActors.Environments.MuJoCo;
using EsActors.Environments.MuJoCo.Interop;

// Usage:
//   EsActors.MuJoCo.Probe trajectory <env-id> <seed> <steps> <output-file>
//       writes the TrajectoryProbe hash of the rollout to <output-file>
//   EsActors.MuJoCo.Probe fatal-error <message>
//       calls mju_error: the installed handler must stop the process at once with the message
if (args.Length >= 5 && args[0] == "trajectory")
{
    var seed = ulong.Parse(args[2], CultureInfo.InvariantCulture);
    var steps = int.Parse(args[3], CultureInfo.InvariantCulture);
    using var env = EnvironmentRegistry.Create(args[1]);
    var hash = TrajectoryProbe.Hash(env, seed, steps);
    File.WriteAllText(args[4], hash);
    return 0;
}
if (args.Length >= 2 && args[0] == "fatal-error")
{
    MuJoCoNative.Instance.RaiseFatalErrorForTest(args[1]);
    Console.WriteLine("still running after mju_error");
    return 3;
}
Console.Error.WriteLine("usage: trajectory <env-id> <seed> <steps> <output-file> | fatal-error <message>");
return 2;
