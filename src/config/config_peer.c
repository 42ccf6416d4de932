/* The peers of vtid.conf: each peer's settings (over the global ones),
 * its PSK (inline or from a file), its VTI, and what two peers must not
 * share. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config/priv.h"
#include "util/log.h"

static const struct key_def peer_keys[] = {
	{ "name", T_STR },
	{ "local", T_STR },
	{ "remote", T_STR },
	{ "local_id", T_STR },
	{ "remote_id", T_STR },
	{ "psk", T_STR },
	{ "psk_file", T_STR },
	{ "local_cert", T_STR },
	{ "local_key", T_STR },
	{ "ca", T_STR },
	{ "crl", T_STR },
	{ "rsa_pss", T_BOOL },
	{ "mark", T_INT },
	{ "start", T_STR },
	{ "keying_tries", T_INT | T_STR },
	{ "ike", T_GROUP },
	{ "esp", T_GROUP },
	{ "dpd", T_GROUP },
	{ "nat", T_GROUP },
	{ "fragmentation", T_BOOL },
	{ "fragment_size", T_INT },
	{ "vti", T_GROUP },		/* the older name of "interface" */
	{ "interface", T_GROUP },
	{ NULL, 0 },
};

static const struct key_def vti_peer_keys[] = {
	{ "type", T_STR },
	{ "name", T_STR },
	{ "netns", T_STR },
	{ "mtu", T_INT | T_STR },
	{ "link", T_STR },
	{ "addresses", T_LIST },
	{ NULL, 0 },
};

/* ---- peers ---- */

int
cfg_parse_fragmentation(struct loader *ld, const config_setting_t *g,
    bool *on, uint32_t *size)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(g, "fragmentation")) != NULL)
		*on = config_setting_get_bool(s);
	if (cfg_get_uint(ld, g, "fragment_size", "fragment_size", 0,
	    CONFIG_FRAGMENT_SIZE_MAX, size) == -1)
		return -1;
	if (*size != 0 && *size < CONFIG_FRAGMENT_SIZE_MIN)
		return cfg_fail(ld, config_setting_get_member(g, "fragment_size"),
		    "fragment_size: %u is below %u (0: 1280 for IPv6, 576 for "
		    "IPv4)", *size, CONFIG_FRAGMENT_SIZE_MIN);
	return 0;
}

