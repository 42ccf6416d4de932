/* A peer's tunnel device: "interface = { type; name; netns; mtu; ... }",
 * or "vti = { ... }" as vtid.conf called it before XFRM interfaces; the
 * settings shared by the global group and the peers' (config_peer.c
 * reads the addresses). */
#include <string.h>

#include "config/priv.h"

static const char *const iface_type_names[] = {
	[CONFIG_IFACE_VTI] = "vti",
	[CONFIG_IFACE_XFRM] = "xfrm",
};

const char *
config_iface_type_name(enum config_iface_type t)
{
	return (size_t)t < sizeof(iface_type_names) /
	    sizeof(iface_type_names[0]) ? iface_type_names[t] : "?";
}

static const char *
iface_type_name_i(int i)
{
	return config_iface_type_name((enum config_iface_type)i);
}

const config_setting_t *
cfg_iface_group(struct loader *ld, const config_setting_t *parent,
    const char **sect, bool *failed)
{
	const config_setting_t *i = config_setting_get_member(parent,
	    "interface");
	const config_setting_t *v = config_setting_get_member(parent, "vti");

	*failed = false;
	*sect = i != NULL ? "interface" : "vti";
	if (i != NULL && v != NULL) {
		*failed = true;
		cfg_fail(ld, v, "vti: the older name of 'interface', which is "
		    "also set: keep one of them");
		return NULL;
	}
	return i != NULL ? i : v;
}

int
cfg_parse_vti_common(struct loader *ld, const config_setting_t *g,
    const char *sect, struct config_vti *vti)
{
	const config_setting_t *s;
	const char *v;
	char key[32];
	int type = (int)vti->type;

	snprintf(key, sizeof(key), "%s.type", sect);
	if (cfg_get_enum(ld, g, "type", key, iface_type_name_i, 2, &type) == -1)
		return -1;
	vti->type = (enum config_iface_type)type;
	snprintf(key, sizeof(key), "%s.name", sect);
	if ((v = cfg_get_str(g, "name", &s)) != NULL) {
		if (cfg_copy_str(ld, s, key, v, vti->pattern,
		    sizeof(vti->pattern)) == -1)
			return -1;
		if (*v == '\0')
			return cfg_fail(ld, s, "%s: empty", key);
	}
	snprintf(key, sizeof(key), "%s.netns", sect);
	if ((v = cfg_get_str(g, "netns", &s)) != NULL) {
		if (cfg_copy_str(ld, s, key, v, vti->netns,
		    sizeof(vti->netns)) == -1)
			return -1;
		if (!cfg_netns_ok(v))
			return cfg_fail(ld, s, "%s: '%s' is not a namespace "
			    "name (letters, digits, '_', '-', '.')", key, v);
	}
	snprintf(key, sizeof(key), "%s.link", sect);
	if ((v = cfg_get_str(g, "link", &s)) != NULL) {
		if (strcmp(v, "tunnel") == 0)
			vti->link_follows = true;
		else if (strcmp(v, "up") == 0)
			vti->link_follows = false;
		else
			return cfg_fail(ld, s, "%s: '%s' is not \"tunnel\" "
			    "(down while the tunnel is) or \"up\" (always)",
			    key, v);
	}
	snprintf(key, sizeof(key), "%s.mtu", sect);
	if ((v = cfg_get_str(g, "mtu", &s)) != NULL) {
		if (strcmp(v, "auto") != 0)
			return cfg_fail(ld, s, "%s: '%s' is neither a number "
			    "nor \"auto\"", key, v);
		vti->mtu_auto = true;
		return 0;
	}
	if (config_setting_get_member(g, "mtu") != NULL)
		vti->mtu_auto = false;
	return cfg_get_uint(ld, g, "mtu", key, 68, 65535, &vti->mtu);
}
