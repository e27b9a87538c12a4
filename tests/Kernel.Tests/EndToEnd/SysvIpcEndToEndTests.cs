namespace Kernel.Tests.EndToEnd;

/// <summary>Debian's python3 sharing memory and queues between processes, and calling System V IPC through libc.</summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Python_shared_memory_and_queue_work_between_processes()
    {
        // multiprocessing.shared_memory maps a /dev/shm file in both processes; Queue is a pipe plus POSIX semaphores.
        const string code = """
            import multiprocessing as mp
            from multiprocessing import shared_memory
            def child(name, q):
                s = shared_memory.SharedMemory(name=name)
                s.buf[:5] = b"hello"
                s.close()
                for i in range(1000): q.put(i)
                q.put(None)
            if __name__ == "__main__":
                mp.set_start_method("fork")
                shm = shared_memory.SharedMemory(create=True, size=4096)
                q = mp.Queue()
                p = mp.Process(target=child, args=(shm.name, q))
                p.start()
                total = 0
                while (v := q.get(timeout=60)) is not None: total += v
                p.join()
                print(bytes(shm.buf[:5]).decode(), total, p.exitcode)
                l = shared_memory.ShareableList([1, "two", 3.0])
                p = mp.Process(target=lambda n: shared_memory.ShareableList(name=n).__setitem__(0, 42), args=(l.shm.name,))
                p.start(); p.join()
                print(list(l))
                l.shm.close(); l.shm.unlink(); shm.close(); shm.unlink()
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("hello 499500 0\n[42, 'two', 3.0]\n", r.Stdout);
    }

    [Fact]
    public void Python_uses_sysv_messages_semaphores_and_shared_memory_through_ctypes()
    {
        // No sysv_ipc module in Debian's base python: libc's msgget/semop/shmat through ctypes, across os.fork.
        const string code = """
            import ctypes, os, struct
            libc = ctypes.CDLL(None, use_errno=True)
            libc.shmat.restype = ctypes.c_void_p
            libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
            libc.shmdt.argtypes = [ctypes.c_void_p]
            IPC_PRIVATE, IPC_RMID, IPC_NOWAIT = 0, 0, 0o4000
            q = libc.msgget(IPC_PRIVATE, 0o600)
            s = libc.semget(IPC_PRIVATE, 1, 0o600)
            m = libc.shmget(IPC_PRIVATE, 4096, 0o600)
            addr = libc.shmat(m, None, 0)
            class sembuf(ctypes.Structure):
                _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
            def semop(v):
                b = sembuf(0, v, 0)
                assert libc.semop(s, ctypes.byref(b), 1) == 0
            pid = os.fork()
            if pid == 0:
                ctypes.memmove(addr, b"from child", 10)
                semop(1)
                buf = ctypes.create_string_buffer(struct.pack("l", 7) + b"msg-seven")
                libc.msgsnd(q, buf, 9, 0)
                os._exit(0)
            semop(-1)
            print(ctypes.string_at(addr, 10).decode())
            out = ctypes.create_string_buffer(64)
            n = libc.msgrcv(q, out, 56, 7, 0)
            print(n, struct.unpack("l", out.raw[:8])[0], out.raw[8:8 + n].decode())
            os.waitpid(pid, 0)
            libc.shmdt(ctypes.c_void_p(addr))
            print(libc.msgctl(q, IPC_RMID, None), libc.semctl(s, 0, IPC_RMID), libc.shmctl(m, IPC_RMID, None))
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("from child\n9 7 msg-seven\n0 0 0\n", r.Stdout);
    }
}
