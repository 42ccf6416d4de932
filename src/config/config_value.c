/* Value syntax of vtid.conf: addresses, prefixes, identities, durations,
 * interface names. No libconfig here: these work on plain strings. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "pki/pki.h"

static const char *const start_names[] = {
	[CONFIG_START_ADD] = "add",
	[CONFIG_START_ROUTE] = "route",
	[CONFIG_START_START] = "start",
};

static const char *const dpd_names[] = {
	[CONFIG_DPD_CLEAR] = "clear",
	[CONFIG_DPD_RESTART] = "restart",
	[CONFIG_DPD_TRAP] = "trap",
};

const char *
config_start_name(enum config_start s)
{
	if ((size_t)s < sizeof(start_names) / sizeof(start_names[0]))
		return start_names[s];
	return "?";
}

const char *
config_dpd_action_name(enum config_dpd_action a)
{
	if ((size_t)a < sizeof(dpd_names) / sizeof(dpd_names[0]))
		return dpd_names[a];
	return "?";
}

int
config_prefix_parse(const char *s, struct config_prefix *p, char *why,
    size_t whylen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/'), *d;
	unsigned len = 0, max;

	memset(p, 0, sizeof(*p));
	if (slash == NULL) {
		snprintf(why, whylen, "'%s': expected address/prefix-length",
		    s);
		return -1;
	}
	if ((size_t)(slash - s) >= sizeof(addr)) {
		snprintf(why, whylen, "'%s': not an IP address", s);
		return -1;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (addr_parse(addr, &p->addr) == -1) {
		snprintf(why, whylen, "'%s': '%s' is not an IP address", s,
		    addr);
		return -1;
	}
	max = p->addr.ss_family == AF_INET6 ? 128 : 32;
	for (d = slash + 1; *d >= '0' && *d <= '9' && len <= max; d++)
		len = len * 10 + (unsigned)(*d - '0');
	if (d == slash + 1 || *d != '\0' || len > max) {
		snprintf(why, whylen, "'%s': prefix length must be 0 to %u", s,
		    max);
		return -1;
	}
	p->len = (uint8_t)len;
	return 0;
}

void
config_id_from_addr(const struct sockaddr_storage *ss, struct config_id *id)
{
	const uint8_t *p;
	size_t len;

	memset(id, 0, sizeof(*id));
	if ((p = addr_octets(ss, &len)) == NULL)
		return;
	id->type = len == 16 ? CONFIG_ID_IPV6 : CONFIG_ID_IPV4;
	id->len = len;
	memcpy(id->data, p, len);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A name for an FQDN or RFC 822 identity: printable, no blanks. */
static int
id_text(const char *full, const char *s, enum config_id_type type,
    struct config_id *id, char *why, size_t whylen)
{
	size_t i, n = strlen(s);

	if (n == 0) {
		snprintf(why, whylen, "'%s': empty identity", full);
		return -1;
	}
	if (n > CONFIG_ID_MAX) {
		snprintf(why, whylen, "'%s': longer than %d bytes", full,
		    CONFIG_ID_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] == 0x7f) {
			snprintf(why, whylen, "'%s': blank or control "
			    "character in identity", full);
			return -1;
		}
	}
	id->type = type;
	id->len = n;
	memcpy(id->data, s, n);
	return 0;
}

int
config_id_parse(const char *s, struct config_id *id, char *why,
    size_t whylen)
{
	struct sockaddr_storage ss;
	const char *v;
	size_t i, n;

	memset(id, 0, sizeof(*id));
	if (strncmp(s, "ip:", 3) == 0) {
		if (addr_parse(s + 3, &ss) == -1) {
			snprintf(why, whylen, "'%s': not an IP address", s);
			return -1;
		}
		config_id_from_addr(&ss, id);
		return 0;
	}
	if (strncmp(s, "fqdn:", 5) == 0)
		return id_text(s, s + 5, CONFIG_ID_FQDN, id, why, whylen);
	if (strncmp(s, "email:", 6) == 0)
		return id_text(s, s + 6, CONFIG_ID_EMAIL, id, why, whylen);
	if (strncmp(s, "dn:", 3) == 0) {
		if (pki_dn_der(s + 3, id->data, sizeof(id->data), &id->len,
		    why, whylen) == -1)
			return -1;
		id->type = CONFIG_ID_DN;
		return 0;
	}
	if (strncmp(s, "keyid:", 6) == 0) {
		v = s + 6;
		if (*v != '#') {
			n = strlen(v);
			if (n == 0 || n > CONFIG_ID_MAX) {
				snprintf(why, whylen, "'%s': key id must be 1 "
				    "to %d bytes", s, CONFIG_ID_MAX);
				return -1;
			}
			id->type = CONFIG_ID_KEYID;
			id->len = n;
			memcpy(id->data, v, n);
			return 0;
		}
		v++;
		n = strlen(v);
		if (n == 0 || n % 2 != 0 || n / 2 > CONFIG_ID_MAX) {
			snprintf(why, whylen, "'%s': expected keyid:# and an "
			    "even number of hex digits", s);
			return -1;
		}
		for (i = 0; i < n; i += 2) {
			int hi = hexval(v[i]), lo = hexval(v[i + 1]);

			if (hi < 0 || lo < 0) {
				snprintf(why, whylen, "'%s': not a hex digit "
				    "in key id", s);
				return -1;
			}
			id->data[i / 2] = (uint8_t)(hi << 4 | lo);
		}
		id->type = CONFIG_ID_KEYID;
		id->len = n / 2;
		return 0;
	}
	/* No type: an address, "user@host" or a host name (strongSwan's
	 * "@host" too). */
	if (addr_parse(s, &ss) == 0) {
		config_id_from_addr(&ss, id);
		return 0;
	}
	if (s[0] == '@')
		return id_text(s, s + 1, CONFIG_ID_FQDN, id, why, whylen);
	if (strchr(s, '@') != NULL)
		return id_text(s, s, CONFIG_ID_EMAIL, id, why, whylen);
	if (strchr(s, ':') != NULL) {
		snprintf(why, whylen, "'%s': unknown identity type (ip:, "
		    "fqdn:, email:, dn: or keyid:)", s);
		return -1;
	}
	/* "C=CH, O=Example, CN=vpn": a DN, as strongSwan reads it. */
	if (strchr(s, '=') != NULL) {
		if (pki_dn_der(s, id->data, sizeof(id->data), &id->len, why,
		    whylen) == -1)
			return -1;
		id->type = CONFIG_ID_DN;
		return 0;
	}
	return id_text(s, s, CONFIG_ID_FQDN, id, why, whylen);
}

