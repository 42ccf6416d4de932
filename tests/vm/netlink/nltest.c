/* nltest: drive src/xfrm and src/vti from shell scripts (tests/vm/netlink).
 *
 *   nltest [-n NETNS] COMMAND [key=value ...]
 *
 * -n NETNS opens the netlink sockets in /run/netns/NETNS (the ESP side)
 * through src/netlink; without it, the current namespace. Output is one
 * line per fact, for scripts to grep. Exit status: 0 ok, 1 failure (the
 * library's error line on stderr), 2 usage. Keys given on the command
 * line are test keys: they are wiped from memory all the same. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ev.h>
#include <openssl/crypto.h>

#include "hex.h"
#include "netlink/netlink.h"
#include "vti/vti.h"
#include "xfrm/xfrm.h"

#define ARGS_MAX	64
#define MARKS_MAX	16

static struct {
	const char	*k;
	char		*v;
	bool		 used;
} args[ARGS_MAX];
static size_t nargs;
static const char *netns;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: nltest [-n NETNS] COMMAND [key=value ...]\n"
	    "  sa-add|sa-update src= dst= spi= reqid= [mark=V[/M]]\n"
	    "      enc=gcm128|gcm192|gcm256|cbc128|cbc192|cbc256 enc-key=HEX\n"
	    "      [integ=sha256|sha384|sha512 integ-key=HEX] [replay=N]\n"
	    "      [esn=1] [inner=any|inet|inet6] [soft-bytes= hard-bytes=\n"
	    "      soft-packets= hard-packets= soft-time= hard-time=]\n"
	    "  sa-del|sa-get dst= spi= [mark=V[/M]]\n"
	    "  spi-alloc src= dst= reqid= [mark=] [min= max=]\n"
	    "  policy-add|policy-update|policy-del dir=in|out|fwd\n"
	    "      (family=inet|inet6 | sel-src=P sel-dst=P) [mark=] [priority=]\n"
	    "      tmpl-src= tmpl-dst= reqid=\n"
	    "  purge [reqid=MIN-MAX] [mark=V/M ...]\n"
	    "  list\n"
	    "  watch count=N timeout=S [types=acquire,soft,hard] [spi=]\n"
	    "  vti-setup name= local= remote= (key=|ikey= okey=) [link=]\n"
	    "      [netns=] [mtu=] [addr=P ...] [disable-policy=0|1]\n"
	    "  vti-del|vti-show name= [netns=]\n");
	exit(2);
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "nltest: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(2);
}

/* The next value of key k (repeatable keys), or NULL. */
static char *
arg_next(const char *k, size_t *it)
{
	for (; *it < nargs; (*it)++)
		if (strcmp(args[*it].k, k) == 0) {
			args[*it].used = true;
			return args[(*it)++].v;
		}
	return NULL;
}

static const char *
arg(const char *k)
{
	size_t it = 0;

	return arg_next(k, &it);
}

static const char *
arg_req(const char *k)
{
	const char *v = arg(k);

	if (v == NULL)
		die("missing argument", k);
	return v;
}

static uint64_t
num(const char *s, const char *k)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		die("bad number for", k);
	return v;
}

static uint64_t
arg_num(const char *k, uint64_t dflt)
{
	const char *v = arg(k);

	return v != NULL ? num(v, k) : dflt;
}

static uint32_t
arg_u32(const char *k, uint32_t dflt)
{
	uint64_t v = arg_num(k, dflt);

	if (v > UINT32_MAX)
		die("number too large for", k);
	return (uint32_t)v;
}

static void
arg_addr(const char *k, struct nl_addr *a)
{
	if (nl_addr_parse(a, arg_req(k)) < 0)
		die("bad address for", k);
}

