using System.Globalization;
using System.Text;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Ipc;

/// <summary>/proc/sysvipc tables and the IPC sysctls of /proc/sys/kernel, in Linux's formats, for one IPC namespace.</summary>
internal static class IpcProc
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Table(Sandbox sandbox, IpcObjects ns, string kind)
    {
        var sb = new StringBuilder();
        lock (sandbox.Ipc.Lock)
        {
            switch (kind)
            {
                case "msg":
                    sb.Append("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
                    foreach (var q in ns.Queues.All)
                        sb.Append(Inv, $"{q.Key,10} {q.Id,10}  {Octal(q.Mode),4}  {q.Bytes,10} {q.Messages.Count,10} {q.LastSendPid,5} {q.LastReceivePid,5} {q.Uid,5} {q.Gid,5} {q.Cuid,5} {q.Cgid,5} {q.SendTime,10} {q.ReceiveTime,10} {q.Ctime,10}\n");
                    break;
                case "sem":
                    sb.Append("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
                    foreach (var s in ns.Sets.All)
                        sb.Append(Inv, $"{s.Key,10} {s.Id,10}  {Octal(s.Mode),4} {s.Values.Length,10} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.Otime,10} {s.Ctime,10}\n");
                    break;
                case "shm":
                    IpcActor.Sweep(sandbox, ns);
                    sb.Append("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n");
                    foreach (var s in ns.Segments.All)
                        sb.Append(Inv, $"{s.Key,10} {s.Id,10}  {Octal(s.Mode),4} {s.Size,21} {s.CreatorPid,5} {s.LastPid,5}  {IpcActor.Attaches(sandbox, s),5} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.AttachTime,10} {s.DetachTime,10} {s.Ctime,10} {IpcActor.Resident(s),21} {0,21}\n");
                    break;
            }
        }
        return sb.ToString();
    }

    private static string Octal(uint mode) => Convert.ToString(mode, 8);

    public static string Sysctl(Sandbox sandbox, IpcObjects ns, string name)
    {
        lock (sandbox.Ipc.Lock)
        {
            return name switch
            {
                "msgmax" => ns.MsgMax.ToString(Inv),
                "msgmnb" => ns.MsgMnb.ToString(Inv),
                "msgmni" => ns.MsgMni.ToString(Inv),
                "sem" => $"{ns.SemMsl}\t{ns.SemMns}\t{ns.SemOpm}\t{ns.SemMni}",
                "shmmax" => ns.ShmMax.ToString(Inv),
                "shmall" => ns.ShmAll.ToString(Inv),
                "shmmni" => ns.ShmMni.ToString(Inv),
                _ => "",
            };
        }
    }

    /// <summary>proc_dointvec_minmax and proc_doulongvec_minmax: decimal numbers in range, else EINVAL and nothing changes.</summary>
    public static long SetSysctl(Sandbox sandbox, IpcObjects ns, string name, string text)
    {
        var words = text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return -(long)Errno.EINVAL;
        lock (sandbox.Ipc.Lock)
        {
            if (name is "shmmax" or "shmall")
            {
                if (!ulong.TryParse(words[0], NumberStyles.None, Inv, out var u)) return -(long)Errno.EINVAL;
                if (name == "shmmax") ns.ShmMax = u;
                else ns.ShmAll = u;
                return 0;
            }
            var values = new int[words.Length];
            for (var i = 0; i < words.Length; i++)
                if (!int.TryParse(words[i], NumberStyles.AllowLeadingSign, Inv, out values[i])) return -(long)Errno.EINVAL;
            var v = values[0];
            switch (name)
            {
                case "msgmax" when v >= 0: ns.MsgMax = v; break;
                case "msgmnb" when v >= 0: ns.MsgMnb = v; break;
                case "msgmni" when v is >= 0 and <= IpcFlags.Mni: ns.MsgMni = v; break;
                case "shmmni" when v is >= 0 and <= IpcFlags.Mni: ns.ShmMni = v; break;
                case "sem" when values.Length == 4 && values[3] is >= 0 and <= IpcFlags.Mni:
                    (ns.SemMsl, ns.SemMns, ns.SemOpm, ns.SemMni) = (values[0], values[1], values[2], values[3]);
                    break;
                default:
                    return -(long)Errno.EINVAL;
            }
            return 0;
        }
    }
}
