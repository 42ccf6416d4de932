#!/usr/bin/env python3
"""The benchmark itself: runs as root where ESP and VTI work (bench/run puts
it in the VM through tests/vm/run), starts vtid and charon on the same
topologies one after the other, and prints what each costs.

    bench/bench.py [--n 10,100,500] [--impl vtid,charon] [--no-lab]
                   [--out FILE]

VTID_BUILD names the build tree (its src/daemon/vtid, src/vtictl/vtictl).
Exit status: 0 when every setup completed (whatever the figures), 1 when
one did not (the daemons' logs are printed), 2 on a usage error.
See bench/README.md for what is measured and how.
"""
import argparse
import ctypes
import os
import platform
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True		# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "swanctl"
CLK_TCK = os.sysconf("SC_CLK_TCK")
POLL_S = 0.05
STEADY_S = 5.0		# steady-state RSS this long after the last SA
STALL_S = 180.0		# no SA or policy added for this long: stalled
TRACE = False
WORKERS = None		# vtid's workers = (None: its default)
NAN = float("nan")
ECDH = [NAN]		# seconds per P-384 ECDH operation, the best seen


class BenchError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def sh(*argv, check=True, **kw):
    return subprocess.run(argv, check=check, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


# ------------------------------------------------------------ processes

def proc_cpu(pid):
    """(utime, stime) of the whole process (all threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) / CLK_TCK, int(rest[12]) / CLK_TCK


def children_cpu():
    """user + system seconds of the children we have waited for."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def proc_rss(pid):
    """VmRSS in kB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError("no VmRSS for pid %d" % pid)


def kernel_kb():
    """The kernel's own memory that peers add to, in kB: unreclaimable
    slab (SAs, policies, net devices, their sysfs nodes) and per-CPU
    allocations (each device's statistics). Page cache and reclaimable
    slab (dentries of log files) are left out: they move with the files
    the daemons write, not with the peers."""
    got = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            got[k] = int(v.split()[0])
    return got.get("SUnreclaim", 0) + got.get("Percpu", 0)


def proc_threads(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


# ------------------------------------------------------------ namespaces

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
NETLINK_XFRM = 6
XFRM_MSG_GETSADINFO = 0x23
XFRM_MSG_GETSPDINFO = 0x25


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


class Netns:
    """A network namespace of ours, with an XFRM netlink socket in it to
    count its SAs and policies cheaply (no exec while the daemons work)."""

    def __init__(self, name):
        self.name = name
        sh("ip", "netns", "del", name, check=False)
        sh("ip", "netns", "add", name)
        self.ip("link", "set", "lo", "up")
        me = os.open("/proc/self/ns/net", os.O_RDONLY)
        ns = os.open("/run/netns/" + name, os.O_RDONLY)
        try:
            _setns(ns)
            self.nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                    NETLINK_XFRM)
        finally:
            _setns(me)
            os.close(me)
            os.close(ns)
        self.seq = 0

    def ip(self, *argv):
        return sh("ip", "-n", self.name, *argv)

    def batch(self, lines):
        p = subprocess.run(["ip", "-n", self.name, "-batch", "-"],
                           input="\n".join(lines) + "\n", text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise BenchError("ip -n %s -batch: %s" % (self.name, p.stdout))

    def _query(self, mtype):
        self.seq += 1
        self.nl.send(struct.pack("=IHHII", 20, mtype, 1, self.seq, 0) +
                     struct.pack("=I", 0))
        data = self.nl.recv(65536)
        length, rtype = struct.unpack_from("=IH", data)
        attrs, off = {}, 20
        while off + 4 <= length:
            alen, atype = struct.unpack_from("=HH", data, off)
            if alen < 4:
                break
            attrs[atype] = data[off + 4:off + alen]
            off += (alen + 3) & ~3
        return rtype, attrs

    def counts(self):
        """(SAs, policies in+out+fwd): larval SAs (ALLOCSPI) included,
        per-socket bypass policies not."""
        _, a = self._query(XFRM_MSG_GETSADINFO)
        sad = struct.unpack("=I", a[1])[0] if 1 in a else 0
        _, a = self._query(XFRM_MSG_GETSPDINFO)
        spd = sum(struct.unpack_from("=III", a[1])) if 1 in a else 0
        return sad, spd

    def delete(self):
        self.nl.close()
        sh("ip", "netns", "del", self.name, check=False)


# ------------------------------------------------------------ daemons

class Daemon:
    impl = "?"

    def __init__(self, ns, wdir, tag):
        self.ns, self.tag = ns, tag
        self.dir = os.path.join(wdir, tag)
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, "log")
        self.p = None
        self.t_launch = None

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def cpu(self):
        return sum(proc_cpu(self.pid))

    def cpus(self):
        return proc_cpu(self.pid)

    def rss(self):
        return proc_rss(self.pid)

    def _spawn(self, argv, env=None):
        self.t_launch = time.monotonic()
        # ip netns exec (and unshare, sh for charon) exec the daemon:
        # Popen's pid is the daemon's, its CPU counts from the exec.
        self.p = subprocess.Popen(["ip", "netns", "exec", self.ns.name] +
                                  argv, stdin=subprocess.DEVNULL,
                                  stdout=open(self.log, "ab"),
                                  stderr=subprocess.STDOUT, env=env,
                                  start_new_session=True)

    def kill(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.p.wait()

    def tail(self, n=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Vtid(Daemon):
    impl = "vtid"

    def __init__(self, ns, wdir, tag, conf):
        super().__init__(ns, wdir, tag)
        self.sock = os.path.join(self.dir, "ctl.sock")
        self.conf = os.path.join(self.dir, "vtid.conf")
        with open(self.conf, "w") as f:
            f.write(conf(self.sock))
        os.chmod(self.conf, 0o600)

    def start(self):
        self._spawn([VTID, "-c", self.conf])

    def ready(self):
        with open(self.log, errors="replace") as f:
            return "vtid started" in f.read()

    def load(self):
        pass

    def up(self, names):
        for n in names:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(60)
            s.connect(self.sock)
            s.sendall(("up %s\n" % n).encode())
            reply = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                reply += b
            s.close()
            if not reply.startswith(b"ok"):
                raise BenchError("vtid %s: up %s: %r" % (self.tag, n, reply))

    def installed(self):
        p = sh("ip", "netns", "exec", self.ns.name, VTICTL, "-s", self.sock,
               "status", check=False)
        return p.stdout.count("INSTALLED")

    def diagnose(self):
        """What vtid says when a run stalls: its states counted, the
        counters that tell a lost message from a busy loop."""
        p = sh("ip", "netns", "exec", self.ns.name, VTICTL, "-s", self.sock,
               "status", check=False)
        states = {}
        for line in p.stdout.splitlines():
            k = line.split(":", 1)[1].strip() if ":" in line else line
            k = k.split(",")[0][:40]
            states[k] = states.get(k, 0) + 1
        m = sh("ip", "netns", "exec", self.ns.name, VTICTL, "-s", self.sock,
               "metrics", check=False).stdout
        keep = [x for x in m.splitlines() if x and not x.startswith("#")
                and "{" not in x]
        return "status: %s\nmetrics:\n  %s\nlog:\n%s" % (
            sorted(states.items(), key=lambda x: -x[1])[:8],
            "\n  ".join(keep[:60]), self.tail(15))

    def reload(self):
        """The configuration applied again, unchanged: N peers parsed and
        compared, none touched. Returns when vtid has answered."""
        p = sh("ip", "netns", "exec", self.ns.name, VTICTL, "-s", self.sock,
               "reload", check=False)
        if p.returncode != 0:
            raise BenchError("vtid %s: reload: %s" % (self.tag, p.stdout))


def vici_msg(kind, name, kv):
    body = bytes([kind, len(name)]) + name.encode()
    for k, v in kv.items():
        v = v.encode()
        body += bytes([3, len(k)]) + k.encode() + struct.pack("!H", len(v)) + v
    return struct.pack("!I", len(body)) + body


class Charon(Daemon):
    impl = "charon"

    def __init__(self, ns, wdir, tag, swanctl):
        super().__init__(ns, wdir, tag)
        self.vici = os.path.join(self.dir, "charon.vici")
        self.run = os.path.join(self.dir, "run")
        os.makedirs(self.run, exist_ok=True)
        self.ssconf = os.path.join(self.dir, "strongswan.conf")
        self.swconf = os.path.join(self.dir, "swanctl.conf")
        with open(self.ssconf, "w") as f:
            f.write(gen.strongswan_conf(self.vici, self.log))
        with open(self.swconf, "w") as f:
            f.write(swanctl)
        os.chmod(self.swconf, 0o600)
        self.env = dict(os.environ, STRONGSWAN_CONF=self.ssconf)

    def start(self):
        # One charon per namespace, each with its own /run (pid file).
        self._spawn(["unshare", "-m", "--propagation", "private", "sh", "-c",
                     'mount --bind "$0" /run && exec "$1"', self.run,
                     CHARON], env=self.env)

    def ready(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.vici)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def load(self):
        p = sh(SWANCTL, "--load-all", "--noprompt", "--file", self.swconf,
               "--uri", "unix://" + self.vici, env=self.env, check=False)
        if p.returncode != 0:
            raise BenchError("charon %s: swanctl --load-all failed:\n%s" %
                             (self.tag, p.stdout[-3000:]))

    def up(self, names):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(self.vici)
        for n in names:
            s.sendall(vici_msg(0, "initiate", {
                "child": n, "ike": n, "timeout": "-1",
                "init-limits": "no", "loglevel": "-1"}))
            hdr = b""
            while len(hdr) < 4:
                hdr += s.recv(4 - len(hdr))
            left = struct.unpack("!I", hdr)[0]
            msg = b""
            while len(msg) < left:
                msg += s.recv(left - len(msg))
            if msg[0] != 1 or b"success\x00\x03yes" not in msg:
                raise BenchError("charon %s: initiate %s: %r" %
                                 (self.tag, n, msg))
        s.close()

    def installed(self):
        p = sh(SWANCTL, "--list-sas", "--noblock", "--uri",
               "unix://" + self.vici, env=self.env, check=False)
        return p.stdout.count("INSTALLED")

    def diagnose(self):
        p = sh(SWANCTL, "--stats", "--uri", "unix://" + self.vici,
               env=self.env, check=False)
        return "%s\nlog:\n%s" % (p.stdout, self.tail(15))

    def reload(self):
        """charon's reload: swanctl --load-all again, unchanged."""
        self.load()


# ------------------------------------------------------------ measurement

def wait_ready(daemons, timeout):
    """Wait until every daemon is ready, load charon's configuration; returns
    the seconds from launch until each is ready (config loaded)."""
    out = {}
    deadline = time.monotonic() + timeout
    pending = list(daemons)
    while pending:
        for d in list(pending):
            if not d.alive():
                raise BenchError("%s %s exited during startup:\n%s" %
                                 (d.impl, d.tag, d.tail()))
            if d.ready():
                d.load()
                out[d] = time.monotonic() - d.t_launch
                pending.remove(d)
        if time.monotonic() > deadline:
            raise BenchError("not ready within %d s: %s" % (
                timeout, ", ".join("%s %s" % (d.impl, d.tag)
                                   for d in pending)))
        time.sleep(POLL_S)
    return out


def settle(daemons, secs=1.0):
    """Let freshly started daemons finish what startup leaves queued."""
    time.sleep(secs)


def converge(nss, sad, spd, triggers, daemons, timeout):
    """Run the triggers (callables) in threads and poll the namespaces until
    each holds >= sad SAs and >= spd policies. Returns (wall seconds,
    {daemon: (user, sys) at the end}, {daemon: rss at the end})."""
    errors = []

    def run(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in triggers]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    deadline = t0 + timeout
    last, t_last, t_print = None, t0, t0
    while True:
        c = [ns.counts() for ns in nss]
        now = time.monotonic()
        if all(a >= sad and p >= spd for a, p in c):
            cpu = {d: d.cpus() for d in daemons}
            rss = {d: d.rss() for d in daemons}
            break
        if errors:
            raise BenchError("trigger failed: %s" % errors[0])
        for d in daemons:
            if not d.alive():
                raise BenchError("%s %s died (status %s):\n%s" % (
                    d.impl, d.tag, d.p.returncode, d.tail()))
        if now > deadline:
            raise BenchError(
                "setup did not complete within %d s: SAs/policies per "
                "namespace %s, want >= %d/%d" % (
                    timeout, ", ".join("%s %d/%d" % (ns.name, a, p) for ns, (
                        a, p) in zip(nss, c)), sad, spd))
        if c != last:
            t_last = now
        elif now - t_last > STALL_S:
            report = "\n".join("--- %s %s\n%s" % (d.impl, d.tag,
                                                   d.diagnose())
                               for d in daemons)
            for ns in nss:
                report += "\n--- %s: %d neighbours; %s" % (
                    ns.name, len(ns.ip("-6", "neigh").stdout.splitlines()),
                    " ".join(ns.ip("-s", "-6", "neigh", "show", "nud",
                                   "failed").stdout.split()[:6]))
            report += "\n--- dmesg\n" + sh("dmesg", check=False).stdout[
                -3000:]
            raise BenchError(
                "setup stalled: no SA or policy added for %.0f s, at %s "
                "(%.0f s after initiate)\n%s" % (
                    STALL_S, ", ".join("%s %d/%d" % (ns.name, a, p) for ns, (
                        a, p) in zip(nss, c)), now - t0, report))
        if TRACE and (c != last or now - t_print > 30):
            t_print = now
            log("  trace %6.2f s: %s; CPU %s" % (now - t0, " ".join(
                "%s %d/%d" % (ns.name, a, p) for ns, (a, p) in zip(nss, c)),
                " ".join("%s %.2f" % (d.tag, d.cpu()) for d in daemons)))
        last = c
        time.sleep(POLL_S)
    wall = now - t0
    for t in threads:
        t.join(60)
    if errors:
        raise BenchError("trigger failed: %s" % errors[0])
    return wall, cpu, rss


class Run:
    """Context for one topology: namespaces and daemons, torn down on exit
    (SIGKILL, then the namespaces go with every SA, policy and VTI)."""

    def __init__(self, wdir):
        self.wdir = wdir
        self.nss, self.daemons = [], []

    def ns(self, name):
        n = Netns(name)
        self.nss.append(n)
        return n

    def add(self, d):
        self.daemons.append(d)
        return d

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for d in self.daemons:
            d.kill()
        for n in self.nss:
            n.delete()


def warm_up():
    """Load what the kernel loads on first use (ip6_vti, esp6, the AEAD
    templates through modprobe, bridge, veth) before anything is timed: in
    the guest the first rfc4106(gcm(aes)) SA takes seconds of modprobe, and
    whichever implementation came first would pay it (vtid, single-threaded,
    stalls meanwhile). Returns the seconds it took."""
    t = time.monotonic()
    key = "0x" + "11" * 36
    ns = Netns("bn-warm")
    try:
        ns.batch([
            "link add bn-w0 type veth peer name bn-w1",
            "link add bn-wbr type bridge",
            "link add bn-wv6 type vti6 local 2001:db8::1 remote 2001:db8::2 "
            "key 1",
            "link add bn-wv4 type vti local 192.0.2.1 remote 192.0.2.2 key 1",
            "xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 1 "
            "reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' %s 128" % key,
            "xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 1 "
            "reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' %s 128" % key,
            "xfrm policy add dir out src ::/0 dst ::/0 mark 1 tmpl "
            "src 2001:db8::1 dst 2001:db8::2 proto esp reqid 1 mode tunnel",
        ])
    finally:
        ns.delete()
    return time.monotonic() - t


def ecdh_cost(secs=2):
    """Seconds of CPU per P-384 ECDH operation in OpenSSL (openssl speed,
    which divides by user time), the library both implementations use: each
    side of each IKE SA does two such scalar multiplications (its key pair,
    the shared secret). Other VMs on the host inflate it: the best
    measurement counts (ECDH[0])."""
    p = sh("openssl", "speed", "-seconds", str(secs), "ecdhp384",
           check=False)
    for line in p.stdout.splitlines():
        f = line.split()
        if "ecdh" in f and len(f) >= 2:
            try:
                v = 1.0 / float(f[-1])
            except (ValueError, ZeroDivisionError):
                continue
            if not ECDH[0] <= v:
                ECDH[0] = v
            return v
    return NAN


def check_installed(daemons, want):
    for d in daemons:
        got = d.installed()
        if got != want:
            raise BenchError("%s %s: %d CHILD SAs INSTALLED in its status, "
                             "want %d:\n%s" % (d.impl, d.tag, got, want,
                                               d.tail()))


def vti_batch(ns, n, role):
    """The N VTIs charon's side gets from a script, as the seed lab's setup
    does (charon makes none): returns (wall, CPU) of ip -batch."""
    lines = []
    for k in range(1, n + 1):
        l, r = ((gen.INIT_ADDR, gen.resp_addr(k)) if role == "i" else
                (gen.resp_addr(k), gen.INIT_ADDR))
        lines += ["link add vti%d type vti6 local %s remote %s key %d" %
                  (k, l, r, k), "link set vti%d mtu 1500 up" % k]
    c, t = children_cpu(), time.monotonic()
    ns.batch(lines)
    return time.monotonic() - t, children_cpu() - c


def bench_n(impl, n, wdir, rep):
    """N peers: responder (under test) started and idle first, then the
    initiator (same implementation), then 'initiate all' at t0."""
    wdir = os.path.join(wdir, "%s-%d-%d" % (impl, n, rep))
    with Run(wdir) as r:
        nsi, nsr = r.ns("bn-i"), r.ns("bn-r")
        # The initiator reaches N responder addresses on its own link: N
        # neighbour entries in the kernel's one table for all namespaces
        # (gc_thresh3 1024 by default: at N = 10,000 it overflowed and
        # IKE_AUTHs went unsent). A hub's branches sit behind routers.
        for k, v in (("gc_thresh1", n), ("gc_thresh2", 2 * n),
                     ("gc_thresh3", 4 * n)):
            for fam in ("ipv4", "ipv6"):
                path = "/proc/sys/net/%s/neigh/default/%s" % (fam, k)
                with open(path) as f:
                    cur = int(f.read())
                if cur < v:
                    with open(path, "w") as f:
                        f.write(str(v))
        sh("ip", "link", "add", "bn-vi", "netns", "bn-i", "type", "veth",
           "peer", "name", "bn-vr", "netns", "bn-r")
        nsi.batch(["addr add %s/64 dev bn-vi nodad" % gen.INIT_ADDR,
                   "link set bn-vi up"])
        nsr.batch(["addr add %s/64 dev bn-vr nodad" % gen.resp_addr(k)
                   for k in range(1, n + 1)] + ["link set bn-vr up"])
        vti = (float("nan"), float("nan"))
        kmem0 = kernel_kb()
        if impl == "vtid":
            dr = r.add(Vtid(nsr, wdir, "r",
                            lambda s: gen.vtid_n("r", n, s, WORKERS)))
            di = r.add(Vtid(nsi, wdir, "i",
                            lambda s: gen.vtid_n("i", n, s, WORKERS)))
        else:
            vti = vti_batch(nsr, n, "r")
            vti_batch(nsi, n, "i")
            dr = r.add(Charon(nsr, wdir, "r", gen.charon_n("r", n)))
            di = r.add(Charon(nsi, wdir, "i", gen.charon_n("i", n)))
        budget = 60 + n * 2
        dr.start()
        up_r = wait_ready([dr], budget)[dr]
        cpu_r_ready = dr.cpu()
        di.start()
        wait_ready([di], budget)
        settle([dr, di])
        cpu0 = {d: d.cpus() for d in (dr, di)}
        rss0 = {d: d.rss() for d in (dr, di)}
        names = ["p%d" % k for k in range(1, n + 1)]
        wall, cpu1, rss1 = converge([nsi, nsr], 2 * n, 6 * n,
                                    [lambda: di.up(names)], [dr, di],
                                    60 + n * 3)
        counts = [ns.counts() for ns in (nsi, nsr)]
        t = time.monotonic()
        check_installed([dr], n)
        t_status = time.monotonic() - t
        check_installed([di], n)
        # The tunnels as they stay: transient setup memory (DH keys,
        # messages of every SA in flight) freed or not by then.
        time.sleep(STEADY_S)
        rss2 = {d: d.rss() for d in (dr, di)}
        kmem1 = kernel_kb()
        t = time.monotonic()
        dr.reload()
        t_reload = time.monotonic() - t
        if dr.installed() != n:
            raise BenchError("%s r: CHILD SAs lost in the reload:\n%s" %
                             (impl, dr.tail()))
        res = {"impl": impl, "n": n, "rep": rep, "wall": wall,
               "startup_r": up_r, "startup_cpu_r": cpu_r_ready,
               "vti_wall": vti[0], "vti_cpu": vti[1],
               "threads_r": proc_threads(dr.pid), "counts": counts,
               "status_r": t_status, "reload_r": t_reload,
               "kmem": kmem1 - kmem0}
        for d, side in ((dr, "r"), (di, "i")):
            res["usr_" + side] = cpu1[d][0] - cpu0[d][0]
            res["sys_" + side] = cpu1[d][1] - cpu0[d][1]
            res["cpu_" + side] = res["usr_" + side] + res["sys_" + side]
            res["rss0_" + side] = rss0[d]
            res["rss1_" + side] = rss1[d]
            res["rss2_" + side] = rss2[d]
        return res


def bench_lab(impl, wdir, rep):
    """The seed lab's mesh: 3 sites x 2 VPN hosts, each host one peer per
    host of the other sites (4), 12 tunnels. All six daemons started and
    idle, then each tunnel initiated by the host first in the seed's pair
    order; converged when every host has its 4 CHILD SAs installed."""
    wdir = os.path.join(wdir, "%s-lab-%d" % (impl, rep))
    with Run(wdir) as r:
        net = r.ns("bn-net")
        net.batch(["link add bn-br type bridge mcast_snooping 0",
                   "link set bn-br up"])
        hosts = {}
        for a, v in gen.lab_hosts():
            h = "V%d-%d" % (a, v)
            ns = r.ns("bn-" + h)
            sh("ip", "link", "add", "eth0", "netns", ns.name, "type", "veth",
               "peer", "name", "bn-" + h, "netns", "bn-net")
            net.batch(["link set bn-%s master bn-br" % h,
                       "link set bn-%s up" % h])
            ns.batch(["addr add %s/64 dev eth0 nodad" % gen.lab_addr(a, v),
                      "link set eth0 up",
                      "route add 2001:db8::/32 dev eth0"])
            if impl == "vtid":
                d = Vtid(ns, wdir, h, lambda s, h=h: gen.lab_vtid(h, s))
            else:
                d = Charon(ns, wdir, h, gen.lab_charon(h))
            hosts[h] = r.add(d)
        t_launch = time.monotonic()
        for d in hosts.values():
            d.start()
        wait_ready(list(hosts.values()), 120)
        startup = time.monotonic() - t_launch
        settle(hosts.values())
        cpu0 = {d: d.cpus() for d in hosts.values()}
        rss0 = sum(d.rss() for d in hosts.values())
        triggers = []
        for h, d in hosts.items():
            mine = [p[0] for p in gen.lab_peers(h) if p[4]]
            if mine:
                triggers.append(lambda d=d, mine=mine: d.up(mine))
        wall, cpu1, rss1 = converge([r.nss[i] for i in range(1, 7)], 8, 24,
                                    triggers, list(hosts.values()), 120)
        check_installed(hosts.values(), 4)
        return {"impl": impl, "rep": rep, "wall": wall, "startup": startup,
                "cpu": sum(sum(cpu1[d]) - sum(cpu0[d])
                           for d in hosts.values()),
                "rss0": rss0, "rss1": sum(rss1.values())}


# ------------------------------------------------------------ report


def ratio(a, b):
    return a / b if b and a == a and b == b else NAN


def fmt(x, spec):
    return format(x, spec) if x == x else "-"


def best(runs, f, pick):
    """The best value of f over the runs of one implementation (pick is min
    for costs, max for rates): on a shared, emulated CPU, noise only ever
    makes a run slower, so the best run is the least disturbed one."""
    vals = [v for v in (f(r) for r in runs) if v == v]
    return pick(vals) if vals else NAN


def report(results, labs, reps, out):
    lines = []
    w = lines.append
    mode = ("QEMU/TCG guest" if os.environ.get("VTID_VM_GUEST") == "1"
            else "direct, no VM")
    src = os.environ.get("VTID_SRC", os.path.dirname(VTID))
    rev = sh("git", "-C", src, "describe", "--always", "--dirty",
             check=False).stdout.strip().splitlines()
    w("bench: kernel %s, %d CPUs, %s; %s" % (
        platform.release(), os.cpu_count(), mode,
        sh(CHARON, "--version", check=False).stdout.strip()))
    w("vtid: %s, built %s, sources at %s" % (
        VTID, time.strftime("%Y-%m-%d %H:%M", time.gmtime(
            os.path.getmtime(VTID))), rev[0] if rev else "?"))
    w("vtid's crypto threads: %s each side" % (
        "workers = %d" % WORKERS if WORKERS is not None else
        "its default, one per CPU (%d)" % os.cpu_count()))
    w("suite %s, PSK; each responder faces an initiator of the same "
      "implementation" % gen.SUITE)
    w("CPU: utime+stime (/proc/PID/stat) from 'initiate all' to all CHILD "
      "SAs installed; RSS: VmRSS")
    w("each figure: the best of %d run(s) per implementation, run in the "
      "order vtid, charon, charon, vtid, ..." % reps)
    w("OpenSSL P-384 ECDH: %.1f ms per operation (openssl speed at the "
      "start and the end, the better); each side needs 2 per SA: %.1f ms of CPU per SA, both sides" % (
          1000 * ECDH[0], 4000 * ECDH[0]))
    aims = []
    hdr = "  %-40s %11s %11s %12s" % ("", "vtid", "charon", "vtid/charon")

    def table(runs_v, runs_c, rows):
        w(hdr)
        got = {}
        for label, f, spec, pick in rows:
            a, b = best(runs_v, f, pick), best(runs_c, f, pick)
            got[label] = (a, b)
            w("  %-40s %11s %11s %12s" % (label, fmt(a, spec), fmt(b, spec),
                                          fmt(ratio(a, b), ".2f")))
        return got

    for n in sorted({r["n"] for r in results}):
        v = [r for r in results if r["impl"] == "vtid" and r["n"] == n]
        c = [r for r in results if r["impl"] == "charon" and r["n"] == n]
        w("")
        w("N = %d peers (IKE SA + CHILD SA each)" % n)
        got = table(v, c, [
            ("setup wall time (s)", lambda r: r["wall"], ".2f", min),
            ("setups/s (wall)", lambda r: n / r["wall"], ".1f", max),
            ("setups per CPU second, both sides",
             lambda r: n / (r["cpu_r"] + r["cpu_i"]), ".2f", max),
            ("CPU/SA responder (ms)", lambda r: 1e3 * r["cpu_r"] / n, ".1f",
             min),
            ("  of which kernel (sys)", lambda r: 1e3 * r["sys_r"] / n,
             ".1f", min),
            ("CPU/SA initiator (ms)", lambda r: 1e3 * r["cpu_i"] / n, ".1f",
             min),
            ("  of which kernel (sys)", lambda r: 1e3 * r["sys_i"] / n,
             ".1f", min),
            ("CPU/SA both sides / ECDH floor (4 ops)",
             lambda r: (r["cpu_r"] + r["cpu_i"]) / n / (4 * ECDH[0]),
             ".2f", min),
            ("CPU/SA both sides, user minus ECDH (ms)",
             lambda r: 1e3 * ((r["usr_r"] + r["usr_i"]) / n - 4 * ECDH[0]),
             ".1f", min),
            ("RSS idle responder (kB)", lambda r: r["rss0_r"], ".0f", min),
            ("RSS/SA responder (kB)",
             lambda r: (r["rss1_r"] - r["rss0_r"]) / n, ".1f", min),
            ("RSS/SA initiator (kB)",
             lambda r: (r["rss1_i"] - r["rss0_i"]) / n, ".1f", min),
            ("RSS/SA both sides (kB)",
             lambda r: (r["rss1_r"] - r["rss0_r"] + r["rss1_i"] -
                        r["rss0_i"]) / n, ".1f", min),
            ("RSS/SA both sides, %.0f s later (kB)" % STEADY_S,
             lambda r: (r["rss2_r"] - r["rss0_r"] + r["rss2_i"] -
                        r["rss0_i"]) / n, ".1f", min),
            ("responder start to ready (s)", lambda r: r["startup_r"], ".2f",
             min),
            ("  its CPU (s)", lambda r: r["startup_cpu_r"], ".2f", min),
            ("  + N VTIs by ip -batch (charon) (s)",
             lambda r: r["vti_wall"], ".2f", min),
            ("kernel memory/peer, both sides (kB)",
             lambda r: r["kmem"] / n, ".1f", min),
            ("all memory/peer, both sides, steady (kB)",
             lambda r: (r["kmem"] + r["rss2_r"] - r["rss0_r"] +
                        r["rss2_i"] - r["rss0_i"]) / n, ".1f", min),
            ("status of all SAs, responder (s)", lambda r: r["status_r"],
             ".2f", min),
            ("reload, nothing changed, responder (s)",
             lambda r: r["reload_r"], ".2f", min),
            ("threads (responder)", lambda r: r["threads_r"], ".0f", max),
        ])

        def cpu_all(x, pick):
            return pick(r["cpu_r"] + r["cpu_i"] for r in x) if x else NAN

        spread = [ratio(cpu_all(x, max), cpu_all(x, min)) for x in (v, c)]
        if reps > 1:
            w("  %-40s %11s %11s" % ("CPU spread, all runs (max/min)",
                                     fmt(spread[0], ".2f"),
                                     fmt(spread[1], ".2f")))
            if max([x for x in spread if x == x] + [0]) > 1.2:
                w("  (runs differ by more than 20%: the machine was busy, "
                  "compare with care)")
        a, b = got["setups per CPU second, both sides"]
        aims.append((n, "setups per CPU second", ratio(a, b), ">= 2.00",
                     ratio(a, b) >= 2))
        a, b = got["RSS/SA both sides (kB)"]
        aims.append((n, "memory per SA", ratio(a, b), "<= 0.25",
                     ratio(a, b) <= 0.25))
        a, b = got["RSS/SA both sides, %.0f s later (kB)" % STEADY_S]
        aims.append((n, "memory per SA, steady", ratio(a, b), "<= 0.25",
                     ratio(a, b) <= 0.25))
    sizes = sorted({r["n"] for r in results})
    marginal = []
    for n1, n2 in zip(sizes, sizes[1:]):
        w("")
        w("marginal cost of SAs %d to %d (growth from N=%d to N=%d: "
          "one-off costs cancel out)" % (n1 + 1, n2, n1, n2))
        w(hdr)
        for label, f, spec in (
                ("CPU/SA both sides (ms)",
                 lambda r: 1e3 * (r["cpu_r"] + r["cpu_i"]), ".1f"),
                ("RSS/SA both sides (kB)",
                 lambda r: r["rss1_r"] - r["rss0_r"] + r["rss1_i"] -
                 r["rss0_i"], ".1f"),
                ("RSS/SA both sides, %.0f s later (kB)" % STEADY_S,
                 lambda r: r["rss2_r"] - r["rss0_r"] + r["rss2_i"] -
                 r["rss0_i"], ".1f")):
            m = []
            for impl in ("vtid", "charon"):
                x1 = best([r for r in results if r["impl"] == impl and
                           r["n"] == n1], f, min)
                x2 = best([r for r in results if r["impl"] == impl and
                           r["n"] == n2], f, min)
                m.append((x2 - x1) / (n2 - n1))
            w("  %-40s %11s %11s %12s" % (label, fmt(m[0], spec),
                                          fmt(m[1], spec),
                                          fmt(ratio(m[0], m[1]), ".2f")))
            if label.startswith("RSS") and n2 == sizes[-1]:
                marginal.append(("SAs %d-%d marginal memory%s" % (
                    n1 + 1, n2, ", steady" if "later" in label else ""),
                    ratio(m[0], m[1])))
    if labs:
        w("")
        w("lab mesh, built here (lab/run has vtid on all six hosts or one "
          "charon, not six): the seed's 3 sites x 2 VPN hosts,")
        w("12 tunnels, 4 CHILD SAs per host; all 6 daemons ready, then each "
          "tunnel initiated once")
        table([r for r in labs if r["impl"] == "vtid"],
              [r for r in labs if r["impl"] == "charon"], [
            ("6 daemons: start to ready (s)", lambda r: r["startup"], ".2f",
             min),
            ("converged, after initiate (s)", lambda r: r["wall"], ".2f",
             min),
            ("CPU of the 6 daemons to converge (s)", lambda r: r["cpu"],
             ".2f", min),
            ("RSS idle, 6 daemons (kB)", lambda r: r["rss0"], ".0f", min),
            ("RSS converged, 6 daemons (kB)", lambda r: r["rss1"], ".0f",
             min)])
    w("")
    w("aims, vtid/charon (a benchmark: a missed aim does not fail the run)")
    for n, what, r, aim, ok in aims:
        if r == r:
            w("  %-38s %6.2f  aim %s  %s" % (
                "N=%d %s" % (n, what), r, aim, "met" if ok else "MISSED"))
    for what, r in marginal:
        if r == r:
            w("  %-38s %6.2f  aim <= 0.25  %s" % (
                what, r, "met" if r <= 0.25 else "MISSED"))
    text = "\n".join(lines)
    log(text)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")


def order(impls, reps):
    """vtid, charon, charon, vtid, ...: drift in the machine's load hits
    both alike."""
    seq = []
    for i in range(reps):
        seq += impls if i % 2 == 0 else impls[::-1]
    return list(enumerate(seq))


def main():
    global VTID, VTICTL, TRACE, WORKERS
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="10,100,500")
    ap.add_argument("--impl", default="vtid,charon")
    ap.add_argument("--reps", type=int, default=2,
                    help="runs per implementation and N (the best counts)")
    ap.add_argument("--no-lab", action="store_true")
    ap.add_argument("--workers", type=int,
                    help="vtid's crypto threads, each side (default: its "
                    "own, one per CPU)")
    ap.add_argument("--out")
    ap.add_argument("--logs", help="copy configurations and logs there")
    ap.add_argument("--trace", action="store_true",
                    help="print the SA/policy counts as they change")
    a = ap.parse_args()
    TRACE = a.trace
    WORKERS = a.workers
    build = os.environ.get("VTID_BUILD")
    if not build:
        sys.exit("bench: VTID_BUILD unset")
    VTID = os.path.join(build, "src/daemon/vtid")
    VTICTL = os.path.join(build, "src/vtictl/vtictl")
    for f in (VTID, VTICTL, CHARON):
        if not os.access(f, os.X_OK):
            sys.exit("bench: missing %s" % f)
    ns = [int(x) for x in a.n.split(",") if x]
    impls = [x for x in a.impl.split(",") if x]
    if not ns or any(x < 1 for x in ns) or a.reps < 1 or \
            not set(impls) <= {"vtid", "charon"}:
        sys.exit("bench: bad --n, --impl or --reps")
    wdir = subprocess.check_output(["mktemp", "-d", "/tmp/bn-bench.XXXXXX"],
                                   text=True).strip()
    results, labs = [], []
    failed = None
    t_all = time.monotonic()
    try:
        log("bench: kernel warm-up (modules, AEAD templates) %.1f s" %
            warm_up())
        ecdh_cost()
        log("bench: OpenSSL P-384 ECDH %.1f ms per operation" %
            (1000 * ECDH[0]))
        for n in ns:
            for rep, impl in order(impls, a.reps):
                t = time.monotonic()
                r = bench_n(impl, n, wdir, rep)
                results.append(r)
                log("bench: %-6s N=%-4d %6.2f s wall, CPU responder %.2f s "
                    "(sys %.2f) initiator %.2f s (sys %.2f), RSS responder "
                    "%d -> %d kB (run %.0f s)" % (
                        impl, n, r["wall"], r["cpu_r"], r["sys_r"],
                        r["cpu_i"], r["sys_i"], r["rss0_r"], r["rss1_r"],
                        time.monotonic() - t))
        if not a.no_lab:
            for rep, impl in order(impls, a.reps):
                r = bench_lab(impl, wdir, rep)
                labs.append(r)
                log("bench: %-6s lab converged in %.2f s, CPU %.2f s "
                    "(daemons ready in %.2f s)" % (
                        impl, r["wall"], r["cpu"], r["startup"]))
        ecdh_cost()
        log("bench: OpenSSL P-384 ECDH %.1f ms per operation, the better of "
            "2" % (1000 * ECDH[0]))
    except BenchError as e:
        failed = e
    log("bench: %.0f s in all\n" % (time.monotonic() - t_all))
    report(results, labs, a.reps, a.out)
    if a.logs:
        subprocess.run(["rm", "-rf", a.logs])
        subprocess.run(["cp", "-r", "--no-preserve=mode", wdir, a.logs],
                       stderr=subprocess.DEVNULL)
    subprocess.run(["rm", "-rf", wdir])
    if failed:
        log("\nFAIL: %s" % failed)
        if a.logs:
            log("logs and configurations: %s" % a.logs)
        sys.exit(1)


if __name__ == "__main__":
    main()
