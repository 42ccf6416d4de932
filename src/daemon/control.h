/* The control socket: a root-only unix stream socket. A client sends one
 * line of words ("status", "status -j", "up V2-1"); vtid answers with a
 * status line ("ok" or "error") followed by the text, then closes. */
#ifndef VTID_DAEMON_CONTROL_H
#define VTID_DAEMON_CONTROL_H

#include <stdio.h>

#include <ev.h>

#define CONTROL_ARGS_MAX	16
#define CONTROL_LINE_MAX	1024

/* Writes the answer to out; returns 0 (ok) or -1 (error, reason in out). */
typedef int (*control_fn)(int argc, char **argv, FILE *out, void *arg);

int	 control_open(struct ev_loop *, const char *path, control_fn, void *);
void	 control_close(struct ev_loop *);

#endif
