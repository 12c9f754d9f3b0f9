"""Start the IPython kernel of one submission inside the grading sandbox.

This is the command of the ``d2lite-sandbox`` kernelspec that `tools/grade.py` writes; nbgrader's
autograding starts it once per submitted notebook, as ``python sandbox_kernel.py
<connection file> [kernel arguments]``, in the notebook's folder
``<course>/autograded/<student>/<assignment>/``. It runs outside the sandbox (trusted) and:

1. makes the submission's scratch folder, ``<scratch root>/<student>/<assignment>/``, the one
   folder the kernel may write to besides a private /tmp;
2. moves the kernel's ZeroMQ sockets (`ipc` transport: files, since the kernel has no network)
   into a folder of their own, linked from where nbgrader connects, so the sandbox sees that
   folder and not the runtime folder of the grading run;
3. starts ``python -m ipykernel_launcher`` with resource limits (data segment, file size, no
   core files) either under bubblewrap (``D2LITE_SANDBOX=bwrap``: no network, its own PID, IPC,
   UTS and user namespaces, uid 65534 without capabilities, a read-only view of the system, the
   Python installation and d2lite's package and data, a clean environment) or, without
   bubblewrap (``D2LITE_SANDBOX=limits``), as a plain process with the same limits and, where
   ``unshare --net`` works, no network;
4. passes an interrupt (SIGINT, what nbgrader sends when a cell runs past its time limit) to the
   kernel itself, not to bubblewrap, which would die of it;
5. kills the whole sandbox when the submission's wall-clock budget (``D2LITE_SANDBOX_WALL``,
   seconds per assignment) is spent -- a loop that swallows interrupts cannot outlast it -- and writes what
   happened to ``<events>/<student>/<assignment>.json`` for the feedback.

Configuration comes from the environment that `tools/grade.py` sets (``D2LITE_SANDBOX_*``).
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ENV = "D2LITE_SANDBOX"
NOBODY = "65534"


def _config():
    env = os.environ
    try:
        return {
            "mode": env[ENV],
            "memory": int(env[f"{ENV}_MEMORY"]),
            "wall": json.loads(env[f"{ENV}_WALL"]),  # {assignment: seconds}
            "course": Path(env[f"{ENV}_COURSE"]),
            "scratch": Path(env[f"{ENV}_SCRATCH"]),
            "events": Path(env[f"{ENV}_EVENTS"]),
            "python": env[f"{ENV}_PYTHON"],
            "readonly": [p for p in env[f"{ENV}_READONLY"].split(os.pathsep) if p],
            "data": env[f"{ENV}_DATA"],
            "backend": env.get("KERAS_BACKEND", ""),
        }
    except KeyError as err:
        raise SystemExit(f"sandbox_kernel.py: {err.args[0]} is not set; this kernel is started by "
                         "tools/grade.py, not by hand.") from None


def _submission(config):
    """(student, assignment) of the notebook being graded, from the kernel's folder."""
    here = Path.cwd().resolve()
    try:
        student, assignment = here.relative_to((config["course"] / "autograded").resolve()).parts[:2]
    except (ValueError, IndexError):
        raise SystemExit(f"sandbox_kernel.py: started in {here}, which is not a folder "
                         f"{config['course']}/autograded/<student>/<assignment>.") from None
    return student, assignment


def _private_sockets(connection_file, sockets):
    """Rewrite the connection file so the kernel's sockets live in `sockets`; link them back."""
    info = json.loads(Path(connection_file).read_text())
    if info.get("transport") != "ipc":
        raise SystemExit("sandbox_kernel.py: the kernel has no network, so it needs "
                         "KernelManager.transport = 'ipc' (tools/grade.py sets it).")
    if not os.path.isabs(info["ip"]):
        raise SystemExit(f"sandbox_kernel.py: the kernel's socket prefix {info['ip']!r} is relative; "
                         "set KernelManager.ip to an absolute path (tools/grade.py does).")
    sockets.mkdir(mode=0o700)
    ports = [info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
    for port in ports:  # nbgrader connects to <ip>-<port>; the kernel binds <sockets>/ipc-<port>
        os.symlink(sockets / f"ipc-{port}", f"{info['ip']}-{port}")
    private = dict(info, ip=str(sockets / "ipc"))
    (sockets / "connection.json").write_text(json.dumps(private))
    return sockets / "connection.json", [f"{info['ip']}-{port}" for port in ports]


def _environment(config, home):
    env = {
        "PATH": f"{Path(config['python']).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONHASHSEED": "0",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "D2LITE_DATA": config["data"],
    }
    if config["backend"]:
        env["KERAS_BACKEND"] = config["backend"]
    return env


def _bwrap(config, scratch, sockets, env):
    command = ["bwrap", "--die-with-parent", "--unshare-all", "--unshare-user",
               "--uid", NOBODY, "--gid", NOBODY, "--cap-drop", "ALL", "--as-pid-1",
               "--hostname", "grading"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr"):
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    # Only what Python and the dynamic loader read in /etc: not /etc as a whole (shadow, keys).
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
                 "nsswitch.conf", "mime.types"):
        command += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    command += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]  # before the binds below,
    for path in config["readonly"]:  # which may lie in /tmp
        command += ["--ro-bind", path, path]
    command += ["--bind", str(scratch), str(scratch), "--bind", str(sockets), str(sockets),
                "--remount-ro", "/", "--chdir", str(scratch), "--clearenv"]
    for key, value in env.items():
        command += ["--setenv", key, value]
    return command


