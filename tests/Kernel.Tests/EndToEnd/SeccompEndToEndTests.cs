namespace Kernel.Tests.EndToEnd;

/// <summary>seccomp from a real program: python installs a filter with ctypes; a Debian program it starts inherits it.</summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Python_installs_a_seccomp_filter_that_its_children_inherit()
    {
        // nr == 160 (uname on arm64) gets ERRNO|EPERM, everything else is allowed.
        const string code = """
            import ctypes, os, struct, subprocess
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
            def insn(code, jt, jf, k): return struct.pack('HBBI', code, jt, jf, k)
            prog = ctypes.create_string_buffer(insn(0x20, 0, 0, 0) + insn(0x15, 0, 1, 160) + insn(0x06, 0, 0, 0x50001) + insn(0x06, 0, 0, 0x7fff0000))
            fprog = ctypes.create_string_buffer(struct.pack('HxxxxxxQ', 4, ctypes.addressof(prog)))
            print(libc.prctl(38, 1, 0, 0, 0), libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0), libc.prctl(21, 0, 0, 0, 0))
            try:
                os.uname()
                print('uname ran')
            except PermissionError:
                print('uname: EPERM')
            r = subprocess.run(['/bin/uname', '-s'], capture_output=True, text=True)
            print(r.returncode, r.stderr.strip())
            print(''.join(l for l in open('/proc/self/status') if l.startswith('Seccomp')), end='')
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("0 0 2\nuname: EPERM\n1 /bin/uname: cannot get system name: Operation not permitted\nSeccomp:\t2\nSeccomp_filters:\t1\n", r.Stdout);
    }
}
