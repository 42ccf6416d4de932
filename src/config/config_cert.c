/* Certificate settings: local_cert, local_key, ca, crl and rsa_pss, at the
 * top (every peer's default) or in a peer. A peer with a PSK of its own
 * uses it; one without uses certificates, and then needs all of
 * local_cert, local_key and ca. Files are loaded and checked here (src/pki)
 * so that vtid -t names a bad certificate with its file and line; peers
 * naming the same files share what was loaded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/priv.h"
#include "pki/pki.h"

enum { C_CERT, C_KEY, C_CA, C_CRL };
static const char *const cert_keys[] = { "local_cert", "local_key", "ca",
    "crl" };

/* What one set of files gave. */
struct cfg_cert_cache {
	char		 path[4][CONFIG_PATH_MAX];
	struct pki_cred	*cred;
	struct pki_ca	*ca;
};

int
cfg_path(struct loader *ld, const config_setting_t *s, const char *key,
    const char *v, char *out)
{
	int r;

	if (v[0] == '/' || ld->dir[0] == '\0')
		r = snprintf(out, CONFIG_PATH_MAX, "%s", v);
	else
		r = snprintf(out, CONFIG_PATH_MAX, "%s/%s", ld->dir, v);
	if (r < 0 || r >= CONFIG_PATH_MAX)
		return cfg_fail(ld, s, "%s: path too long", key);
	return 0;
}

int
cfg_open_secret(struct loader *ld, const config_setting_t *s, const char *key,
    const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return cfg_fail(ld, s, "%s: cannot open '%s': %s", key, path,
		    strerror(errno));
	if (fstat(fd, &st) == -1)
		cfg_fail(ld, s, "%s: '%s': %s", key, path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		cfg_fail(ld, s, "%s: '%s' is not a regular file", key, path);
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		cfg_fail(ld, s, "%s: '%s' is readable or writable by group or "
		    "others (mode %04o): chmod 600 it", key, path,
		    (unsigned)(st.st_mode & 07777));
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		cfg_fail(ld, s, "%s: '%s' is owned by uid %u, not by root",
		    key, path, (unsigned)st.st_uid);
	else
		return fd;
	close(fd);
	return -1;
}

int
cfg_parse_cert_defaults(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *s;
	size_t i;

	for (i = 0; i < 4; i++)
		if (cfg_get_str(root, cert_keys[i], &ld->cert_def[i]) == NULL &&
		    ld->cert_def[i] != NULL)
			return cfg_fail(ld, ld->cert_def[i], "%s: expected a "
			    "string", cert_keys[i]);
	if ((s = config_setting_get_member(root, "rsa_pss")) != NULL)
		ld->rsa_pss = config_setting_get_bool(s);
	return 0;
}

/* The loaded credential and CAs for these files, from the cache or
 * loaded now (errors at the setting that named the file). */
static int
cert_load(struct loader *ld, const config_setting_t *at[4],
    char path[4][CONFIG_PATH_MAX], struct pki_cred **cred,
    struct pki_ca **ca)
{
	struct cfg_cert_cache *c, *n;
	char why[PKI_WHY_MAX];
	size_t i;
	int fd;

	for (i = 0; i < ld->n_cache; i++) {
		c = &ld->cache[i];
		if (memcmp(c->path, path, sizeof(c->path)) == 0) {
			*cred = pki_cred_ref(c->cred);
			*ca = pki_ca_ref(c->ca);
			return 0;
		}
	}
	if ((fd = cfg_open_secret(ld, at[C_KEY], "local_key",
	    path[C_KEY])) == -1)
		return -1;
	close(fd);
	if (pki_ca_load(path[C_CA], path[C_CRL][0] != '\0' ? path[C_CRL] :
	    NULL, ca, why, sizeof(why)) == -1)
		return cfg_fail(ld, strstr(why, path[C_CA]) == why ? at[C_CA] :
		    at[C_CRL], "%s: %s", strstr(why, path[C_CA]) == why ? "ca" :
		    "crl", why);
	if (pki_cred_load(path[C_CERT], path[C_KEY], *ca, cred, why,
	    sizeof(why)) == -1) {
		pki_ca_unref(*ca);
		*ca = NULL;
		return cfg_fail(ld, strstr(why, path[C_KEY]) == why ?
		    at[C_KEY] : at[C_CERT], "%s: %s", strstr(why, path[C_KEY]) ==
		    why ? "local_key" : "local_cert", why);
	}
	if ((n = realloc(ld->cache, (ld->n_cache + 1) * sizeof(*n))) != NULL) {
		ld->cache = n;
		c = &ld->cache[ld->n_cache++];
		memcpy(c->path, path, sizeof(c->path));
		c->cred = pki_cred_ref(*cred);
		c->ca = pki_ca_ref(*ca);
	}
	return 0;
}

int
cfg_parse_cert(struct loader *ld, const config_setting_t *g,
    struct config_peer *p, bool psk)
{
	const config_setting_t *at[4], *s;
	const char *v;
	char path[4][CONFIG_PATH_MAX];
	long days;
	size_t i;

	memset(path, 0, sizeof(path));
	for (i = 0; i < 4; i++) {
		if ((v = cfg_get_str(g, cert_keys[i], &at[i])) == NULL &&
		    at[i] != NULL)
			return cfg_fail(ld, at[i], "%s: expected a string",
			    cert_keys[i]);
		/* A PSK of its own: the top's certificate is not this
		 * peer's; its own would be a contradiction. */
		if (v != NULL && psk && i == C_CERT)
			return cfg_fail(ld, at[i], "local_cert: and a psk both "
			    "given: keep one");
		if (v == NULL && (at[i] = ld->cert_def[i]) != NULL)
			v = config_setting_get_string(at[i]);
		if (v != NULL && cfg_path(ld, at[i], cert_keys[i], v,
		    path[i]) == -1)
			return -1;
	}
	p->rsa_pss = ld->rsa_pss;
	if ((s = config_setting_get_member(g, "rsa_pss")) != NULL)
		p->rsa_pss = config_setting_get_bool(s);
	if (psk)
		return 0;
	if (path[C_CERT][0] == '\0')
		return cfg_fail(ld, g, "psk: required (psk, psk_file, or "
		    "local_cert with local_key and ca)");
	if (path[C_KEY][0] == '\0')
		return cfg_fail(ld, at[C_CERT], "local_key: required with "
		    "local_cert (the certificate's private key, mode 600)");
	if (path[C_CA][0] == '\0')
		return cfg_fail(ld, at[C_CERT], "ca: required with local_cert "
		    "(the CAs the peer's certificate must lead to)");
	if (cert_load(ld, at, path, &p->cred, &p->ca) == -1)
		return -1;
	memcpy(p->local_cert, path[C_CERT], CONFIG_PATH_MAX);
	memcpy(p->local_key, path[C_KEY], CONFIG_PATH_MAX);
	memcpy(p->ca_path, path[C_CA], CONFIG_PATH_MAX);
	memcpy(p->crl_path, path[C_CRL], CONFIG_PATH_MAX);
	days = (long)((pki_cred_not_after(p->cred) - time(NULL)) / 86400);
	if (days < 30)
		cfg_warn(ld, at[C_CERT], "local_cert: %s expires in %ld days "
		    "(%s)", p->local_cert, days, pki_cred_subject(p->cred));
	return 0;
}

void
cfg_cert_cache_free(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_cache; i++) {
		pki_cred_unref(ld->cache[i].cred);
		pki_ca_unref(ld->cache[i].ca);
	}
	free(ld->cache);
	ld->cache = NULL;
	ld->n_cache = 0;
}
