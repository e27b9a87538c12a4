namespace Kernel.Syscalls.Abi;

/// <summary>Linux signal numbers (arm64 uses the generic numbering) and their default actions.</summary>
public static class Sig
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
        SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16,
        SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24,
        SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32,
        SIGRTMAX = 64;

    /// <summary>Signals whose default action dumps core (reported in the wait status).</summary>
    public static bool DumpsCore(int sig) => sig is SIGQUIT or SIGILL or SIGTRAP or SIGABRT or SIGBUS or SIGFPE or SIGSEGV or SIGXCPU or SIGXFSZ or SIGSYS;

    /// <summary>Signals whose default action is to do nothing.</summary>
    public static bool IgnoredByDefault(int sig) => sig is SIGCHLD or SIGCONT or SIGURG or SIGWINCH;

    /// <summary>Signals whose default action stops the process.</summary>
    public static bool StopsByDefault(int sig) => sig is SIGSTOP or SIGTSTP or SIGTTIN or SIGTTOU;
}