static void
parse_mark(const char *s, struct xfrm_mark *m)
{
	char buf[64], *slash;

	if (strlen(s) >= sizeof(buf))
		die("bad mark", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	m->v = (uint32_t)num(buf, "mark");
	m->m = slash != NULL ? (uint32_t)num(slash + 1, "mark") : 0xffffffffu;
}

static void
arg_mark(struct xfrm_mark *m)
{
	const char *v = arg("mark");

	memset(m, 0, sizeof(*m));
	if (v != NULL)
		parse_mark(v, m);
}

static size_t
arg_hex(const char *k, uint8_t *out, size_t cap)
{
	long n = hex_parse(arg_req(k), out, cap);

	if (n < 0)
		die("bad hex (or too long a key) for", k);
	return (size_t)n;
}

static void
args_done(void)
{
	size_t i;

	for (i = 0; i < nargs; i++)
		if (!args[i].used)
			die("unknown argument", args[i].k);
}

static int
fail(struct nl_sock *s, int rc)
{
	fprintf(stderr, "nltest: %s\n", nl_sock_error(s));
	return rc < 0 ? 1 : 0;
}

static void
sa_parse(struct xfrm_sa *sa)
{
	const char *enc = arg_req("enc"), *inner = arg("inner"), *integ;

	memset(sa, 0, sizeof(*sa));
	arg_addr("src", &sa->src);
	arg_addr("dst", &sa->dst);
	sa->spi = arg_u32("spi", 0);
	sa->reqid = arg_u32("reqid", 0);
	arg_mark(&sa->mark);
	if (strncmp(enc, "gcm", 3) == 0)
		sa->encr = XFRM_ENCR_AES_GCM_16;
	else if (strncmp(enc, "cbc", 3) == 0)
		sa->encr = XFRM_ENCR_AES_CBC;
	else
		die("unknown enc", enc);
	sa->encr_key_len = arg_hex("enc-key", sa->encr_key,
	    sizeof(sa->encr_key));
	if (sa->encr == XFRM_ENCR_AES_CBC) {
		integ = arg_req("integ");
		if (strcmp(integ, "sha256") == 0)
			sa->integ = XFRM_INTEG_HMAC_SHA2_256_128;
		else if (strcmp(integ, "sha384") == 0)
			sa->integ = XFRM_INTEG_HMAC_SHA2_384_192;
		else if (strcmp(integ, "sha512") == 0)
			sa->integ = XFRM_INTEG_HMAC_SHA2_512_256;
		else
			die("unknown integ", integ);
		sa->integ_key_len = arg_hex("integ-key", sa->integ_key,
		    sizeof(sa->integ_key));
	}
	sa->replay_window = arg_u32("replay", 32);
	sa->esn = arg_num("esn", 0) != 0;
	if (inner == NULL || strcmp(inner, "any") == 0)
		sa->inner_family = AF_UNSPEC;
	else if (strcmp(inner, "inet") == 0)
		sa->inner_family = AF_INET;
	else if (strcmp(inner, "inet6") == 0)
		sa->inner_family = AF_INET6;
	else
		die("unknown inner", inner);
	sa->lifetime.soft_bytes = arg_num("soft-bytes", 0);
	sa->lifetime.hard_bytes = arg_num("hard-bytes", 0);
	sa->lifetime.soft_packets = arg_num("soft-packets", 0);
	sa->lifetime.hard_packets = arg_num("hard-packets", 0);
	sa->lifetime.soft_seconds = arg_num("soft-time", 0);
	sa->lifetime.hard_seconds = arg_num("hard-time", 0);
}

static int
cmd_sa(struct nl_sock *s, const char *cmd)
{
	struct xfrm_sa sa;
	int rc;

	sa_parse(&sa);
	args_done();
	rc = strcmp(cmd, "sa-add") == 0 ? xfrm_sa_add(s, &sa) :
	    xfrm_sa_update(s, &sa);
	xfrm_sa_wipe(&sa);
	if (rc < 0)
		return fail(s, rc);
	printf("%s ok\n", cmd);
	return 0;
}

static void
print_mark(const struct xfrm_mark *m)
{
	printf(" mark=0x%x/0x%x", m->v, m->m);
}

static void
print_sa(const struct xfrm_sa_info *sa)
{
	char a[NL_ADDRSTRLEN], b[NL_ADDRSTRLEN];

	printf("sa spi=0x%08x proto=%u src=%s dst=%s reqid=%u", sa->spi,
	    sa->proto, nl_addr_str(&sa->src, a, sizeof(a)),
	    nl_addr_str(&sa->dst, b, sizeof(b)), sa->reqid);
	print_mark(&sa->mark);
	printf(" bytes=%" PRIu64 " packets=%" PRIu64 " replay-dropped=%u "
	    "integrity-failed=%u\n", sa->bytes, sa->packets,
	    sa->replay_dropped, sa->integrity_failed);
}

static int
cmd_sa_id(struct nl_sock *s, const char *cmd)
{
	struct xfrm_sa_id id;
	struct xfrm_sa_info info;
	int rc;

	memset(&id, 0, sizeof(id));
	arg_addr("dst", &id.dst);
	id.spi = arg_u32("spi", 0);
	arg_mark(&id.mark);
	args_done();
	if (strcmp(cmd, "sa-del") == 0) {
		if ((rc = xfrm_sa_delete(s, &id)) < 0)
			return fail(s, rc);
		printf("sa-del ok\n");
		return 0;
	}
	if ((rc = xfrm_sa_get(s, &id, &info)) < 0)
		return fail(s, rc);
	print_sa(&info);
	return 0;
}

static int
cmd_spi_alloc(struct nl_sock *s)
{
	struct xfrm_spi_req req;
	uint32_t spi;
	int rc;

	memset(&req, 0, sizeof(req));
	arg_addr("src", &req.src);
	arg_addr("dst", &req.dst);
	req.reqid = arg_u32("reqid", 0);
	arg_mark(&req.mark);
	req.min = arg_u32("min", 0);
	req.max = arg_u32("max", 0);
	args_done();
	if ((rc = xfrm_spi_alloc(s, &req, &spi)) < 0)
		return fail(s, rc);
	printf("spi=0x%08x\n", spi);
	return 0;
}

static int
cmd_policy(struct nl_sock *s, const char *cmd)
{
	struct xfrm_policy pol;
	const char *dir = arg_req("dir"), *family = arg("family");
	int rc;

	memset(&pol, 0, sizeof(pol));
	if (strcmp(dir, "in") == 0)
		pol.dir = XFRM_POLICY_IN;
	else if (strcmp(dir, "out") == 0)
		pol.dir = XFRM_POLICY_OUT;
	else if (strcmp(dir, "fwd") == 0)
		pol.dir = XFRM_POLICY_FWD;
	else
		die("unknown dir", dir);
	if (family != NULL) {
		uint16_t f = strcmp(family, "inet6") == 0 ? AF_INET6 :
		    strcmp(family, "inet") == 0 ? AF_INET : 0;

		if (f == 0)
			die("unknown family", family);
		nl_prefix_any(&pol.sel_src, f);
		nl_prefix_any(&pol.sel_dst, f);
	} else if (nl_prefix_parse(&pol.sel_src, arg_req("sel-src")) < 0 ||
	    nl_prefix_parse(&pol.sel_dst, arg_req("sel-dst")) < 0)
		die("bad selector", NULL);
	arg_mark(&pol.mark);
	pol.priority = arg_u32("priority", 0);
	if (strcmp(cmd, "policy-del") != 0) {
		arg_addr("tmpl-src", &pol.tmpl_src);
		arg_addr("tmpl-dst", &pol.tmpl_dst);
		pol.reqid = arg_u32("reqid", 0);
	}
	args_done();
	if (strcmp(cmd, "policy-add") == 0)
		rc = xfrm_policy_add(s, &pol);
	else if (strcmp(cmd, "policy-update") == 0)
		rc = xfrm_policy_update(s, &pol);
	else
		rc = xfrm_policy_delete(s, &pol);
	if (rc < 0)
		return fail(s, rc);
	printf("%s ok\n", cmd);
	return 0;
}

static int
cmd_purge(struct nl_sock *s)
{
	struct xfrm_mark marks[MARKS_MAX];
	struct xfrm_owner o;
	const char *r = arg("reqid"), *v;
	unsigned int nsa = 0, npol = 0;
	char buf[64], *dash;
	size_t it = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	if (r != NULL) {
		if (strlen(r) >= sizeof(buf) || strchr(r, '-') == NULL)
			die("reqid= wants MIN-MAX", r);
		strcpy(buf, r);
		dash = strchr(buf, '-');
		*dash = '\0';
		o.reqid_min = (uint32_t)num(buf, "reqid");
		o.reqid_max = (uint32_t)num(dash + 1, "reqid");
	}
	while ((v = arg_next("mark", &it)) != NULL) {
		if (o.n_marks == MARKS_MAX)
			die("too many marks", NULL);
		parse_mark(v, &marks[o.n_marks++]);
	}
	o.marks = marks;
	args_done();
	/* Policies first: no new ACQUIRE for SAs being removed. */
	if ((rc = xfrm_policy_purge(s, &o, &npol)) < 0)
		return fail(s, rc);
	if ((rc = xfrm_sa_purge(s, &o, &nsa)) < 0)
		return fail(s, rc);
	printf("purged policies=%u sas=%u\n", npol, nsa);
	return 0;
}

static int
list_sa_cb(const struct xfrm_sa_info *sa, void *arg)
{
	print_sa(sa);
	return 0;
}

static int
list_pol_cb(const struct xfrm_policy_info *pi, void *arg)
{
	char a[NL_ADDRSTRLEN], b[NL_ADDRSTRLEN];
	static const char *dirs[] = { "in", "out", "fwd" };

	printf("policy dir=%s sel=%s/%u->%s/%u",
	    pi->pol.dir < 3 ? dirs[pi->pol.dir] : "?",
	    nl_addr_str(&pi->pol.sel_src.addr, a, sizeof(a)),
	    pi->pol.sel_src.len,
	    nl_addr_str(&pi->pol.sel_dst.addr, b, sizeof(b)),
	    pi->pol.sel_dst.len);
	print_mark(&pi->pol.mark);
	printf(" index=%u priority=%u tmpls=%zu reqid=%u\n", pi->index,
	    pi->pol.priority, pi->n_tmpl, pi->pol.reqid);
	return 0;
}

static int
cmd_list(struct nl_sock *s)
{
	int rc;

	args_done();
	if ((rc = xfrm_sa_list(s, list_sa_cb, NULL)) < 0 ||
	    (rc = xfrm_policy_list(s, list_pol_cb, NULL)) < 0)
		return fail(s, rc);
	return 0;
}

struct watch {
	unsigned int	 want, seen;
	bool		 acquire, soft, hard;
	uint32_t	 spi;		/* 0: any; else count only its EXPIREs */
	int		 status;
};

static void
watch_event(const struct xfrm_event *ev, void *arg)
{
	struct watch *w = arg;
	char a[NL_ADDRSTRLEN], b[NL_ADDRSTRLEN], c[NL_ADDRSTRLEN],
	    d[NL_ADDRSTRLEN];
	bool counted;

	if (ev->type == XFRM_EVENT_ACQUIRE) {
		const struct xfrm_acquire *q = &ev->u.acquire;

		counted = w->acquire;
		printf("acquire reqid=%u", q->reqid);
		print_mark(&q->mark);
		printf(" index=%u dir=%u src=%s dst=%s flow=%s->%s proto=%u "
		    "sel-len=%u/%u\n", q->index, q->dir,
		    nl_addr_str(&q->src, a, sizeof(a)),
		    nl_addr_str(&q->dst, b, sizeof(b)),
		    nl_addr_str(&q->flow_src.addr, c, sizeof(c)),
		    nl_addr_str(&q->flow_dst.addr, d, sizeof(d)),
		    q->flow_proto, q->sel_src.len, q->sel_dst.len);
	} else {
		const struct xfrm_expire *x = &ev->u.expire;

		counted = (x->hard ? w->hard : w->soft) &&
		    (w->spi == 0 || w->spi == x->spi);
		printf("expire %s spi=0x%08x reqid=%u", x->hard ? "hard" :
		    "soft", x->spi, x->reqid);
		print_mark(&x->mark);
		printf(" src=%s dst=%s proto=%u packets=%" PRIu64 "\n",
		    nl_addr_str(&x->src, a, sizeof(a)),
		    nl_addr_str(&x->dst, b, sizeof(b)), x->proto, x->packets);
	}
	fflush(stdout);
	if (counted && ++w->seen >= w->want) {
		w->status = 0;
		ev_break(EV_DEFAULT, EVBREAK_ALL);
	}
}

static void
watch_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct watch *w = t->data;

	printf("timeout after %u of %u events\n", w->seen, w->want);
	ev_break(loop, EVBREAK_ALL);
}

