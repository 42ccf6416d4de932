#!/usr/bin/env python3
"""vtid-import against the seed lab and against everything it must not
convert silently.

1. The seed's ipsec.Vx-y.conf and ipsec.Vx-y.secrets (jinja templates)
   are rendered for each of the six lab hosts (asn 1..3, vpn 1..2) by the
   small renderer below; vtid-import converts them with --vti-netns
   private and the lab's VTI addresses; vtid -t must accept each result,
   and vtid -T (every default resolved) must print the same peers as for
   conf/lab/render's configuration of that host: names, addresses,
   identities, marks, start, keying tries, proposals, lifetimes, DPD,
   VTI. The PSK is compared on its own.
2. A file with every kind of keyword vtid-import cannot convert: each is
   named in a warning with its file and line; the rest converts and
   vtid -t accepts it.
3. Binary PSKs go to --psk-dir files (mode 600, psk_file).

Usage: import_test.py VTID SRC
"""
import importlib.machinery
import importlib.util
import os
import re
import stat
import subprocess
import sys
import tempfile

VTID, SRC = sys.argv[1], sys.argv[2]
IMPORT = os.path.join(SRC, "src/import/vtid-import")
SEED = os.environ.get("VTID_SEED", os.path.join(SRC, "tests/unit/ops/seed"))
PSK = "d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc"
checks = 0


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    global checks
    checks += 1
    print("ok: " + msg)


# ---- a jinja2 subset: {{ expr }}, {% for x in expr [if cond] %},
# {% endfor %}, and '-' whitespace control on either side of a tag.

TAG = re.compile(r"\{%(-?)\s*(.*?)\s*(-?)%\}|\{\{(-?)\s*(.*?)\s*(-?)\}\}",
                 re.S)
FOR = re.compile(r"^for\s+(\w+)\s+in\s+(.+?)(?:\s+if\s+(.+))?$", re.S)


def jinja(template, ctx):
    nodes, pos, strip_next = [], 0, False
    for m in TAG.finditer(template):
        text = template[pos:m.start()]
        if strip_next:
            text = text.lstrip()
        if m.group(1) == "-" or m.group(4) == "-":
            text = text.rstrip()
        nodes.append(("text", text))
        if m.group(2) is not None:
            nodes.append(("stmt", m.group(2)))
            strip_next = m.group(3) == "-"
        else:
            nodes.append(("expr", m.group(5)))
            strip_next = m.group(6) == "-"
        pos = m.end()
    text = template[pos:]
    nodes.append(("text", text.lstrip() if strip_next else text))

    def block(i):
        """Parse nodes[i:] up to an endfor: (tree, next index)."""
        tree = []
        while i < len(nodes):
            kind, val = nodes[i]
            if kind == "stmt":
                if val == "endfor":
                    return tree, i + 1
                m = FOR.match(val)
                if not m:
                    raise ValueError("unsupported tag: " + val)
                body, i = block(i + 1)
                tree.append(("for", m.group(1), m.group(2), m.group(3),
                             body))
                continue
            tree.append((kind, val))
            i += 1
        return tree, i

    def run(tree, env, out):
        for node in tree:
            if node[0] == "text":
                out.append(node[1])
            elif node[0] == "expr":
                out.append(str(eval(node[1], {"range": range}, env)))
            else:
                _, var, seq, cond, body = node
                for x in eval(seq, {"range": range}, env):
                    e = dict(env, **{var: x})
                    if cond is None or eval(cond, {"range": range}, e):
                        run(body, e, out)

    tree, _ = block(0)
    out = []
    run(tree, dict(ctx), out)
    return "".join(out)