static int
read_psk_file(struct loader *ld, const config_setting_t *s, const char *v,
    struct config_peer *p)
{
	char path[CONFIG_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd = -1, rc = -1;

	if (cfg_path(ld, s, "psk_file", v, path) == -1 ||
	    (fd = cfg_open_secret(ld, s, "psk_file", path)) == -1)
		return -1;
	if ((buf = malloc(CONFIG_PSK_MAX + 1)) == NULL) {
		cfg_fail(ld, s, "psk_file: out of memory");
		goto done;
	}
	for (;;) {
		r = read(fd, buf + len, CONFIG_PSK_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			cfg_fail(ld, s, "psk_file: '%s': %s", path,
			    strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CONFIG_PSK_MAX) {
			cfg_fail(ld, s, "psk_file: '%s' is longer than %d bytes",
			    path, CONFIG_PSK_MAX);
			goto done;
		}
	}
	/* One trailing newline is the editor's, not the key's. */
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		cfg_fail(ld, s, "psk_file: '%s' is empty", path);
		goto done;
	}
	if ((p->psk = malloc(len)) == NULL) {
		cfg_fail(ld, s, "psk_file: out of memory");
		goto done;
	}
	memcpy(p->psk, buf, len);
	p->psk_len = len;
	rc = 0;
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, CONFIG_PSK_MAX + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

static int
parse_psk(struct loader *ld, const config_setting_t *g, struct config_peer *p)
{
	const config_setting_t *s, *sf, *at;
	const char *v = cfg_get_str(g, "psk", &s);
	const char *f = cfg_get_str(g, "psk_file", &sf);
	size_t n;

	if (v != NULL && f != NULL)
		return cfg_fail(ld, sf, "psk_file: and psk both given: keep one");
	if (v == NULL && f == NULL)
		return 0;	/* certificates: cfg_parse_cert */
	if (f != NULL) {
		if (read_psk_file(ld, sf, f, p) == -1)
			return -1;
		at = sf;
	} else {
		ld->inline_psk = true;
		n = strlen(v);
		if (n == 0)
			return cfg_fail(ld, s, "psk: empty");
		if (n > CONFIG_PSK_MAX)
			return cfg_fail(ld, s, "psk: longer than %d bytes",
			    CONFIG_PSK_MAX);
		if ((p->psk = malloc(n)) == NULL)
			return cfg_fail(ld, s, "psk: out of memory");
		memcpy(p->psk, v, n);
		p->psk_len = n;
		at = s;
	}
	if (p->psk_len < CONFIG_PSK_MIN_SAFE)
		cfg_warn(ld, at, "psk: shorter than %d characters; a long random "
		    "key is safer (openssl rand -base64 32)",
		    CONFIG_PSK_MIN_SAFE);
	return 0;
}

/* addresses: "address/prefix-length" strings, no address twice. */
static int
parse_vti_addrs(struct loader *ld, const config_setting_t *a,
    const char *sect, struct config_vti *vti)
{
	const config_setting_t *e;
	struct config_prefix *pr;
	char why[CONFIG_MSG_MAX];
	const char *v;
	int i, j, n = config_setting_length(a);

	if (n > CONFIG_VTI_ADDRS_MAX)
		return cfg_fail(ld, a, "%s.addresses: more than %d", sect,
		    CONFIG_VTI_ADDRS_MAX);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(a, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return cfg_fail(ld, e, "%s.addresses: expected strings",
			    sect);
		v = config_setting_get_string(e);
		pr = &vti->addrs[i];
		if (config_prefix_parse(v, pr, why, sizeof(why)) == -1)
			return cfg_fail(ld, e, "%s.addresses: %s", sect, why);
		for (j = 0; j < i; j++)
			if (addr_equal(&vti->addrs[j].addr, &pr->addr))
				return cfg_fail(ld, e, "%s.addresses: '%s' given "
				    "twice", sect, v);
	}
	vti->n_addrs = (size_t)n;
	return 0;
}

/* The peer's "interface" (or "vti") group of the peer group pg. */
static int
parse_vti_peer(struct loader *ld, const config_setting_t *pg,
    struct config_peer *p)
{
	const config_setting_t *a, *g;
	const char *sect, *pattern;
	char why[CONFIG_MSG_MAX];
	bool v6 = false, failed;
	size_t i;

	p->vti.n_addrs = 0;
	if ((g = cfg_iface_group(ld, pg, &sect, &failed)) == NULL && failed)
		return -1;
	if (g != NULL) {
		if (cfg_check_keys(ld, g, vti_peer_keys, sect) == -1 ||
		    cfg_parse_vti_common(ld, g, sect, &p->vti) == -1)
			return -1;
		a = config_setting_get_member(g, "addresses");
		if (a != NULL && parse_vti_addrs(ld, a, sect, &p->vti) == -1)
			return -1;
	}
	pattern = p->vti.pattern[0] != '\0' ? p->vti.pattern :
	    p->vti.type == CONFIG_IFACE_XFRM ? "xfrm%mark%" : "vti%mark%";
	if (config_vti_name(pattern, p->name, p->mark, p->vti.name,
	    sizeof(p->vti.name), why, sizeof(why)) == -1)
		return cfg_fail(ld, g != NULL ? cfg_member_or(g, "name") : pg,
		    "%s.name: %s", sect, why);
	for (i = 0; i < p->vti.n_addrs; i++)
		if (p->vti.addrs[i].addr.ss_family == AF_INET6)
			v6 = true;
	if (v6 && !p->vti.mtu_auto && p->vti.mtu < 1280)
		return cfg_fail(ld, g != NULL ? cfg_member_or(g, "mtu") : pg,
		    "%s.mtu: %u is below 1280, the IPv6 minimum, and the "
		    "device has IPv6 addresses", sect, p->vti.mtu);
	return 0;
}

/* The local address of a peer without "local": the one global local
 * address of the remote's family. */
static int
default_local(struct loader *ld, const config_setting_t *g,
    struct config_peer *p)
{
	const struct vtid_config *c = ld->conf;
	size_t i, found = 0;

	for (i = 0; i < c->n_local; i++) {
		if (c->local[i].ss_family == p->remote.ss_family) {
			p->local = c->local[i];
			found++;
		}
	}
	if (found != 1)
		return cfg_fail(ld, g, "local: required (local_addresses has %s "
		    "address of the remote's family)", found == 0 ? "no" :
		    "more than one");
	return 0;
}

static bool
prefix_host_zero(const struct sockaddr_storage *a, unsigned plen)
{
	const uint8_t *o;
	size_t n, i;

	o = addr_octets(a, &n);
	for (i = plen / 8; i < n; i++)
		if ((o[i] & (i == plen / 8 ? 0xff >> (plen % 8) : 0xff)) != 0)
			return false;
	return true;
}

char *
config_remote_str(const struct config_peer *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (p->remote_dynamic && p->remote_plen == 0)
		snprintf(buf, len, "%%any%s", p->remote.ss_family == AF_INET ?
		    "4" : "6");
	else if (p->remote_dynamic)
		snprintf(buf, len, "%s/%u", addr_str(&p->remote, a, sizeof(a)),
		    p->remote_plen);
	else
		snprintf(buf, len, "%s", addr_str(&p->remote, a, sizeof(a)));
	return buf;
}

/* remote: an address; or, for a peer that can only connect to us, "%any"
 * ("%any4", "%any6": of that family; plain "%any" takes local's) or a
 * prefix "2001:db8:5::/48". */
static int
parse_remote(struct loader *ld, const config_setting_t *s, const char *v,
    struct config_peer *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;
	size_t n;
	int family = 0;

	if (strcmp(v, "%any") == 0) {
		if ((family = p->local.ss_family) == 0)
			return cfg_fail(ld, s, "remote: '%%any' takes its address "
			    "family from local, which is not set (or say "
			    "'%%any6' or '%%any4')");
	} else if (strcmp(v, "%any6") == 0)
		family = AF_INET6;
	else if (strcmp(v, "%any4") == 0)
		family = AF_INET;
	if (family != 0) {
		memset(&p->remote, 0, sizeof(p->remote));
		p->remote.ss_family = (sa_family_t)family;
		p->remote_dynamic = true;
		p->remote_plen = 0;
		return 0;
	}
	if ((slash = strchr(v, '/')) == NULL)
		return cfg_get_addr(ld, s, "remote", v, &p->remote);
	if ((size_t)(slash - v) >= sizeof(buf))
		return cfg_fail(ld, s, "remote: '%s' is not an address or a "
		    "prefix", v);
	memcpy(buf, v, (size_t)(slash - v));
	buf[slash - v] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (addr_parse(buf, &p->remote) == -1 || slash[1] == '\0' ||
	    *end != '\0' || errno != 0)
		return cfg_fail(ld, s, "remote: '%s' is not an address or a "
		    "prefix", v);
	(void)addr_octets(&p->remote, &n);
	if (len > n * 8)
		return cfg_fail(ld, s, "remote: '%s': a prefix of %s is at "
		    "most /%zu", v, n == 4 ? "IPv4" : "IPv6", n * 8);
	if (!prefix_host_zero(&p->remote, (unsigned)len))
		return cfg_fail(ld, s, "remote: '%s' has bits set past the "
		    "prefix length", v);
	if (len == n * 8)
		return cfg_get_addr(ld, s, "remote", buf, &p->remote);
	p->remote_dynamic = true;
	p->remote_plen = (uint8_t)len;
	return 0;
}

static int
parse_peer(struct loader *ld, const config_setting_t *g, size_t idx,
    struct config_peer *p)
{
	const struct vtid_config *c = ld->conf;
	const config_setting_t *s, *sl;
	const char *v, *vl;
	char why[CONFIG_MSG_MAX], a[INET6_ADDRSTRLEN + 8];
	const char *file;
	unsigned line;
	size_t i;
	long long mark;

	snprintf(ld->ctx, sizeof(ld->ctx), "peer #%zu: ", idx + 1);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, g, "expected a group { ... }");

	/* Inherited defaults first; each setting then overrides. */
	p->start = c->start;
	p->keying_tries = c->keying_tries;
	p->ike = c->ike;
	p->esp = c->esp;
	p->dpd = c->dpd;
	p->nat = c->nat;
	p->fragmentation = c->fragmentation;
	p->fragment_size = c->fragment_size;
	p->vti = c->vti;
	cfg_where(ld, g, &file, &line);
	snprintf(p->origin, sizeof(p->origin), "%s:%u", file, line);

	/* The name first, so that every other message can give it. */
	if ((v = cfg_get_str(g, "name", &s)) == NULL)
		return s != NULL ? cfg_fail(ld, s, "name: expected a string") :
		    cfg_fail(ld, g, "name: required");
	if (cfg_copy_str(ld, s, "name", v, p->name, sizeof(p->name)) == -1)
		return -1;
	if (*v == '\0' || !cfg_netns_ok(v))
		return cfg_fail(ld, s, "name: '%s' must be letters, digits, '_', "
		    "'-' or '.'", v);
	snprintf(ld->ctx, sizeof(ld->ctx), "peer '%s': ", p->name);
	if (cfg_check_keys(ld, g, peer_keys, "") == -1)
		return -1;

	if ((s = config_setting_get_member(g, "mark")) == NULL)
		return cfg_fail(ld, g, "mark: required");
	mark = config_setting_get_int64(s);
	if (mark <= 0)
		return cfg_fail(ld, s, "mark: must be > 0");
	if (mark > (long long)UINT32_MAX - c->reqid_base)
		return cfg_fail(ld, s, "mark: %lld is too large (reqid_base + "
		    "mark must fit in 32 bits)", mark);
	p->mark = (uint32_t)mark;
	p->reqid = c->reqid_base + p->mark;

	if ((v = cfg_get_str(g, "remote", &s)) == NULL)
		return cfg_fail(ld, g, "remote: required");
	if ((vl = cfg_get_str(g, "local", &sl)) != NULL &&
	    cfg_get_addr(ld, sl, "local", vl, &p->local) == -1)
		return -1;
	if (parse_remote(ld, s, v, p) == -1)
		return -1;
	if (vl != NULL) {
		if (p->local.ss_family != p->remote.ss_family)
			return cfg_fail(ld, sl, "local: '%s' and remote are not of "
			    "the same address family", vl);
		for (i = 0; i < c->n_local; i++)
			if (addr_equal(&c->local[i], &p->local))
				break;
		if (c->n_local > 0 && i == c->n_local)
			return cfg_fail(ld, sl, "local: '%s' is not in "
			    "local_addresses", vl);
	} else if (default_local(ld, g, p) == -1)
		return -1;
	if (addr_equal(&p->local, &p->remote))
		return cfg_fail(ld, s, "remote: '%s' is the local address",
		    addr_str(&p->remote, a, sizeof(a)));

	config_id_from_addr(&p->local, &p->local_id);
	config_id_from_addr(&p->remote, &p->remote_id);
	if ((v = cfg_get_str(g, "local_id", &s)) != NULL &&
	    config_id_parse(v, &p->local_id, why, sizeof(why)) == -1)
		return cfg_fail(ld, s, "local_id: %s", why);
	if ((v = cfg_get_str(g, "remote_id", &s)) != NULL &&
	    config_id_parse(v, &p->remote_id, why, sizeof(why)) == -1)
		return cfg_fail(ld, s, "remote_id: %s", why);
	if (p->remote_dynamic && v == NULL)
		return cfg_fail(ld, config_setting_get_member(g, "remote"),
		    "remote_id: required with remote '%s': the identity "
		    "tells this peer from any other that may connect from "
		    "there", config_remote_str(p, a, sizeof(a)));

	if (parse_psk(ld, g, p) == -1 ||
	    cfg_parse_cert(ld, g, p, p->psk != NULL) == -1 ||
	    cfg_get_start(ld, g, "start", &p->start) == -1 ||
	    cfg_get_tries(ld, g, "keying_tries", "keying_tries", true,
	    &p->keying_tries) == -1 ||
	    cfg_parse_sa(ld, config_setting_get_member(g, "ike"), "ike",
	    CONFIG_PROPOSAL_IKE, &p->ike) == -1 ||
	    cfg_parse_sa(ld, config_setting_get_member(g, "esp"), "esp",
	    CONFIG_PROPOSAL_ESP, &p->esp) == -1 ||
	    cfg_parse_dpd(ld, config_setting_get_member(g, "dpd"), &p->dpd) ==
	    -1 ||
	    cfg_parse_nat(ld, config_setting_get_member(g, "nat"), &p->nat) ==
	    -1 ||
	    cfg_parse_fragmentation(ld, g, &p->fragmentation,
	    &p->fragment_size) == -1 ||
	    parse_vti_peer(ld, g, p) == -1)
		return -1;
	if (p->remote_dynamic && p->start != CONFIG_START_ADD)
		return cfg_fail(ld, cfg_member_or(g, "start"), "start: '%s' "
		    "needs the peer's address, and remote '%s' has none: "
		    "the peer connects to us (start = \"add\")",
		    config_start_name(p->start),
		    config_remote_str(p, a, sizeof(a)));
	return 0;
}

/* ---- what two peers must not share ----
 *
 * Found in one pass, not by comparing every pair (10,000 peers took
 * seconds, minutes in a slow VM): each key, as bytes, maps to the first
 * peer that had it; a later peer with the same key is the error, which
 * names that first one. */

enum seen_kind {
	SEEN_NAME, SEEN_MARK, SEEN_ENDS, SEEN_REMOTE_ID, SEEN_DYN_LOCAL,
	SEEN_IFNAME, SEEN_ADDR,
};

#define SEEN_NONE	SIZE_MAX

struct seen {
	UT_hash_handle	 hh;
	/* The first peer with the key; for SEEN_ENDS the first with a
	 * fixed remote too, for SEEN_DYN_LOCAL the first on a VTI. */
	size_t		 first, first_fixed, first_vti;
	size_t		 len;
	uint8_t		 key[];
};

struct seen_key {
	uint8_t		 b[1 + CONFIG_NETNS_MAX + CONFIG_ID_MAX + 40];
	size_t		 len;
};

static void
key_start(struct seen_key *k, enum seen_kind kind)
{
	k->b[0] = (uint8_t)kind;
	k->len = 1;
}

static void
key_put(struct seen_key *k, const void *p, size_t len)
{
	if (len > sizeof(k->b) - k->len)
		len = sizeof(k->b) - k->len;
	memcpy(k->b + k->len, p, len);
	k->len += len;
}

/* A string with its terminator, so that "ab"+"c" is not "a"+"bc". */
static void
key_str(struct seen_key *k, const char *s)
{
	key_put(k, s, strlen(s) + 1);
}

static void
key_addr(struct seen_key *k, const struct sockaddr_storage *a)
{
	const uint8_t *o;
	size_t len;
	uint8_t fam = (uint8_t)a->ss_family;

	o = addr_octets(a, &len);
	key_put(k, &fam, 1);
	key_put(k, o, len);
}

static struct seen *
seen_find(struct seen *const *t, const struct seen_key *k)
{
	struct seen *e;

	HASH_FIND(hh, *t, k->b, k->len, e);
	return e;
}

/* The entry for k, made for peer i if new. NULL: out of memory. */
static struct seen *
seen_add(struct seen **t, const struct seen_key *k, size_t i)
{
	struct seen *e = seen_find(t, k);

	if (e != NULL)
		return e;
	if ((e = malloc(sizeof(*e) + k->len)) == NULL)
		return NULL;
	e->first = i;
	e->first_fixed = e->first_vti = SEEN_NONE;
	e->len = k->len;
	memcpy(e->key, k->b, k->len);
	cfg_hash_oom = false;
	HASH_ADD_KEYPTR(hh, *t, e->key, e->len, e);
	if (cfg_hash_oom) {
		free(e);
		return NULL;
	}
	return e;
}

static void
seen_free(struct seen **t)
{
	struct seen *e, *tmp;

	HASH_ITER(hh, *t, e, tmp) {
		HASH_DEL(*t, e);
		free(e);
	}
}

/* The entry for k, peer i's if new: *other is the earlier peer that has
 * it (SEEN_NONE if none). -1: out of memory. */
static int
seen_check(struct seen **t, const struct seen_key *k, size_t i, size_t *other,
    struct seen **ep)
{
	struct seen *e = seen_add(t, k, i);

