#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "util/log.h"

#define CONTROL_CLIENTS_MAX	16
#define CONTROL_TIMEOUT_S	5.0

struct control_client {
	ev_io		 io;
	ev_timer	 timer;
	int		 fd;
	char		 line[CONTROL_LINE_MAX];
	size_t		 line_len;
	char		*out;		/* answer being written */
	size_t		 out_len, out_off;
};

static ev_io			 listen_w;
static int			 listen_fd = -1;
static char			 sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static control_fn		 handler;
static void			*handler_arg;
static struct control_client	*clients[CONTROL_CLIENTS_MAX];

static void
control_client_free(struct ev_loop *loop, struct control_client *c)
{
	size_t i;

	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->timer);
	close(c->fd);
	free(c->out);
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (clients[i] == c)
			clients[i] = NULL;
	free(c);
}

static void
control_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_client *c = w->data;
	ssize_t n;

	n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		control_client_free(loop, c);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len)
		control_client_free(loop, c);
}

static void
control_dispatch(struct ev_loop *loop, struct control_client *c)
{
	char *argv[CONTROL_ARGS_MAX + 1], *save = NULL, *tok;
	FILE *body;
	char *text = NULL;
	size_t text_len = 0;
	int argc = 0, rc;

	for (tok = strtok_r(c->line, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (argc == CONTROL_ARGS_MAX)
			break;
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	body = open_memstream(&text, &text_len);
	if (body == NULL) {
		control_client_free(loop, c);
		return;
	}
	if (argc == 0) {
		fprintf(body, "empty command\n");
		rc = -1;
	} else {
		rc = handler(argc, argv, body, handler_arg);
	}
	fclose(body);
	if (asprintf(&c->out, "%s\n%s", rc == 0 ? "ok" : "error",
	    text != NULL ? text : "") == -1) {
		c->out = NULL;
		free(text);
		control_client_free(loop, c);
		return;
	}
	free(text);
	c->out_len = strlen(c->out);
	c->out_off = 0;
	ev_io_stop(loop, &c->io);
	ev_io_init(&c->io, control_write_cb, c->fd, EV_WRITE);
	c->io.data = c;
	ev_io_start(loop, &c->io);
}

static void
control_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_client *c = w->data;
	char *nl;
	ssize_t n;

	n = read(c->fd, c->line + c->line_len,
	    sizeof(c->line) - 1 - c->line_len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		control_client_free(loop, c);
		return;
	}
	c->line_len += (size_t)n;
	c->line[c->line_len] = '\0';
	if ((nl = strchr(c->line, '\n')) == NULL) {
		if (c->line_len == sizeof(c->line) - 1)
			control_client_free(loop, c);	/* line too long */
		return;
	}
	*nl = '\0';
	control_dispatch(loop, c);
}

static void
control_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	control_client_free(loop, t->data);
}

static void
control_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_client *c;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	size_t i;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	/* The socket file is 0600 already; the credential check also holds
	 * if someone loosens its mode. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == -1 ||
	    cred.uid != 0) {
		close(fd);
		return;
	}
	for (i = 0; i < CONTROL_CLIENTS_MAX && clients[i] != NULL; i++)
		;
	if (i == CONTROL_CLIENTS_MAX || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	clients[i] = c;
	c->fd = fd;
	ev_io_init(&c->io, control_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_init(&c->timer, control_timeout_cb, CONTROL_TIMEOUT_S, 0);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
}

int
control_open(struct ev_loop *loop, const char *path, control_fn fn,
    void *arg)
{
	struct sockaddr_un sun;
	char *slash;
	mode_t old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control: socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (listen_fd == -1)
		goto fail;
	/* A socket left by a crashed vtid: refuse if one is still alive. */
	if (connect(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_err("control: %s: another vtid is running", path);
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	unlink(path);
	old = umask(0077);
	/* The default lives in /run/vtid/ (systemd's RuntimeDirectory=,
	 * the one place under /run that ProtectSystem=strict leaves
	 * writable); without systemd, vtid makes the folder itself. */
	if ((slash = strrchr(sun.sun_path, '/')) != NULL &&
	    slash != sun.sun_path) {
		*slash = '\0';
		if (mkdir(sun.sun_path, 0700) == -1 && errno != EEXIST) {
			umask(old);
			goto fail;
		}
		*slash = '/';
	}
	if (bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(listen_fd, 8) == -1)
		goto fail;
	strcpy(sock_path, path);
	handler = fn;
	handler_arg = arg;
	ev_io_init(&listen_w, control_accept_cb, listen_fd, EV_READ);
	ev_io_start(loop, &listen_w);
	return 0;
fail:
	log_err("control: %s: %s", path, strerror(errno));
	if (listen_fd != -1)
		close(listen_fd);
	listen_fd = -1;
	return -1;
}

void
control_close(struct ev_loop *loop)
{
	size_t i;

	if (listen_fd == -1)
		return;
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (clients[i] != NULL)
			control_client_free(loop, clients[i]);
	ev_io_stop(loop, &listen_w);
	close(listen_fd);
	listen_fd = -1;
	unlink(sock_path);
}