static int
cmd_watch(void)
{
	struct xfrm_monitor mon;
	struct watch w = { .status = 1 };
	const char *types = arg("types");
	ev_timer timer;
	double timeout;
	int rc;

	w.want = arg_u32("count", 1);
	timeout = (double)arg_u32("timeout", 30);
	if (types == NULL)
		types = "acquire,soft,hard";
	w.acquire = strstr(types, "acquire") != NULL;
	w.soft = strstr(types, "soft") != NULL;
	w.hard = strstr(types, "hard") != NULL;
	w.spi = arg_u32("spi", 0);
	args_done();
	rc = xfrm_monitor_start(&mon, EV_DEFAULT, netns, watch_event, &w);
	if (rc < 0)
		return fail(&mon.sock, rc);
	ev_timer_init(&timer, watch_timeout, timeout, 0);
	timer.data = &w;
	ev_timer_start(EV_DEFAULT, &timer);
	printf("ready\n");	/* subscribed: the script may trigger now */
	fflush(stdout);
	ev_run(EV_DEFAULT, 0);
	printf("malformed=%" PRIu64 " overruns=%" PRIu64 "\n", mon.malformed,
	    mon.overruns);
	xfrm_monitor_stop(&mon);
	return w.status;
}

static int
cmd_vti_setup(struct nl_sock *s)
{
	struct vti_link cfg;
	const char *name = arg_req("name"), *link = arg("link"), *v;
	bool created;
	size_t it = 0;
	uint32_t key;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	if (strlen(name) >= sizeof(cfg.name))
		die("name too long", name);
	strcpy(cfg.name, name);
	arg_addr("local", &cfg.local);
	arg_addr("remote", &cfg.remote);
	cfg.family = cfg.local.family;
	key = arg_u32("key", 0);
	cfg.ikey = arg_u32("ikey", key);
	cfg.okey = arg_u32("okey", key);
	if (link != NULL) {
		if (strlen(link) >= sizeof(cfg.link))
			die("link too long", link);
		strcpy(cfg.link, link);
	}
	cfg.netns = arg("netns");
	cfg.mtu = arg_u32("mtu", 0);
	cfg.disable_policy = arg_num("disable-policy", 1) != 0;
	while ((v = arg_next("addr", &it)) != NULL) {
		if (cfg.n_addrs == VTI_ADDRS_MAX)
			die("too many addresses", NULL);
		if (nl_prefix_parse(&cfg.addrs[cfg.n_addrs++], v) < 0)
			die("bad address", v);
	}
	args_done();
	if ((rc = vti_link_setup(s, &cfg, &created)) < 0)
		return fail(s, rc);
	printf("vti-setup %s %s\n", cfg.name, created ? "created" : "adopted");
	return 0;
}

