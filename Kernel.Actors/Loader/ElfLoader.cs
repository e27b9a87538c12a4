using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Loader;

/// <summary>
/// The exec image builder: resolves #! scripts, maps an arm64 ELF program (and its interpreter) into a fresh
/// address space and writes the initial stack. Behaviour follows Linux's fs/binfmt_elf.c and fs/binfmt_script.c.
/// </summary>
public static class ElfLoader
{
    /// <summary>How many #! scripts may precede the final ELF program; one more is ELOOP.</summary>
    public const int MaxScriptDepth = 4;
    public const ulong MinSigStkSz = 5120;
    public const ulong ClockTicks = 100;

    public static LoadResult Load(ExecRequest request, IExecutableSource files, ILoadTarget target)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(target);
        if (request.Random16 is not { Length: 16 })
            throw new ArgumentException("Random16 must hold 16 bytes", nameof(request));
        ValidateTarget(target);

        // Linux (since 5.18) gives a program started with an empty argv a single "" argument.
        var argv = request.Argv.Count == 0 ? new List<string> { "" } : request.Argv.ToList();
        var (path, data) = ResolveScripts(request.Path, argv, files);

        var main = ElfImage.Parse(path, data, asInterpreter: false);
        ElfImage? interp = null;
        if (main.Interpreter is { } interpPath)
        {
            var interpData = Read(files, interpPath);
            interp = ElfImage.Parse(interpPath, interpData, asInterpreter: true);
        }

        // Check the argument limits before touching the address space, as exec does before the point of no return.
        var stack = new InitialStack(argv, request.Envp, request.Path, target.StackLimit);

        var space = new ImageMapper(target);
        ulong stackBottom = target.StackTop - target.StackSize;
        var stackProt = Prot.Read | Prot.Write | (main.ExecStack ? Prot.Exec : Prot.None);
        space.MapAnonymous(stackBottom, target.StackTop, stackProt, "[stack]");

        ulong bias = main.IsDyn ? target.PieBase - ElfImage.PageDown(main.Loads[0].VAddr) : 0;
        space.MapImage(main, bias);
        ulong programEntry = main.Entry + bias;
        if (programEntry >= ElfImage.TaskSize)
            throw new LoadException(Errno.EINVAL, $"{path}: entry outside the address space");

        ulong interpBase = 0, entry = programEntry;
        if (interp is not null)
        {
            ulong interpBias = interp.IsDyn ? target.InterpreterBase - ElfImage.PageDown(interp.Loads[0].VAddr) : 0;
            space.MapImage(interp, interpBias);
            interpBase = interp.IsDyn ? target.InterpreterBase : 0;
            entry = interp.Entry + interpBias;
            if (entry >= ElfImage.TaskSize)
                throw new LoadException(Errno.EINVAL, $"{interp.Path}: entry outside the address space");
        }

        ulong phdr = PhdrAddress(main) + bias;
        ulong below = stack.PlaceStrings(target.StackTop);
        var auxv = new List<AuxEntry>();
        if (request.SysinfoEhdr != 0)
            auxv.Add(new(AuxType.SysinfoEhdr, request.SysinfoEhdr));
        auxv.AddRange(
        [
            new(AuxType.MinSigStkSz, MinSigStkSz),
            new(AuxType.Hwcap, request.Hwcap),
            new(AuxType.Pagesz, ElfImage.PageSize),
            new(AuxType.Clktck, ClockTicks),
            new(AuxType.Phdr, phdr),
            new(AuxType.Phent, ElfImage.PhdrSize),
            new(AuxType.Phnum, (ulong)main.PhNum),
            new(AuxType.Base, interpBase),
            new(AuxType.Flags, 0),
            new(AuxType.Entry, programEntry),
            new(AuxType.Uid, request.Uid),
            new(AuxType.Euid, request.Euid),
            new(AuxType.Gid, request.Gid),
            new(AuxType.Egid, request.Egid),
            new(AuxType.Secure, request.Secure ? 1UL : 0UL),
            new(AuxType.Random, stack.RandomAddress),
            new(AuxType.Hwcap2, request.Hwcap2),
            new(AuxType.Execfn, stack.ExecFnAddress),
            new(AuxType.Platform, stack.PlatformAddress),
        ]);
        ulong sp = stack.Write(target, target.StackTop, stackBottom, below, auxv, request.Random16);

        ulong brk = ElfImage.PageUp(main.Loads.Max(l => l.VAddr + l.MemSize) + bias);
        return new LoadResult(entry, sp, brk, bias, interpBase, path, argv.ToArray(), space.Mappings)
        {
            ExecFn = request.Path,
            InterpreterPath = main.Interpreter,
            ProgramEntry = programEntry,
            PhdrAddress = phdr,
            ExecutableStack = main.ExecStack,
            StackBottom = stackBottom,
            ArgStart = stack.ArgStart,
            ArgEnd = stack.EnvStart,
            EnvStart = stack.EnvStart,
            EnvEnd = stack.EnvEnd,
            Auxv = auxv.ToArray(),
        };
    }

    /// <summary>
    /// Follows #! lines to the ELF program, rewriting argv as binfmt_script does:
    /// interpreter, optional argument, the script's path, then the original argv[1..].
    /// </summary>
    private static (string Path, byte[] Data) ResolveScripts(string path, List<string> argv, IExecutableSource files)
    {
        var data = Read(files, path);
        for (int depth = 0; !ElfImage.HasElfMagic(data); depth++)
        {
            if (!Shebang.IsScript(data))
                throw new LoadException(Errno.ENOEXEC, $"{path}: not an executable format");
            if (depth == MaxScriptDepth)
                throw new LoadException(Errno.ELOOP, $"{path}: more than {MaxScriptDepth} levels of #! interpreters");
            var (interpreter, argument) = Shebang.Parse(path, data);
            argv.RemoveAt(0);
            argv.Insert(0, path);
            if (argument is not null)
                argv.Insert(0, argument);
            argv.Insert(0, interpreter);
            path = interpreter;
            data = Read(files, path);
        }
        return (path, data);
    }

    private static byte[] Read(IExecutableSource files, string path)
    {
        if (path.Length == 0)
            throw new LoadException(Errno.ENOENT, "empty path");
        long rc = files.ReadFile(path, out var data);
        if (rc < 0)
            throw new LoadException((Errno)(int)-rc, $"{path}: cannot read ({(Errno)(int)-rc})");
        return data ?? [];
    }

    /// <summary>
    /// AT_PHDR before relocation: the PT_PHDR address if present, else where the PT_LOAD that contains
    /// e_phoff puts the headers (0 when none does, as Linux leaves it).
    /// </summary>
    private static ulong PhdrAddress(ElfImage image)
    {
        if (image.PtPhdr is { } ph)
            return ph.VAddr;
        foreach (var load in image.Loads)
            if (load.Offset <= image.PhOff && image.PhOff - load.Offset < load.FileSize)
                return load.VAddr + (image.PhOff - load.Offset);
        return 0;
    }

    private static void ValidateTarget(ILoadTarget target)
    {
        const ulong mask = ElfImage.PageSize - 1;
        if ((target.PieBase & mask) != 0 || (target.InterpreterBase & mask) != 0 || (target.StackTop & mask) != 0
            || (target.StackSize & mask) != 0 || target.StackSize == 0 || target.StackSize > target.StackTop
            || target.StackTop > ElfImage.TaskSize)
            throw new ArgumentException("load target bases and stack must be page aligned and inside the address space", nameof(target));
    }
}
