/* vtictl: talks to vtid's control socket, one command per connection
 * (src/daemon/control.h: a line of words in; "ok" or "error", a newline
 * and text out). vtictl(8) documents the commands; vtid answers "help".
 *
 * Exit status: 0 done, 1 vtid refused (the reason on stderr), 2 usage,
 * 3 vtid cannot be reached (not running, no permission, no answer). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Where vtid puts it under systemd (RuntimeDirectory=vtid). */
#define VTICTL_DEFAULT_SOCKET	"/run/vtid/vtid.sock"
#define VTICTL_LINE_MAX		1024	/* CONTROL_LINE_MAX */
#define VTICTL_TIMEOUT_S	30
#define VTICTL_POLL_MS		200

enum {
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,
};

struct answer {
	bool	 ok;
	char	*buf;		/* all of it; text points inside */
	char	*text;
	size_t	 len;
};

static const char *sock_path;
static int timeout_s = VTICTL_TIMEOUT_S;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vtictl [-j] [-s socket] [-t seconds] command [args]\n"
	    "commands:\n"
	    "  status [-j]            one line per IKE SA, two per CHILD SA\n"
	    "  list [-j] [PEER]       everything about each peer\n"
	    "  up PEER [-w]           negotiate now; -w: wait until it is up\n"
	    "  down PEER              delete the peer's SAs\n"
	    "  rekey PEER [--ike]     rekey the CHILD SA (or the IKE SA)\n"
	    "  reload                 apply the configuration file again\n"
	    "  log-level [LEVEL]      show or set the log level\n"
	    "  metrics                Prometheus text exposition\n"
	    "  config                 the configuration in force, no PSKs\n"
	    "  impair [RULE...|off]   test-only fault injection (vtid(8))\n"
	    "  help                   the commands this vtid knows\n"
	    "options:\n"
	    "  -j          JSON output (status, list)\n"
	    "  -s socket   vtid's control socket (default $VTID_SOCKET, "
	    "or %s)\n"
	    "  -t seconds  how long to wait for vtid (default %d)\n",
	    VTICTL_DEFAULT_SOCKET, VTICTL_TIMEOUT_S);
	exit(EXIT_USAGE);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends line (with its newline) and reads the whole answer. Returns 0,
 * or exits EXIT_UNREACHABLE with a message. */
static void
request(const char *line, struct answer *a)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	size_t len = strlen(line), cap = 0, off = 0;
	double deadline = now_s() + timeout_s;
	char *nl, *buf = NULL;
	ssize_t n;
	int fd, ms;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "vtictl: socket path too long: %s\n",
		    sock_path);
		exit(EXIT_USAGE);
	}
	strcpy(sun.sun_path, sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "vtictl: cannot reach vtid at %s: %s%s\n",
		    sock_path, strerror(errno),
		    errno == ENOENT || errno == ECONNREFUSED ?
		    " (is vtid running?)" : errno == EACCES ?
		    " (vtictl needs root)" : "");
		exit(EXIT_UNREACHABLE);
	}
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "vtictl: %s: write: %s\n", sock_path,
		    strerror(errno));
		exit(EXIT_UNREACHABLE);
	}
	for (;;) {
		if (off + 4096 + 1 > cap) {
			cap = cap == 0 ? 16384 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "vtictl: out of memory\n");
				exit(EXIT_UNREACHABLE);
			}
		}
		ms = (int)((deadline - now_s()) * 1000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (ms <= 0 || poll(&pfd, 1, ms) == 0) {
			fprintf(stderr, "vtictl: no answer from vtid within "
			    "%d s\n", timeout_s);
			exit(EXIT_UNREACHABLE);
		}
		n = read(fd, buf + off, cap - off - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (buf == NULL || off == 0 ||
	    (nl = memchr(buf, '\n', off)) == NULL) {
		fprintf(stderr, "vtictl: vtid closed the connection without "
		    "an answer%s\n", off == 0 ? " (the command line may be "
		    "too long)" : "");
		exit(EXIT_UNREACHABLE);
	}
	buf[off] = '\0';
	a->ok = nl - buf == 2 && strncmp(buf, "ok", 2) == 0;
	a->buf = buf;
	a->text = nl + 1;
	a->len = off - (size_t)(nl + 1 - buf);
}

/* The answer as vtictl prints it: ok text on stdout; an error on stderr,
 * "vtictl: " before its first line. */
static int
print_answer(const struct answer *a)
{
	if (a->ok) {
		fwrite(a->text, 1, a->len, stdout);
		return 0;
	}
	fprintf(stderr, "vtictl: ");
	fwrite(a->text, 1, a->len, stderr);
	if (a->len == 0 || a->text[a->len - 1] != '\n')
		fputc('\n', stderr);
	return EXIT_REFUSED;
}

/* up PEER -w: ask every VTICTL_POLL_MS until vtid says the peer is up. */
static int
wait_up(const char *peer)
{
	char line[VTICTL_LINE_MAX];
	struct answer a;
	double deadline = now_s() + timeout_s;
	int rc;

	snprintf(line, sizeof(line), "state %s\n", peer);
	for (;;) {
		request(line, &a);
		if (!a.ok) {
			rc = print_answer(&a);
			break;
		}
		if (strncmp(a.text, "up\n", 3) == 0) {
			printf("%s: up\n", peer);
			rc = 0;
			break;
		}
		if (now_s() >= deadline) {
			fprintf(stderr, "vtictl: %s: not up within %d s: %.*s",
			    peer, timeout_s, (int)a.len, a.text);
			rc = EXIT_REFUSED;
			break;
		}
		free(a.buf);
		usleep(VTICTL_POLL_MS * 1000);
	}
	free(a.buf);
	return rc;
}

int
main(int argc, char **argv)
{
	char line[VTICTL_LINE_MAX];
	struct answer a;
	const char *peer = NULL;
	bool json = false, wait = false;
	size_t len = 0;
	int ch, i, w, rc;

	if (getenv("VTID_SOCKET") != NULL && *getenv("VTID_SOCKET") != '\0')
		sock_path = getenv("VTID_SOCKET");
	else
		sock_path = VTICTL_DEFAULT_SOCKET;
	while ((ch = getopt(argc, argv, "+js:t:h")) != -1) {
		switch (ch) {
		case 'j':
			json = true;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	/* "up -w" is vtictl's: vtid answers at once. */
	if (strcmp(argv[0], "up") == 0)
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "-w") == 0) {
				wait = true;
				memmove(&argv[i], &argv[i + 1],
				    (size_t)(argc - i) * sizeof(*argv));
				argc--;
				i--;
			} else if (argv[i][0] != '-')
				peer = argv[i];
		}
	for (i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL || argv[i][0] == '\0') {
			fprintf(stderr, "vtictl: empty or multi-line "
			    "argument\n");
			return EXIT_USAGE;
		}
		w = snprintf(line + len, sizeof(line) - len, "%s%s",
		    i > 0 ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(line) - len - 4) {
			fprintf(stderr, "vtictl: command too long\n");
			return EXIT_USAGE;
		}
		len += (size_t)w;
	}
	if (json && (strcmp(argv[0], "status") == 0 ||
	    strcmp(argv[0], "list") == 0)) {
		memcpy(line + len, " -j", 3);
		len += 3;
	}
	line[len++] = '\n';
	line[len] = '\0';

	request(line, &a);
	rc = print_answer(&a);
	free(a.buf);
	if (rc == 0 && wait && peer != NULL) {
		fflush(stdout);
		rc = wait_up(peer);
	}
	return rc;
}
