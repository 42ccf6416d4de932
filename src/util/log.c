#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

static int	 log_level = LOG_INFO;
static bool	 log_syslog;
static bool	 log_journal;

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "err", LOG_ERR },
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "warn", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

/* True when stderr is the stream systemd connected to the journal:
 * JOURNAL_STREAM holds its "DEVICE:INODE" (systemd.exec(5)). A stderr
 * redirected by a shell keeps the variable but is another file. */
static bool
log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (env == NULL ||
	    sscanf(env, "%llu:%llu%n", &dev, &ino, &n) != 2 ||
	    env[n] != '\0' || fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, int level, bool use_syslog)
{
	log_level = level;
	log_syslog = use_syslog;
	log_journal = log_stderr_is_journal();
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcmp(s, log_levels[i].name) == 0)
			return log_levels[i].level;
	return -1;
}

const char *
log_level_name(int level)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "?";
}

uint64_t
log_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void log_vmsg(int, const char *, uint32_t, const char *, va_list)
    VTID_PRINTF(4, 0);

static void
log_vmsg(int level, const char *prefix, uint32_t suppressed, const char *fmt,
    va_list ap)
{
	char line[1024], tail[64] = "";
	int n = 0;

	if (level > log_level)
		return;
	if (prefix != NULL)
		n = snprintf(line, sizeof(line), "%s: ", prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (suppressed > 0)
		snprintf(tail, sizeof(tail), " (%u similar lines suppressed)",
		    suppressed);
	if (log_syslog)
		syslog(level, "%s%s", line, tail);
	else if (log_journal)
		/* sd-daemon(3): the journal takes "<N>" as the priority. */
		fprintf(stderr, "<%d>%s%s\n", level, line, tail);
	else
		fprintf(stderr, "%s%s\n", line, tail);
}

void
log_msg(int level, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, prefix, 0, fmt, ap);
	va_end(ap);
}

bool
log_ratelimit_ok(struct log_ratelimit *rl)
{
	uint64_t now = log_now_ms();

	if (rl->start_ms == 0 || now - rl->start_ms >= LOG_RL_INTERVAL_MS) {
		rl->start_ms = now;
		rl->count = 0;
	}
	if (rl->count >= LOG_RL_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->count++;
	return true;
}

void
log_msg_rl(struct log_ratelimit *rl, int level, const char *prefix,
    const char *fmt, ...)
{
	va_list ap;
	uint32_t suppressed;

	if (level > log_level || !log_ratelimit_ok(rl))
		return;
	suppressed = rl->suppressed;
	rl->suppressed = 0;
	va_start(ap, fmt);
	log_vmsg(level, prefix, suppressed, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, "fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