def lab_render_module():
    loader = importlib.machinery.SourceFileLoader(
        "lab_render", os.path.join(SRC, "conf/lab/render"))
    spec = importlib.util.spec_from_loader("lab_render", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def peers_of(dump):
    """The peers of a vtid -T dump, origin comments left out."""
    text = dump[dump.index("peers = ("):]
    return re.sub(r"\{\t# [^\n]*", "{", text)


def vtid_dump(path):
    r = run([VTID, "-T", "-c", path])
    if r.returncode != 0:
        fail("vtid -T -c %s: %s" % (path, r.stderr))
    return r.stdout


def seed_hosts(tmp):
    lab = lab_render_module()
    asns, vpns = 3, 2
    pairs = lab.pairs(asns, vpns)
    with open(os.path.join(SEED, "ipsec.Vx-y.conf")) as f:
        conf_t = f.read()
    with open(os.path.join(SEED, "ipsec.Vx-y.secrets")) as f:
        secrets_t = f.read()
    for asn in range(1, asns + 1):
        for vpn in range(1, vpns + 1):
            host = "V%d-%d" % (asn, vpn)
            ctx = {"asn": asn, "vpn": vpn, "asns": asns, "vpns": vpns}
            d = os.path.join(tmp, host)
            os.makedirs(d)
            conf = jinja(conf_t, ctx)
            secrets = jinja(secrets_t, ctx)
            # The renderer itself: one conn per remote host, one secret
            # per lab host.
            conns = re.findall(r"^conn (\S+)$", conf, re.M)
            want = ["V%d-%d" % (a, v) for a in range(1, asns + 1)
                    for v in range(1, vpns + 1) if a != asn]
            if conns != want:
                fail("%s: rendered conns %s, want %s" % (host, conns, want))
            if len(re.findall(r"^\S+ : PSK ", secrets, re.M)) != 6:
                fail("%s: rendered secrets: %s" % (host, secrets))
            with open(os.path.join(d, "ipsec.conf"), "w") as f:
                f.write(conf)
            with open(os.path.join(d, "ipsec.secrets"), "w") as f:
                f.write(secrets)
            # The lab's VTI addresses (its setup script, as render has
            # them): pair index n gives 2001:db8:ff::n/127 and
            # 169.254.1.n/31.
            addrs = []
            for c in conns:
                ra, rv = int(c[1]), int(c[3])
                n = pairs.index((asn, vpn, ra, rv))
                addrs += ["--vti-address",
                          "%s=2001:db8:ff::%d/127,169.254.1.%d/31"
                          % (c, n, n)]
            out = os.path.join(d, "vtid.conf")
            r = run([sys.executable, IMPORT, "--vti-netns", "private",
                     "-o", out, *addrs, os.path.join(d, "ipsec.conf")])
            if r.returncode != 0:
                fail("%s: vtid-import exit %d: %s" % (host, r.returncode,
                                                      r.stderr))
            warnings = [l for l in r.stderr.splitlines()
                        if not l.startswith("vtid-import: 4 peers")]
            if warnings:
                fail("%s: warnings for the seed: %s" % (host, warnings))
            mode = stat.S_IMODE(os.stat(out).st_mode)
            if mode != 0o600:
                fail("%s: output mode %o" % (host, mode))
            r = run([VTID, "-t", "-c", out])
            if r.returncode != 0 or "configuration OK, 4 peers" not in \
                    r.stdout:
                fail("%s: vtid -t: %s %s" % (host, r.stdout, r.stderr))
            with open(out) as f:
                text = f.read()
            if text.count('psk = "%s";' % PSK) != 4:
                fail("%s: not 4 inline PSKs" % host)
            ref = os.path.join(d, "lab.conf")
            r = run([sys.executable, os.path.join(SRC, "conf/lab/render"),
                     str(asn), str(vpn)])
            with open(ref, "w") as f:
                f.write(r.stdout)
            os.chmod(ref, 0o600)
            got, want_dump = peers_of(vtid_dump(out)), \
                peers_of(vtid_dump(ref))
            if got != want_dump:
                import difflib
                fail("%s: converted peers differ from conf/lab/render %d "
                     "%d:\n%s" % (host, asn, vpn, "".join(
                         difflib.unified_diff(
                             want_dump.splitlines(True),
                             got.splitlines(True), "lab", "import"))))
            ok("%s: seed rendered (4 conns, 6 secrets), converted without "
               "a warning, vtid -t OK, peers == conf/lab/render %d %d "
               "(%d lines of vtid -T), 4 PSKs" % (
                   host, asn, vpn, len(got.splitlines())))
    # V1-1 in full: what the README shows.
    with open(os.path.join(tmp, "V1-1", "vtid.conf")) as f:
        print("--- vtid-import of the seed, V1-1:\n" + f.read() + "---")


UNCONVERTIBLE = """\
# Everything vtid-import must name.
config setup
	charondebug="ike 2"
	uniqueids=never

ca corp
	cacert=corp.pem
	crluri=http://crl.example/corp.crl
	auto=add

conn %default
	keyexchange=ikev2
	authby=psk
	dpdaction=hold
	ike=aes128gcm16-prfsha256-x25519!
	esp=aes128gcm16!

conn base
	left=192.0.2.1
	mark=7
	auto=start

conn paris
	also=base
	right=198.51.100.7
	leftid=@hq.example.net
	rightid=@paris.example.net
	leftsubnet=0.0.0.0/0
	rightsubnet=10.0.0.0/8
	leftfirewall=yes
	ikelifetime=3h
	lifetime=1h
	margintime=5m
	dpddelay=10s
	dpdtimeout=30s
	keyingtries=3

conn lyon
	left=192.0.2.1
	right=198.51.100.8
	mark=8
	mobike=yes
	forceencaps=yes
	fragmentation=no
	auto=route

conn v1
	left=192.0.2.1
	right=198.51.100.9
	keyexchange=ikev1
	mark=9
	auto=add

conn cert
	left=192.0.2.1
	right=198.51.100.10
	authby=pubkey
	mark=10
	auto=add

conn nosecret
	left=192.0.2.1
	right=198.51.100.11
	mark=11
	auto=add

conn transport
	left=192.0.2.1
	right=198.51.100.12
	type=transport
	mark=12
	auto=add

conn dup
	left=192.0.2.1
	right=198.51.100.12
	mark=8
	rightid=%any
	auto=add

conn off
	left=192.0.2.1
	right=198.51.100.13
	auto=ignore
"""

SECRETS = """\
198.51.100.7 : PSK "paris-0123456789abcdefghij"
198.51.100.8 : PSK 'lyon-0123456789abcdefghijk'
198.51.100.9 198.51.100.10 198.51.100.12 : PSK "shared-0123456789abcdefghij"
: PSK "default-0123456789abcdefghij"
@hq.example.net : RSA hq.pem
"""


def unconvertible(tmp):
    d = os.path.join(tmp, "bad")
    os.makedirs(d)
    conf = os.path.join(d, "ipsec.conf")
    with open(conf, "w") as f:
        f.write(UNCONVERTIBLE)
    with open(os.path.join(d, "ipsec.secrets"), "w") as f:
        f.write(SECRETS)
    out = os.path.join(d, "vtid.conf")
    r = run([sys.executable, IMPORT, "-o", out, conf])
    if r.returncode != 1:
        fail("unconvertible: exit %d, expected 1: %s" % (r.returncode,
                                                        r.stderr))
    lines = UNCONVERTIBLE.split("\n")

    def line_of(text, after=None):
        start = 0 if after is None else lines.index(after)
        for i in range(start, len(lines)):
            if lines[i].strip() == text:
                return i + 1
        fail("test bug: no line '%s'" % text)

    expect = [
        (line_of('charondebug="ike 2"'), "config setup: charondebug=ike 2"),
        (line_of("uniqueids=never"), "config setup: uniqueids=never"),
        (line_of("crluri=http://crl.example/corp.crl"),
         "ca corp: crluri=http://crl.example/corp.crl cannot be converted"),
        (line_of("rightsubnet=10.0.0.0/8"),
         "conn paris: rightsubnet=10.0.0.0/8: vtid is route-based"),
        (line_of("leftfirewall=yes"),
         "conn paris: leftfirewall=yes cannot be converted"),
        (line_of("mobike=yes"), "conn lyon: mobike=yes cannot be converted"),
        (line_of("keyexchange=ikev1"), "error: conn v1: "
         "keyexchange=ikev1 cannot be converted (vtid: ike/ikev2): conn "
         "left out"),
        (line_of("authby=pubkey"),
         "error: conn cert: authby=pubkey without leftcert="),
        (line_of("type=transport"),
         "error: conn transport: type=transport cannot be converted"),
        (line_of("rightid=%any", "conn dup"),
         "conn dup: rightid=%any cannot be converted"),
        (line_of("mark=8", "conn dup"),
         "conn dup: mark 8 already used by another conn"),
        (line_of("mark=8", "conn dup"),
         "conn dup: no usable mark=: given mark 1"),
        (line_of("auto=ignore"), "conn off: auto=ignore, not converted"),
    ]
    for n, text in expect:
        want = "%s:%d: %s" % (conf, n, text)
        if want not in r.stderr:
            fail("unconvertible: no '%s' in:\n%s" % (want, r.stderr))
        ok("named: %s" % want.split(": ", 1)[1])
    # nosecret finds the default (selector-less) secret, dup the one
    # listing its address.
    for frag in ('name = "nosecret";', 'psk = "default-0123456789abcdefghij";',
                 'psk = "shared-0123456789abcdefghij";'):
        if frag not in open(out).read():
            fail("unconvertible: no '%s'" % frag)
    ok("PSK lookup: by the peer's address, else the secret without "
       "selectors")
    with open(out) as f:
        text = f.read()
    # Warnings are in the file's header too.
    if "#   %s:%d: conn paris: leftfirewall=yes" % (
            conf, line_of("leftfirewall=yes")) not in text:
        fail("unconvertible: warnings not in the output's header")
    # What did convert.
    for frag in ('name = "paris";', 'local_id = "fqdn:hq.example.net";',
                 'remote_id = "fqdn:paris.example.net";', 'mark = 7;',
                 'start = "start";', 'keying_tries = 3;',
                 # dpdaction=hold from %default
                 'action = "trap";', 'delay = 10;', 'timeout = 30;',
                 # ikelifetime=3h, margintime=5m: rekey at 3h - 5m
                 'rekey_time = 10500; jitter = 300; margin = 300;',
                 'rekey_time = 3300; jitter = 300; margin = 300;',
                 'proposals = "aes128gcm16-prfsha256-x25519!";',
                 'name = "lyon";', 'start = "route";',
                 # forceencaps=yes, fragmentation=no
                 'nat = { encap = true; };', 'fragmentation = false;',
                 'psk = "lyon-0123456789abcdefghijk";', "# TODO: the "
                 "addresses of its VTI"):
        if frag not in text:
            fail("unconvertible: no '%s' in:\n%s" % (frag, text))
    for gone in ('"base"', '"off"', '"cert"', '"v1"', '"transport"'):
        if "name = %s" % gone in text:
            fail("unconvertible: %s converted" % gone)
    r = run([VTID, "-t", "-c", out])
    if r.returncode != 0:
        fail("unconvertible: vtid -t: %s" % r.stderr)
    ok("what converts (%s): vtid -t: %s" % (
        ", ".join(re.findall(r'name = "([^"]+)";\n', text)),
        r.stdout.strip().split(": ", 1)[1]))


def binary_psk(tmp):
    d = os.path.join(tmp, "bin")
    os.makedirs(d)
    conf = os.path.join(d, "ipsec.conf")
    with open(conf, "w") as f:
        f.write("conn V2-1\n\tleft=2001:db8:1::1\n\tright=2001:db8:2::1\n"
                "\tauthby=secret\n\tmark=3\n\tauto=route\n")
    with open(os.path.join(d, "ipsec.secrets"), "w") as f:
        f.write("2001:db8:2::1 : PSK 0x00" + "ab" * 31 + "0a\n")
    out = os.path.join(d, "vtid.conf")
    r = run([sys.executable, IMPORT, "-o", out, conf])
    if r.returncode != 1 or "a binary PSK cannot be written inline: use " \
            "--psk-dir" not in r.stderr:
        fail("binary PSK without --psk-dir: %d %s" % (r.returncode,
                                                       r.stderr))
    ok("binary PSK without --psk-dir: refused")
    # No secret for the peer at all.
    r2 = run([sys.executable, IMPORT, "-o", out, "-s", "/dev/null", conf])
    want = "error: conn V2-1: no PSK in the secrets for 2001:db8:2::1"
    if r2.returncode != 1 or want not in r2.stderr:
        fail("no secret: %d %s" % (r2.returncode, r2.stderr))
    ok("no secret for the peer: %s" % want)
    pskdir = os.path.join(d, "psk")
    r = run([sys.executable, IMPORT, "-o", out, "--psk-dir", pskdir, conf])
    if r.returncode != 0:
        fail("--psk-dir: %s" % r.stderr)
    f = os.path.join(pskdir, "V2-1")
    with open(f, "rb") as fh:
        data = fh.read()
    if data != bytes.fromhex("00" + "ab" * 31 + "0a") + b"\n" or \
            stat.S_IMODE(os.stat(f).st_mode) != 0o600:
        fail("--psk-dir: file %r mode %o" % (data,
                                             os.stat(f).st_mode))
    r = run([VTID, "-t", "-c", out])
    if r.returncode != 0:
        fail("--psk-dir: vtid -t: %s" % r.stderr)
    dump = vtid_dump(out)
    if "# psk: 33 bytes" not in dump:
        fail("--psk-dir: vtid reads %s" % re.findall(r"# psk.*", dump))
    ok("--psk-dir: 33-byte binary PSK (ending in 0x0a) in a mode 600 "
       "file, vtid -t reads 33 bytes")


def dynamic(tmp):
    """right=%any and a subnet with rightid: vtid's remote %any / prefix,
    start add, remote_id; vtid -t accepts it and -T shows it. Without a
    rightid it is refused."""
    d = os.path.join(tmp, "dyn")
    os.makedirs(d)
    conf = os.path.join(d, "ipsec.conf")
    with open(conf, "w") as f:
        f.write("conn %default\n\tauthby=secret\n\tkeyexchange=ikev2\n"
                "\nconn br1\n\tleft=2001:db8:1::2\n\tright=%any\n"
                "\trightid=@one.example\n\tmark=7\n\tauto=start\n"
                "\nconn br2\n\tleft=2001:db8:1::2\n\tright=2001:db8:5::/48\n"
                "\trightid=two@example.org\n\tmark=8\n\tauto=add\n")
    with open(os.path.join(d, "ipsec.secrets"), "w") as f:
        f.write("@one.example : PSK \"one-0123456789abcdefghijklm\"\n"
                "two@example.org : PSK \"two-0123456789abcdefghijklm\"\n")
    out = os.path.join(d, "vtid.conf")
    r = run([sys.executable, IMPORT, "-o", out, "--vti-type", "xfrm", conf])
    if r.returncode != 0:
        fail("right=%%any: exit %d: %s" % (r.returncode, r.stderr))
    want = "conn br1: auto=start with right=%any: vtid has no address to " \
        "initiate to; converted with start = \"add\""
    if want not in r.stderr:
        fail("right=%%any auto=start: no '%s' in %s" % (want, r.stderr))
    r = run([VTID, "-t", "-c", out])
    if r.returncode != 0:
        fail("right=%%any: vtid -t: %s" % r.stderr)
    dump = vtid_dump(out)
    for frag in ('remote = "%any6";', 'remote_id = "fqdn:one.example";',
                 'remote = "2001:db8:5::/48";',
                 'remote_id = "email:two@example.org";'):
        if frag not in dump:
            fail("right=%%any: no '%s' in vtid -T:\n%s" % (frag, dump))
    if dump.count('start = "add";') < 2:
        fail("right=%%any: not start add:\n%s" % dump)
    ok("right=%any and right=2001:db8:5::/48 with rightid: remote %any6 / "
       "the prefix, remote_id, start add; vtid -t accepts them")
    with open(conf, "w") as f:
        f.write("conn br3\n\tleft=192.0.2.1\n\tright=%any\n"
                "\tauthby=secret\n\tmark=9\n\tauto=add\n")
    r = run([sys.executable, IMPORT, "-o", out, conf])
    want = "error: conn br3: right=%any needs rightid= (vtid tells peers " \
        "without a fixed address apart by their identity)"
    if r.returncode != 1 or want not in r.stderr:
        fail("right=%%any without rightid: %d %s" % (r.returncode,
                                                      r.stderr))
    ok("right=%any without rightid: refused, " + want)


def certs(tmp):
    """leftcert, a ca section, the key in ipsec.secrets, a DN rightid: a
    vtid.conf with local_cert/local_key/ca that vtid -t accepts (a PKI
    made here with openssl, laid out as /etc/ipsec.d is)."""
    d = os.path.join(tmp, "certs")
    ipd = os.path.join(d, "ipsec.d")
    for sub in ("certs", "private", "cacerts"):
        os.makedirs(os.path.join(ipd, sub))

    def ossl(*a):
        r = run(["openssl"] + list(a))
        if r.returncode != 0:
            fail("openssl %s: %s" % (a[0], r.stderr))
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(ipd, "cacerts",
                                                          "root.pem")
    key = os.path.join(ipd, "private", "hq.key")
    csr, crt = os.path.join(d, "hq.csr"), os.path.join(ipd, "certs",
                                                       "hq.pem")
    ext = os.path.join(d, "hq.ext")
    ossl("genpkey", "-algorithm", "EC", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-out", ca_key)
    ossl("req", "-x509", "-new", "-key", ca_key, "-out", ca, "-days", "30",
         "-subj", "/O=Example/CN=Example Root",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("genpkey", "-algorithm", "EC", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-out", key)
    os.chmod(key, 0o600)
    ossl("req", "-new", "-key", key, "-out", csr, "-subj",
         "/O=Example/CN=hq.example.net")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:hq.example.net,IP:192.0.2.1\n")
    ossl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-out", crt, "-days", "20", "-extfile", ext)
    conf = os.path.join(d, "ipsec.conf")
    with open(conf, "w") as f:
        f.write("ca root\n\tcacert=root.pem\n\tauto=add\n\n"
                "conn branch\n\tleft=192.0.2.1\n\tright=198.51.100.20\n"
                "\tleftcert=hq.pem\n\tleftid=@hq.example.net\n"
                "\trightid=\"O=Example, CN=branch.example.net\"\n"
                "\tleftauth=pubkey\n\trightauth=pubkey\n"
                "\tleftsendcert=always\n\tmark=20\n\tauto=start\n")
    with open(os.path.join(d, "ipsec.secrets"), "w") as f:
        f.write(": ECDSA hq.key\n")
    out = os.path.join(d, "vtid.conf")
    r = run([sys.executable, IMPORT, "-o", out, "--ipsec-d", ipd, conf])
    if r.returncode != 0:
        fail("certificates: exit %d: %s" % (r.returncode, r.stderr))
    r = run([VTID, "-t", "-c", out])
    if r.returncode != 0:
        fail("certificates: vtid -t: %s" % r.stderr)
    dump = vtid_dump(out)
    for frag in ('local_cert = "%s";' % crt, 'local_key = "%s";' % key,
                 'ca = "%s";' % ca,
                 'remote_id = "dn:O=Example, CN=branch.example.net";',
                 'local_id = "fqdn:hq.example.net";'):
        if frag not in dump:
            fail("certificates: no '%s' in vtid -T:\n%s" % (frag, dump))
    ok("leftcert, ca section, ': ECDSA hq.key', a DN rightid: local_cert, "
       "local_key, ca, remote_id dn:...; vtid -t accepts it")


def unreadable():
    r = run([sys.executable, IMPORT, "/nonexistent/ipsec.conf"])
    if r.returncode != 2 or "No such file or directory" not in r.stderr:
        fail("unreadable input: %d %s" % (r.returncode, r.stderr))
    ok("unreadable ipsec.conf: exit 2, " + r.stderr.strip())


def main():
    unreadable()
    with tempfile.TemporaryDirectory(prefix="op-import.") as tmp:
        seed_hosts(tmp)
        unconvertible(tmp)
        binary_psk(tmp)
        dynamic(tmp)
        certs(tmp)
    print("PASS: vtid-import: %d checks" % checks)


main()