def _limits(memory):
    def apply():
        # RLIMIT_DATA (heap and private writable mappings: arrays, tensors, thread stacks)
        # rather than RLIMIT_AS: TensorFlow reserves gigabytes of address space it never uses.
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        size = 1 << 30  # no single file over 1 GiB: the scratch folder is on the grader's disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return apply


def _network_namespace_works():
    try:
        return subprocess.run(["unshare", "--net", "--", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main(argv):
    if not argv:
        raise SystemExit("usage: sandbox_kernel.py <connection file> [kernel arguments]")
    config = _config()
    student, assignment = _submission(config)
    wall = float(config["wall"][assignment])
    scratch = config["scratch"] / student / assignment
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    events = config["events"] / student / f"{assignment}.json"
    events.parent.mkdir(parents=True, exist_ok=True)
    connection, links = _private_sockets(argv[0], Path(argv[0]).with_suffix(".sandbox"))
    kernel = [config["python"], "-m", "ipykernel_launcher", "-f", str(connection), *argv[1:]]
    env = _environment(config, scratch)
    record = {"student": student, "assignment": assignment, "mode": config["mode"],
              "memory_limit": config["memory"], "wall_limit": wall}
    pass_fds = ()
    if config["mode"] == "bwrap":
        read, write = os.pipe()
        command = _bwrap(config, scratch, connection.parent, env) + ["--info-fd", str(write)] + kernel
        pass_fds = (write,)
    elif config["mode"] == "limits":
        record["network_isolated"] = _network_namespace_works()
        command = (["unshare", "--net", "--"] if record["network_isolated"] else []) + kernel
    else:
        raise SystemExit(f"sandbox_kernel.py: {ENV}={config['mode']!r}; expected 'bwrap' or 'limits'.")

    events.write_text(json.dumps(record, indent=1))  # no returncode: it was killed from outside
    start = time.monotonic()
    child = subprocess.Popen(command, env=env, cwd=scratch, start_new_session=True,
                             pass_fds=pass_fds, preexec_fn=_limits(config["memory"]))
    kernel_pid = child.pid
    if config["mode"] == "bwrap":
        os.close(write)
        with os.fdopen(read) as info:  # bwrap writes the sandboxed process's pid, then closes
            text = info.read()
        if text:
            kernel_pid = json.loads(text)["child-pid"]

    def interrupt(signum, frame):
        try:
            os.kill(kernel_pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def stop(signum, frame):  # the autograder shuts the kernel down
        _kill(child)
        record.update(returncode=None, stopped="terminated by the autograder",
                      seconds=round(time.monotonic() - start, 1))
        events.write_text(json.dumps(record, indent=1))
        raise SystemExit(1)

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, stop)
    try:
        returncode = child.wait(timeout=wall)
    except subprocess.TimeoutExpired:
        _kill(child)
        returncode = None
        record["killed"] = f"the submission ran for more than {wall:g} s in total"
    record["seconds"] = round(time.monotonic() - start, 1)
    record["returncode"] = returncode
    record["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    for link in links:
        Path(link).unlink(missing_ok=True)
    shutil.rmtree(connection.parent, ignore_errors=True)
    events.write_text(json.dumps(record, indent=1))
    return 0 if returncode == 0 else 1


def _kill(child):
    try:
        os.killpg(child.pid, signal.SIGKILL)  # bwrap and, with it, the sandbox's PID namespace
    except ProcessLookupError:
        pass
    child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
