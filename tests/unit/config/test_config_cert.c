/* Certificate settings in vtid.conf against a PKI made here
 * (tests/unit/pki/pkigen.c): the top's defaults, a PSK peer beside
 * certificate peers, one load shared by the peers naming the same files,
 * and every refusal with its file and line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config/config.h"
#include "pki/pki.h"
#include "pkigen.h"

static char dir[] = "/tmp/vtid-test-config-cert-XXXXXX";

#define path(n)	pg_path(n)

static int
setup(void **state)
{
	static const struct pg_cert ca = { "root", NULL, true, -86400,
	    86400 * 10, NULL };
	static const struct pg_cert oca = { "other", NULL, true, -86400,
	    86400 * 10, NULL };
	static const struct pg_cert host = { "vpn.example",
	    "IP:2001:db8::1", false, -3600, 86400 * 365, NULL };
	static const struct pg_cert old = { "old.example", "IP:2001:db8::1",
	    false, -86400, -60, NULL };
	static const struct pg_cert soon = { "soon.example", "IP:2001:db8::1",
	    false, -3600, 86400 * 5, NULL };
	EVP_PKEY *rk, *ok, *k, *k2;
	X509 *r, *o, *x;

	(void)state;
	if (pg_dir_make(dir) == -1)
		return -1;
	rk = pg_key(PG_P256);
	ok = pg_key(PG_P256);
	k = pg_key(PG_P256);
	k2 = pg_key(PG_P256);
	r = pg_cert(&ca, rk, NULL, NULL);
	o = pg_cert(&oca, ok, NULL, NULL);
	pg_write_cert(path("ca.pem"), r, false);
	pg_write_cert(path("other.pem"), o, false);
	x = pg_cert(&host, k, r, rk);
	pg_write_cert(path("host.pem"), x, false);
	X509_free(x);
	pg_write_key(path("host.key"), k);
	pg_write_key(path("wrong.key"), k2);
	pg_write_key(path("open.key"), k);
	chmod(path("open.key"), 0644);
	x = pg_cert(&old, k, r, rk);
	pg_write_cert(path("old.pem"), x, false);
	X509_free(x);
	x = pg_cert(&soon, k, r, rk);
	pg_write_cert(path("soon.pem"), x, false);
	X509_free(x);
	x = pg_cert(&host, k, o, ok);
	pg_write_cert(path("foreign.pem"), x, false);
	X509_free(x);
	chmod(path("host.key"), 0600);
	chmod(path("wrong.key"), 0600);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ok);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	X509_free(r);
	X509_free(o);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return pg_dir_remove();
}

static const char *
conf(const char *text)
{
	const char *p = path("vtid.conf");
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, 0600);
	return p;
}

#define PEER(n, mark, extra) \
	"  { name = \"" n "\"; local = \"2001:db8::1\"; remote = " \
	"\"2001:db8::" #mark "\"; mark = " #mark "; " extra " }"

static void
test_good(void **state)
{
	struct config_error err;
	struct vtid_config *c;

	(void)state;
	c = config_load(conf(
	    "local_cert = \"host.pem\"; local_key = \"host.key\";\n"
	    "ca = \"ca.pem\";\n"
	    "peers = (\n"
	    PEER("a", 2, "") ",\n"
	    PEER("b", 3, "rsa_pss = true;") ",\n"
	    PEER("c", 4, "psk = \"a-psk-of-its-own-0123456789abcdef\";") "\n"
	    ");\n"), NULL, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(c->peers[0].cred);
	assert_ptr_equal(c->peers[0].cred, c->peers[1].cred);
	assert_ptr_equal(c->peers[0].ca, c->peers[1].ca);
	assert_false(c->peers[0].rsa_pss);
	assert_true(c->peers[1].rsa_pss);
	assert_null(c->peers[2].cred);
	assert_non_null(c->peers[2].psk);
	assert_string_equal(pki_cred_subject(c->peers[0].cred),
	    "O = vtid test, CN = vpn.example");
	assert_true(config_peer_cred_equal(&c->peers[0], &c->peers[0]));
	assert_false(config_peer_cred_equal(&c->peers[0], &c->peers[1]));
	config_free(c);
	print_message("top's local_cert/local_key/ca for a and b (one load, "
	    "shared), b with PSS, c with its PSK\n");
	c = config_load(conf(
	    "local_cert = \"soon.pem\"; local_key = \"host.key\";\n"
	    "ca = \"ca.pem\";\npeers = (\n" PEER("a", 2, "") "\n);\n"), NULL,
	    &err);
	assert_non_null(c);
	if (c->n_warnings != 1 || strstr(c->warnings[0], " expires in ")
	    == NULL)
		fail_msg("%zu warnings: %s", c->n_warnings, c->n_warnings > 0 ?
		    c->warnings[0] : "");
	print_message("warning: %s\n", c->warnings[0]);
	config_free(c);
}

/* DN identities: "dn:" or strongSwan's bare form, round trip. */
static void
test_dn(void **state)
{
	struct config_id id, id2;
	char why[256], buf[512];

	(void)state;
	assert_int_equal(config_id_parse("C=CH, O=Example AG, CN=vpn.example",
	    &id, why, sizeof(why)), 0);
	assert_int_equal(id.type, CONFIG_ID_DN);
	assert_string_equal(config_id_str(&id, buf, sizeof(buf)),
	    "dn:C=CH, O=Example AG, CN=vpn.example");
	assert_int_equal(config_id_parse(buf, &id2, why, sizeof(why)), 0);
	assert_int_equal(id2.len, id.len);
	assert_memory_equal(id2.data, id.data, id.len);
	assert_int_equal(config_id_parse("dn:/O=vtid test/CN=b", &id, why,
	    sizeof(why)), 0);
	assert_string_equal(config_id_str(&id, buf, sizeof(buf)),
	    "dn:O=vtid test, CN=b");
	assert_int_equal(config_id_parse("dn:XX=1, CN=a", &id, why,
	    sizeof(why)), -1);
	print_message("DN: %s\n", why);
	assert_int_equal(config_id_parse("dn:CN", &id, why, sizeof(why)), -1);
	print_message("DN: %s\n", why);
}

