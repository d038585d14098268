namespace Sonia.Silo;

public static class Program
{
    public static Task<int> Main(string[] args) => SiloProgram.RunAsync(args);
}
