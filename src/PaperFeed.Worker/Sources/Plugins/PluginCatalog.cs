using System.Reflection;
using System.Runtime.Loader;
using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources.Plugins;

/// <summary><c>PaperFeed:Plugins</c>.</summary>
public sealed class PluginOptions
{
    /// <summary>The plug-ins folder; relative paths are relative to the worker's executable.</summary>
    public string Path { get; set; } = "plugins";
}

/// <summary>
/// Source types found in the plug-ins folder. A plug-in is a published class library that references
/// PaperFeed.Contracts only: either <c>plugins/&lt;name&gt;/&lt;Assembly&gt;.dll</c> beside its <c>.deps.json</c>
/// (what <c>dotnet publish</c> writes), or a lone <c>plugins/&lt;Assembly&gt;.dll</c>. Each loads into a context of its
/// own, so its dependencies cannot clash with the worker's, while PaperFeed.Contracts is shared so that its types are
/// the worker's. A plug-in that fails to load is reported and skipped; the others and the worker go on.
/// </summary>
public sealed class PluginCatalog
{
    private static readonly string ContractsName = typeof(IPaperSource).Assembly.GetName().Name!;

    public PluginCatalog(string folder)
    {
        Folder = System.IO.Path.GetFullPath(folder, AppContext.BaseDirectory);
        var sources = new List<IPaperSource>();
        var errors = new List<string>();
        foreach (var assemblyPath in Candidates(Folder))
        {
            try
            {
                var context = new PluginLoadContext(assemblyPath);
                var assembly = context.LoadFromAssemblyPath(assemblyPath);
                var found = 0;
                foreach (var type in ExportedTypes(assembly, errors))
                {
                    if (type.IsAbstract || !typeof(IPaperSource).IsAssignableFrom(type))
                    {
                        continue;
                    }

                    if (type.GetConstructor(Type.EmptyTypes) is null)
                    {
                        errors.Add($"plug-in {assemblyPath}: {type.FullName} has no public parameterless constructor");
                        continue;
                    }

                    try
                    {
                        sources.Add((IPaperSource)Activator.CreateInstance(type)!);
                        found++;
                    }
                    catch (TargetInvocationException ex)
                    {
                        errors.Add($"plug-in {assemblyPath}: creating {type.FullName} failed: {ex.InnerException?.Message ?? ex.Message}");
                    }
                }

                if (found == 0)
                {
                    errors.Add($"plug-in {assemblyPath}: no public IPaperSource implementation (does it reference PaperFeed.Contracts?)");
                }
            }
            catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException)
            {
                errors.Add($"plug-in {assemblyPath}: cannot load: {ex.Message}");
            }
        }

        Sources = sources;
        Errors = errors;
    }

    public string Folder { get; }

    public IReadOnlyList<IPaperSource> Sources { get; }

    /// <summary>What could not be loaded, one line each, for the log.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static IEnumerable<string> Candidates(string folder)
    {
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var dll in Directory.EnumerateFiles(folder, "*.dll").Order(StringComparer.Ordinal))
        {
            yield return dll;
        }

        foreach (var sub in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            // A published plug-in's folder holds its dependencies too; its own assembly is the one with a .deps.json.
            foreach (var deps in Directory.EnumerateFiles(sub, "*.deps.json").Order(StringComparer.Ordinal))
            {
                var dll = deps[..^".deps.json".Length] + ".dll";
                if (File.Exists(dll))
                {
                    yield return dll;
                }
            }
        }
    }

    private static IEnumerable<Type> ExportedTypes(Assembly assembly, List<string> errors)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            errors.Add($"plug-in {assembly.Location}: some types cannot load: {ex.LoaderExceptions.FirstOrDefault()?.Message}");
            return ex.Types.OfType<Type>().Where(t => t.IsPublic);
        }
    }

    private sealed class PluginLoadContext(string assemblyPath) : AssemblyLoadContext(System.IO.Path.GetFileNameWithoutExtension(assemblyPath))
    {
        private readonly AssemblyDependencyResolver _resolver = new(assemblyPath);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // The contract is the worker's: a plug-in's IPaperSource must be the very type the worker knows.
            if (assemblyName.Name == ContractsName)
            {
                return null;
            }

            var path = _resolver.ResolveAssemblyToPath(assemblyName);
            return path is null ? null : LoadFromAssemblyPath(path);
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }
    }
}