	if (e == NULL)
		return -1;
	*other = e->first != i ? e->first : SEEN_NONE;
	if (ep != NULL)
		*ep = e;
	return 0;
}

/* Peer i (b, in gb) against those before it, its keys noted for those
 * after it. */
static int
check_seen(struct loader *ld, const config_setting_t *gb, struct seen **t,
    size_t i)
{
	const struct config_peer *peers = ld->conf->peers, *b = &peers[i];
	const config_setting_t *s;
	struct seen_key k;
	struct seen *e;
	const char *sect;
	char x[INET6_ADDRSTRLEN], id[CONFIG_ID_MAX * 2 + 16];
	size_t j, a;
	bool failed;

	key_start(&k, SEEN_NAME);
	key_str(&k, b->name);
	if (seen_check(t, &k, i, &a, NULL) == -1)
		goto oom;
	if (a != SEEN_NONE)
		return cfg_fail(ld, config_setting_get_member(gb, "name"),
		    "name: already used by the peer at %s", peers[a].origin);
	key_start(&k, SEEN_MARK);
	key_put(&k, &b->mark, sizeof(b->mark));
	if (seen_check(t, &k, i, &a, NULL) == -1)
		goto oom;
	if (a != SEEN_NONE)
		return cfg_fail(ld, config_setting_get_member(gb, "mark"),
		    "mark: %u already used by peer '%s'", b->mark,
		    peers[a].name);
	/* Two peers that connect from anywhere are told apart by their
	 * identity (the engine finds them by it), and, on VTIs, not on one
	 * local address: the kernel finds a VTI by its endpoints, and theirs
	 * would be the same (local, any). An XFRM interface is found by the
	 * SA's if_id. Any other two must differ in their addresses. */
	if (b->remote_dynamic) {
		key_start(&k, SEEN_REMOTE_ID);
		key_put(&k, &b->remote_id.type, sizeof(b->remote_id.type));
		key_put(&k, b->remote_id.data, b->remote_id.len);
		if (seen_check(t, &k, i, &a, NULL) == -1)
			goto oom;
		if (a != SEEN_NONE)
			return cfg_fail(ld, cfg_member_or(gb, "remote_id"),
			    "remote_id: '%s' already identifies peer '%s', and "
			    "peers without a fixed address are told apart by "
			    "identity", config_id_str(&b->remote_id, id,
			    sizeof(id)), peers[a].name);
		key_start(&k, SEEN_DYN_LOCAL);
		key_addr(&k, &b->local);
		if (seen_check(t, &k, i, &a, &e) == -1)
			goto oom;
		if (b->vti.type != CONFIG_IFACE_VTI)
			a = e->first_vti;
		else if (e->first_vti == SEEN_NONE)
			e->first_vti = i;
		if (a != SEEN_NONE)
			return cfg_fail(ld, cfg_member_or(gb, "remote"),
			    "remote: a second peer without a fixed address on "
			    "this local address (peer '%s' is one) needs "
			    "interface type \"xfrm\" on both: the kernel tells "
			    "VTIs apart by their endpoints only",
			    peers[a].name);
	}
	key_start(&k, SEEN_ENDS);
	key_addr(&k, &b->local);
	key_addr(&k, &b->remote);
	if (seen_check(t, &k, i, &a, &e) == -1)
		goto oom;
	if (b->remote_dynamic)
		a = e->first_fixed;
	else if (e->first_fixed == SEEN_NONE)
		e->first_fixed = i;
	if (a != SEEN_NONE)
		return cfg_fail(ld, config_setting_get_member(gb, "remote"),
		    "remote: %s with this local address already used by "
		    "peer '%s'", addr_str(&b->remote, x, sizeof(x)),
		    peers[a].name);
	s = cfg_iface_group(ld, gb, &sect, &failed);
	key_start(&k, SEEN_IFNAME);
	key_str(&k, b->vti.name);
	if (seen_check(t, &k, i, &a, NULL) == -1)
		goto oom;
	if (a != SEEN_NONE)
		return cfg_fail(ld, s != NULL ? cfg_member_or(s, "name") : gb,
		    "%s.name: '%s' already used by peer '%s'", sect,
		    b->vti.name, peers[a].name);
	/* A peer's own addresses are distinct (parse_vti_addrs). */
	for (j = 0; j < b->vti.n_addrs; j++) {
		key_start(&k, SEEN_ADDR);
		key_str(&k, b->vti.netns);
		key_addr(&k, &b->vti.addrs[j].addr);
		if (seen_check(t, &k, i, &a, NULL) == -1)
			goto oom;
		if (s != NULL && a != SEEN_NONE)
			return cfg_fail(ld, config_setting_get_member(s,
			    "addresses"), "%s.addresses: %s already on the "
			    "device of peer '%s'", sect,
			    addr_str(&b->vti.addrs[j].addr, x, sizeof(x)),
			    peers[a].name);
	}
	return 0;
oom:
	return cfg_fail(ld, gb, "out of memory");
}

int
cfg_parse_peers(struct loader *ld, const config_setting_t *list)
{
	struct vtid_config *c = ld->conf;
	const config_setting_t *g;
	struct seen *seen = NULL;
	size_t i, n;

	if (list == NULL)
		return 0;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return 0;
	if ((c->peers = calloc(n, sizeof(*c->peers))) == NULL)
		return cfg_fail(ld, list, "peers: out of memory");
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		c->n_peers = i + 1;	/* so that config_free sees its PSK */
		if (parse_peer(ld, g, i, &c->peers[i]) == -1 ||
		    check_seen(ld, g, &seen, i) == -1)
			goto fail;
	}
	seen_free(&seen);
	ld->ctx[0] = '\0';
	return 0;
fail:
	seen_free(&seen);
	return -1;
}