static int
cmd_vti(struct nl_sock *s, const char *cmd)
{
	struct vti_link_state st;
	char a[NL_ADDRSTRLEN], b[NL_ADDRSTRLEN];
	const char *name = arg_req("name"), *ns = arg("netns");
	int rc;

	args_done();
	if (strcmp(cmd, "vti-del") == 0) {
		if ((rc = vti_link_delete(s, ns, name)) < 0)
			return fail(s, rc);
		printf("vti-del %s ok\n", name);
		return 0;
	}
	if ((rc = vti_link_get(s, ns, name, &st)) < 0)
		return fail(s, rc);
	printf("vti %s kind=%s ifindex=%u mtu=%u up=%d local=%s remote=%s "
	    "ikey=%u okey=%u link=%u link-netns-other=%d\n", st.name, st.kind,
	    st.ifindex, st.mtu, st.up, nl_addr_str(&st.local, a, sizeof(a)),
	    nl_addr_str(&st.remote, b, sizeof(b)), st.ikey, st.okey,
	    st.link_ifindex, st.link_netns_other);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct nl_sock s;	/* 8 KiB buffer: not on the stack */
	const char *cmd;
	char *eq;
	int i = 1, rc, proto;

	log_init("nltest", LOG_INFO, false);
	if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
		netns = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		usage();
	cmd = argv[i++];
	for (; i < argc; i++) {
		if (nargs == ARGS_MAX || (eq = strchr(argv[i], '=')) == NULL)
			usage();
		*eq = '\0';
		args[nargs].k = argv[i];
		args[nargs].v = eq + 1;
		nargs++;
	}
	if (strcmp(cmd, "watch") == 0)
		return cmd_watch();
	proto = strncmp(cmd, "vti-", 4) == 0 ? NETLINK_ROUTE : NETLINK_XFRM;
	if ((rc = nl_sock_open(&s, proto, netns, false)) < 0)
		return fail(&s, rc);
	if (strcmp(cmd, "sa-add") == 0 || strcmp(cmd, "sa-update") == 0)
		rc = cmd_sa(&s, cmd);
	else if (strcmp(cmd, "sa-del") == 0 || strcmp(cmd, "sa-get") == 0)
		rc = cmd_sa_id(&s, cmd);
	else if (strcmp(cmd, "spi-alloc") == 0)
		rc = cmd_spi_alloc(&s);
	else if (strncmp(cmd, "policy-", 7) == 0)
		rc = cmd_policy(&s, cmd);
	else if (strcmp(cmd, "purge") == 0)
		rc = cmd_purge(&s);
	else if (strcmp(cmd, "list") == 0)
		rc = cmd_list(&s);
	else if (strcmp(cmd, "vti-setup") == 0)
		rc = cmd_vti_setup(&s);
	else if (strcmp(cmd, "vti-del") == 0 || strcmp(cmd, "vti-show") == 0)
		rc = cmd_vti(&s, cmd);
	else
		usage();
	nl_sock_close(&s);
	/* The argument strings held hex keys. */
	for (i = 0; i < (int)nargs; i++)
		OPENSSL_cleanse(args[i].v,
		    strlen(args[i].v));
	return rc;
}
