/* Shared by the files of src/config, not part of its API: the table of
 * settings a section may have, the loader's state, and the functions the
 * files call across. config_walk.c walks the libconfig tree (messages
 * with file:line, types, typed values); config.c the global sections,
 * loading and comparing; config_peer.c the peers. */
#ifndef VTID_CONFIG_PRIV_H
#define VTID_CONFIG_PRIV_H

#include <libconfig.h>
#include <sys/stat.h>

#include "config/config.h"
#include "util/log.h"

/* uthash (config.c, config_peer.c): keys come from the file, not the
 * network: a plain hash, without the default one's switch
 * fall-throughs; an insertion that cannot allocate sets cfg_hash_oom and
 * fails instead of exiting. */
extern bool cfg_hash_oom;
#define HASH_FUNCTION			HASH_OAT
#define HASH_NONFATAL_OOM		1
#define uthash_nonfatal_oom(obj)	(cfg_hash_oom = true)
#include <uthash.h>


/* Types a setting may have. */
#define T_INT		0x01	/* int or int64 */
#define T_FLOAT		0x02
#define T_STR		0x04
#define T_BOOL		0x08
#define T_GROUP		0x10	/* { } */
#define T_LIST		0x20	/* ( ) or [ ] */

struct key_def {
	const char	*name;
	unsigned	 types;
};

struct loader {
	const char		*path;
	char			 dir[CONFIG_PATH_MAX];	/* of path */
	char			 filebuf[CONFIG_PATH_MAX * 2];
	config_t		 cfg;
	struct vtid_config	*conf;
	struct config_error	*err;
	config_proposal_check	 check;
	char			 ctx[CONFIG_NAME_MAX + 16]; /* "peer 'x': " */
	mode_t			 mode;		/* of the file */
	bool			 inline_psk;
	/* The top's certificate settings (config_cert.c), where each was
	 * given, and what was loaded so far, by file. */
	const config_setting_t	*cert_def[4];	/* local_cert, local_key,
						 * ca, crl */
	bool			 rsa_pss;
	struct cfg_cert_cache	*cache;
	size_t			 n_cache;
};

/* config_walk.c */
/* The name of a file libconfig read, for messages. */
const char	*cfg_file_name(struct loader *, const char *);
/* Where a setting was read. */
void		 cfg_where(struct loader *, const config_setting_t *at,
		    const char **file, unsigned *line);
/* Record the error at setting at (NULL: the file). Returns -1. */
int		 cfg_fail(struct loader *, const config_setting_t *at,
		    const char *, ...) VTID_PRINTF(3, 4);
void		 cfg_warn(struct loader *, const config_setting_t *at,
		    const char *, ...) VTID_PRINTF(3, 4);
int		 cfg_check_keys(struct loader *, const config_setting_t *group,
		    const struct key_def *, const char *sect);
const char	*cfg_get_str(const config_setting_t *g, const char *name,
		    const config_setting_t **s);
int		 cfg_copy_str(struct loader *, const config_setting_t *s,
		    const char *key, const char *v, char *dst, size_t dstlen);
int		 cfg_get_uint(struct loader *, const config_setting_t *g,
		    const char *name, const char *key, long long min,
		    long long max, uint32_t *v);
int		 cfg_get_duration(struct loader *, const config_setting_t *g,
		    const char *name, const char *key, uint32_t *v);
int		 cfg_get_tries(struct loader *, const config_setting_t *g,
		    const char *name, const char *key, bool zero_forever,
		    uint32_t *v);
int		 cfg_get_ms(struct loader *, const config_setting_t *g,
		    const char *name, const char *key, double min, double max,
		    uint32_t *v);
int		 cfg_get_enum(struct loader *, const config_setting_t *g,
		    const char *name, const char *key,
		    const char *(*namefn)(int), int n, int *v);
const char	*cfg_dpd_name_i(int);
int		 cfg_get_start(struct loader *, const config_setting_t *g,
		    const char *key, enum config_start *v);
const config_setting_t *cfg_member_or(const config_setting_t *g,
		    const char *name);
int		 cfg_get_addr(struct loader *, const config_setting_t *s,
		    const char *key, const char *v, struct sockaddr_storage *);

/* config.c */
int		 cfg_parse_sa(struct loader *, const config_setting_t *g,
		    const char *sect, enum config_proposal_kind,
		    struct config_sa *);
int		 cfg_parse_nat(struct loader *, const config_setting_t *g,
		    struct config_nat *);
int		 cfg_parse_dpd(struct loader *, const config_setting_t *g,
		    struct config_dpd *);
bool		 cfg_netns_ok(const char *);
/* config_iface.c: the "interface" group of parent, or its older name
 * "vti" (both: an error); *sect is the name found. NULL when neither
 * (or on error, then with *failed set). */
const config_setting_t *cfg_iface_group(struct loader *,
		    const config_setting_t *parent, const char **sect,
		    bool *failed);
/* type, name, netns, mtu: the global and the peer groups share them. */
int		 cfg_parse_vti_common(struct loader *, const config_setting_t *g,
		    const char *sect,
		    struct config_vti *);

/* config_kernel.c */
int		 cfg_parse_kernel(struct loader *, const config_setting_t *g);

/* config_peer.c */
/* "fragmentation" and "fragment_size" of g (the top or a peer). */
int		 cfg_parse_fragmentation(struct loader *,
		    const config_setting_t *g, bool *on, uint32_t *size);
int		 cfg_parse_peers(struct loader *, const config_setting_t *list);

/* config_cert.c */
/* A path as written, relative to the configuration's directory, into
 * out[CONFIG_PATH_MAX]: 0, or -1 (reported at s as key). */
int		 cfg_path(struct loader *, const config_setting_t *s,
		    const char *key, const char *v, char *out);
/* A file of secrets (psk_file, local_key): opened read-only, a regular
 * file owned by root (or us) that group and others cannot read: its fd,
 * or -1 (reported). */
int		 cfg_open_secret(struct loader *, const config_setting_t *s,
		    const char *key, const char *path);
/* The top's local_cert, local_key, ca, crl and rsa_pss: the peers'
 * defaults. */
int		 cfg_parse_cert_defaults(struct loader *,
		    const config_setting_t *root);
/* A peer's certificate settings, its own or the top's: with local_cert,
 * the credential and CAs loaded and checked (shared by the peers that
 * name the same files). psk: the peer has a PSK of its own. */
int		 cfg_parse_cert(struct loader *, const config_setting_t *g,
		    struct config_peer *, bool psk);
/* Drops the loader's cache (the peers keep their references). */
void		 cfg_cert_cache_free(struct loader *);

#endif
