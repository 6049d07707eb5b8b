using EsActors.Environments;
using EsActors.Environments.MuJoCo;

namespace EsActors.MuJoCo.Tests;

internal static class MuJoCoTestSupport
{
    public static readonly string[] AllIds = ["Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", "Swimmer-v4", "Ant-v4", "Humanoid-v4"];

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var id in AllIds) data.Add(id);
        return data;
    }

    public static MuJoCoEnvironment Create(string id) => (MuJoCoEnvironment)EnvironmentRegistry.Create(id);

    public static float[] Constant(EnvironmentSpec spec, float value) => Enumerable.Repeat(value, spec.Action.Size).ToArray();
}
