/* Logging: stderr (systemd captures it) or syslog, with levels, an optional
 * prefix naming the peer or SA, and rate limits for peer-triggered lines. */
#ifndef VTID_UTIL_LOG_H
#define VTID_UTIL_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#define VTID_PRINTF(f, a) __attribute__((format(printf, f, a)))

void	 log_init(const char *ident, int level, bool use_syslog);
void	 log_set_level(int);
int	 log_get_level(void);
/* "err", "warning", "notice", "info", "debug" -> LOG_*; -1 if unknown. */
int	 log_level_parse(const char *);
const char *log_level_name(int);

/* prefix may be NULL; otherwise the line reads "PREFIX: message". */
void	 log_msg(int level, const char *prefix, const char *fmt, ...)
	    VTID_PRINTF(3, 4);
_Noreturn void fatal(const char *fmt, ...) VTID_PRINTF(1, 2);

#define log_err(...)	log_msg(LOG_ERR, NULL, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, NULL, __VA_ARGS__)

/* A token bucket per source of lines: at most burst lines per interval;
 * the number suppressed is reported with the next line let through. */
struct log_ratelimit {
	uint64_t	 start_ms;
	uint32_t	 count;
	uint32_t	 suppressed;
};

#define LOG_RL_BURST		10
#define LOG_RL_INTERVAL_MS	5000

/* True if a line may be printed now. */
bool	 log_ratelimit_ok(struct log_ratelimit *);
void	 log_msg_rl(struct log_ratelimit *, int level, const char *prefix,
	    const char *fmt, ...) VTID_PRINTF(4, 5);

uint64_t log_now_ms(void);

#endif
