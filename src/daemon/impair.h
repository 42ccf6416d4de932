/* Test-only fault injection ("impair", after Libreswan's): chosen IKE
 * messages dropped, duplicated, delayed or corrupted on their way in or
 * out, and chosen kernel calls of struct ike_ops made to fail. It sits
 * between the daemon and the engine: a wrapper around the ike_ops the
 * engine is given and around the datagrams handed to ike_input, so src/ike
 * knows nothing of it.
 *
 * Off unless vtid starts with VTID_IMPAIR in its environment: then, and
 * only then, the wrapper is installed and "vtictl impair" may change the
 * rules. Without it the engine gets the kernel's ops table itself and
 * every datagram goes straight to ike_input: no cost, nothing to misuse.
 *
 * A spec is rules separated by blanks, ',' or ';' ("none" or "off": no
 * rule). A message rule:
 *
 *	DIR.EXCH[.KIND]:ACTION[@WHICH]
 *	DIR	in | out
 *	EXCH	init | auth | child | info | any  (IKE_SA_INIT, IKE_AUTH,
 *		CREATE_CHILD_SA, INFORMATIONAL)
 *	KIND	req | resp  (omitted: both)
 *	ACTION	drop | dup | delay=MS | corrupt
 *
 * and a kernel call rule:
 *
 *	CALL:fail[=ERRNO][@WHICH]
 *	CALL	send | spi_alloc | sa_add | sa_del | policies | child_counters
 *	ERRNO	a name (ENOBUFS, EEXIST, ...) or a number; EIO if omitted
 *
 * WHICH counts the messages or calls the rule matches, from 1: N (the Nth
 * only), N-M, N+ (from the Nth on) or every (the default). The first rule
 * whose selector matches and whose WHICH includes the occurrence acts.
 * Examples: "out.auth.req:drop@1", "in.info.resp:delay=1500@1",
 * "sa_add:fail=ENOBUFS@1-2". */
#ifndef VTID_DAEMON_IMPAIR_H
#define VTID_DAEMON_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ev.h>

#include "ike/ike.h"

#define IMPAIR_RULES_MAX	16
#define IMPAIR_SPEC_MAX		1024
#define IMPAIR_ENV		"VTID_IMPAIR"

enum impair_dir {
	IMPAIR_IN,
	IMPAIR_OUT,
};

enum impair_action {
	IMPAIR_DROP,
	IMPAIR_DUP,
	IMPAIR_DELAY,
	IMPAIR_CORRUPT,
	IMPAIR_FAIL,		/* a kernel call */
	IMPAIR_ACTIONS,
};

enum impair_call {
	IMPAIR_CALL_NONE,	/* a message rule */
	IMPAIR_CALL_SEND,
	IMPAIR_CALL_SPI_ALLOC,
	IMPAIR_CALL_SA_ADD,
	IMPAIR_CALL_SA_DEL,
	IMPAIR_CALL_POLICIES,
	IMPAIR_CALL_COUNTERS,
	IMPAIR_CALLS,
};

#define IMPAIR_KIND_REQ		0x1
#define IMPAIR_KIND_RESP	0x2
#define IMPAIR_EXCH_ANY		0

struct impair_rule {
	enum impair_call call;
	enum impair_dir	 dir;		/* message rules */
	uint8_t		 exchange;	/* IKE_SA_INIT..., or IMPAIR_EXCH_ANY */
	uint8_t		 kinds;		/* IMPAIR_KIND_* */
	enum impair_action action;
	unsigned	 delay_ms;
	int		 err;		/* IMPAIR_FAIL: a positive errno */
	uint64_t	 first, last;	/* occurrences, from 1; last 0: no end */
	uint64_t	 seen;		/* matches so far */
	uint64_t	 done;		/* of those, acted upon */
};

struct impair_spec {
	struct impair_rule rules[IMPAIR_RULES_MAX];
	size_t		 n;
};

/* impair_spec.c: spec text to rules and back. 0, or -1 with why. */
int	 impair_spec_parse(struct impair_spec *, const char *text, char *why,
	    size_t len);
/* One rule as the spec language writes it. */
void	 impair_rule_format(const struct impair_rule *, char *, size_t);
const char *impair_action_name(enum impair_action);

/* Does the rule select this message (header bytes: exchange, response)? */
bool	 impair_rule_matches(const struct impair_rule *, enum impair_dir,
	    const uint8_t *, size_t);

struct impair;

/* From the environment: *out NULL when VTID_IMPAIR is unset (unimpaired,
 * the usual case). 0, or -1 with why (a bad spec stops vtid: a test that
 * asked for faults must not run without them). */
int	 impair_from_env(struct ev_loop *, struct impair **out, char *why,
	    size_t len);
struct impair *impair_new(struct ev_loop *);
/* Replaces the rules (their counts start again); logged loudly. */
int	 impair_set(struct impair *, const char *spec, char *why, size_t len);
/* The engine's ops: inner wrapped, ctx the impair. inner is copied. */
void	 impair_wrap(struct impair *, const struct ike_ops *inner,
	    struct ike_ops *out);
/* Where delayed inbound datagrams go. */
void	 impair_attach(struct impair *, struct ike_engine *);
/* A datagram from the network, through the rules to ike_input. */
void	 impair_input(struct impair *, const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, bool natt,
	    const uint8_t *, size_t);
/* Delayed datagrams not yet delivered are freed unsent. */
void	 impair_free(struct impair *);

/* What was done, per action: drop, dup, delay, corrupt, fail. */
uint64_t impair_count(const struct impair *, enum impair_action);
size_t	 impair_pending(const struct impair *);
/* The rules with their counts (vtictl impair, status), and the
 * vtid_impair_* metric families. */
void	 impair_describe(const struct impair *, FILE *);
void	 impair_metrics(const struct impair *, FILE *);

#endif