static void
test_bad(void **state)
{
	static const struct {
		const char	*top, *peer;
		const char	*want;
	} t[] = {
		{ "", "local_cert = \"host.pem\"; ca = \"ca.pem\";",
		    ":3: peer 'p': local_key: required with local_cert (the "
		    "certificate's private key, mode 600)" },
		{ "", "local_cert = \"host.pem\"; local_key = \"host.key\";",
		    ":3: peer 'p': ca: required with local_cert (the CAs the "
		    "peer's certificate must lead to)" },
		{ "local_key = \"open.key\"; ca = \"ca.pem\";\n",
		    "local_cert = \"host.pem\";",
		    ":1: peer 'p': local_key: '" },
		{ "local_key = \"wrong.key\"; ca = \"ca.pem\";\n",
		    "local_cert = \"host.pem\";",
		    ":1: peer 'p': local_key: " },
		{ "local_key = \"host.key\"; ca = \"ca.pem\";\n",
		    "local_cert = \"old.pem\";",
		    ":5: peer 'p': local_cert: " },
		{ "local_key = \"host.key\"; ca = \"ca.pem\";\n",
		    "local_cert = \"foreign.pem\";",
		    ":5: peer 'p': local_cert: unable to get local issuer "
		    "certificate" },
		{ "local_key = \"host.key\"; ca = \"absent.pem\";\n",
		    "local_cert = \"host.pem\";",
		    ":1: peer 'p': ca: " },
		{ "", "psk = \"a-psk-of-its-own-0123456789abcdef\"; "
		    "local_cert = \"host.pem\";",
		    ":3: peer 'p': local_cert: and a psk both given: keep one" },
	};
	static const char *const tail[] = { "is readable or writable by group "
	    "or others (mode 0644): chmod 600 it", "key does not match the "
	    "certificate", ": expired (O = vtid test, CN = old.example)" };
	struct config_error err;
	char text[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "%speers = (\n  { name = \"p\"; "
		    "local = \"2001:db8::1\"; remote = \"2001:db8::2\"; mark = "
		    "1;\n\n %s }\n);\n", t[i].top, t[i].peer);
		/* settings on the peer's line 4, the top's on line 1 */
		if (t[i].top[0] == '\0')
			snprintf(text, sizeof(text), "peers = (\n  { name = "
			    "\"p\"; local = \"2001:db8::1\"; remote = "
			    "\"2001:db8::2\";\n mark = 1; %s }\n);\n",
			    t[i].peer);
		if (config_load(conf(text), NULL, &err) != NULL)
			fail_msg("case %zu loaded", i);
		if (strstr(err.msg, t[i].want) == NULL)
			fail_msg("case %zu: %s, want %s", i, err.msg,
			    t[i].want);
		if (i >= 2 && i <= 4 && strstr(err.msg, tail[i - 2]) == NULL)
			fail_msg("case %zu: %s, want %s", i, err.msg,
			    tail[i - 2]);
		print_message("%s\n", strrchr(err.msg, '/') != NULL &&
		    strstr(err.msg, "vtid.conf") ? strstr(err.msg,
		    "vtid.conf") : err.msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_dn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
