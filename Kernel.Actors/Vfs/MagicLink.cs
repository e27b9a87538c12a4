namespace Kernel.Actors.Vfs;

/// <summary>
/// A symlink that is not followed by its text: following it jumps straight to the file it stands for (Linux's
/// "magic links", /proc/[pid]/fd/N, cwd, root, exe). The target is a location of this VFS, never a path
/// re-resolved from text, so a deleted file, a pipe or a directory outside the caller's root is reached exactly.
/// </summary>
public interface IMagicLink
{
    /// <summary>The location to continue the walk at, or an errno (EACCES when the caller may not look).</summary>
    long Jump(FsContext ctx, out Location target);
}