char *
config_id_str(const struct config_id *id, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	char a[INET6_ADDRSTRLEN];
	size_t i, o;
	int n;

	switch (id->type) {
	case CONFIG_ID_IPV4:
	case CONFIG_ID_IPV6:
		addr_from_octets(&ss, id->type == CONFIG_ID_IPV4 ? AF_INET :
		    AF_INET6, id->data);
		snprintf(buf, len, "ip:%s", addr_str(&ss, a, sizeof(a)));
		return buf;
	case CONFIG_ID_FQDN:
	case CONFIG_ID_EMAIL:
		n = snprintf(buf, len, "%s:", id->type == CONFIG_ID_FQDN ?
		    "fqdn" : "email");
		if (n < 0 || (size_t)n >= len)
			return buf;
		o = (size_t)n;
		for (i = 0; i < id->len && o + 1 < len; i++)
			buf[o++] = id->data[i] > ' ' && id->data[i] < 0x7f ?
			    (char)id->data[i] : '?';
		buf[o] = '\0';
		return buf;
	case CONFIG_ID_DN:
		n = snprintf(buf, len, "dn:");
		if (n < 0 || (size_t)n >= len)
			return buf;
		pki_dn_text(id->data, id->len, buf + n, len - (size_t)n);
		return buf;
	case CONFIG_ID_KEYID:
		n = snprintf(buf, len, "keyid:#");
		if (n < 0 || (size_t)n >= len)
			return buf;
		o = (size_t)n;
		for (i = 0; i < id->len && o + 2 < len; i++, o += 2)
			snprintf(buf + o, len - o, "%02x", id->data[i]);
		buf[o] = '\0';
		return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}

int
config_duration_parse(const char *s, uint32_t *out)
{
	uint64_t total = 0, n, mul;
	const char *p = s;
	bool unit = false;

	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		for (n = 0; *p >= '0' && *p <= '9'; p++) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > UINT32_MAX)
				return -1;
		}
		switch (*p) {
		case '\0':
			/* A bare number: seconds, only on its own. */
			if (unit)
				return -1;
			mul = 1;
			break;
		case 's':
			mul = 1;
			p++;
			break;
		case 'm':
			mul = 60;
			p++;
			break;
		case 'h':
			mul = 3600;
			p++;
			break;
		case 'd':
			mul = 86400;
			p++;
			break;
		default:
			return -1;
		}
		unit = true;
		total += n * mul;
		if (total > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)total;
	return 0;
}

static bool
ifname_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

int
config_vti_name(const char *pattern, const char *peer, uint32_t mark,
    char *out, size_t outlen, char *why, size_t whylen)
{
	char buf[256], num[16];
	const char *p = pattern, *sub;
	size_t o = 0, i, n;

	while (*p != '\0') {
		sub = NULL;
		if (strncmp(p, "%mark%", 6) == 0) {
			snprintf(num, sizeof(num), "%u", mark);
			sub = num;
			p += 6;
		} else if (strncmp(p, "%peer%", 6) == 0) {
			sub = peer;
			p += 6;
		} else if (*p == '%') {
			snprintf(why, whylen, "'%s': unknown %% placeholder "
			    "(%%mark%% or %%peer%%)", pattern);
			return -1;
		}
		if (sub != NULL) {
			n = strlen(sub);
			if (o + n >= sizeof(buf))
				goto toolong;
			memcpy(buf + o, sub, n);
			o += n;
		} else {
			if (o + 1 >= sizeof(buf))
				goto toolong;
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	if (o == 0 || o >= CONFIG_IFNAME_MAX || o >= outlen)
		goto toolong;
	if (strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		goto badchar;
	for (i = 0; i < o; i++)
		if (!ifname_char(buf[i]))
			goto badchar;
	memcpy(out, buf, o + 1);
	return 0;

toolong:
	snprintf(why, whylen, "'%.64s' gives an interface name of %zu "
	    "characters: 1 to %d", pattern, o, CONFIG_IFNAME_MAX - 1);
	return -1;
badchar:
	snprintf(why, whylen, "'%.64s' is not an interface name (letters, "
	    "digits, '_', '-', '.')", buf);
	return -1;
}
