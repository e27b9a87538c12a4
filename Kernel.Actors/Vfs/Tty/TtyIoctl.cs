namespace Kernel.Actors.Vfs;

/// <summary>Terminal ioctl numbers (asm-generic, as arm64 uses them) and the sizes of their arguments.</summary>
public static class TtyIoctl
{
    public const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TCGETA = 0x5405, TCSETA = 0x5406,
        TCSETAW = 0x5407, TCSETAF = 0x5408, TCSBRK = 0x5409, TCXONC = 0x540A,
        TCFLSH = 0x540B, TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCSCTTY = 0x540E, TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410,
        TIOCOUTQ = 0x5411, TIOCSTI = 0x5412, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541B, TIOCPKT = 0x5420,
        TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424, TCSBRKP = 0x5425, TIOCSBRK = 0x5427, TIOCCBRK = 0x5428,
        TIOCGSID = 0x5429, TCGETS2 = 0x802C542A, TCSETS2 = 0x402C542B, TCSETSW2 = 0x402C542C, TCSETSF2 = 0x402C542D,
        TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGDEV = 0x80045432, TIOCSIG = 0x40045436, TIOCVHANGUP = 0x5437,
        TIOCGPKT = 0x80045438, TIOCGPTLCK = 0x80045439, TIOCGEXCL = 0x80045440, TIOCGPTPEER = 0x5441;

    /// <summary>
    /// For a terminal ioctl, how many bytes its argument points to that the kernel reads (In) and writes (Out);
    /// requests that take their argument as a value have (0, 0). Null: not a terminal ioctl.
    /// </summary>
    public static (int In, int Out)? ArgumentSize(uint request) => request switch
    {
        TCGETS => (0, Termios.Size),
        TCSETS or TCSETSW or TCSETSF => (Termios.Size, 0),
        TCGETA => (0, Termios.TermioSize),
        TCSETA or TCSETAW or TCSETAF => (Termios.TermioSize, 0),
        TCGETS2 => (0, Termios.Size2),
        TCSETS2 or TCSETSW2 or TCSETSF2 => (Termios.Size2, 0),
        TIOCGWINSZ => (0, Winsize.Size),
        TIOCSWINSZ => (Winsize.Size, 0),
        TIOCGPGRP or TIOCGSID or FIONREAD or TIOCOUTQ or TIOCGETD or TIOCGPTN or TIOCGPTLCK or TIOCGPKT or TIOCGEXCL or TIOCGDEV => (0, 4),
        TIOCSPGRP or TIOCSETD or TIOCSPTLCK or TIOCPKT => (4, 0),
        TIOCSTI => (1, 0),
        TCSBRK or TCSBRKP or TCXONC or TCFLSH or TIOCEXCL or TIOCNXCL or TIOCSCTTY or TIOCNOTTY or TIOCSBRK or TIOCCBRK
            or TIOCSIG or TIOCVHANGUP or TIOCGPTPEER => (0, 0),
        _ => null,
    };
}
