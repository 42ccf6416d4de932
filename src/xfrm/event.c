/* ACQUIRE and EXPIRE: pure decoders, and a libev watcher on a socket
 * subscribed to XFRMNLGRP_ACQUIRE and XFRMNLGRP_EXPIRE (and, for whoever
 * compares the tables with what it installed, XFRMNLGRP_SA and
 * XFRMNLGRP_POLICY: notify.c decodes those). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>

#include "xfrm/priv.h"

/* Datagrams read per wake-up, so a flood of events cannot starve the
 * rest of the loop; libev calls again while more are pending. */
#define XFRM_MONITOR_BURST	64

static int
xfrm_acquire_decode(const void *buf, size_t len, struct xfrm_acquire *acq)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_user_acquire ua;
	struct xfrm_user_tmpl tmpl;
	size_t tlen;
	int rc;

	rc = nl_msg_parse(buf, len, &ua, sizeof(ua), xfrm_attr_rules,
	    XFRMA_MAX, tb);
	if (rc < 0)
		return rc;
	/* The packet that matched, and the policy it matched. */
	if (xfrm_prefix_get(&acq->flow_src, ua.sel.family, &ua.sel.saddr,
	    ua.sel.prefixlen_s) < 0 ||
	    xfrm_prefix_get(&acq->flow_dst, ua.sel.family, &ua.sel.daddr,
	    ua.sel.prefixlen_d) < 0 ||
	    xfrm_prefix_get(&acq->sel_src, ua.policy.sel.family,
	    &ua.policy.sel.saddr, ua.policy.sel.prefixlen_s) < 0 ||
	    xfrm_prefix_get(&acq->sel_dst, ua.policy.sel.family,
	    &ua.policy.sel.daddr, ua.policy.sel.prefixlen_d) < 0)
		return -EBADMSG;
	acq->flow_proto = ua.sel.proto;
	acq->dir = ua.policy.dir;
	acq->index = ua.policy.index;
	acq->seq = ua.seq;
	xfrm_mark_get(&acq->mark, tb[XFRMA_MARK]);
	acq->if_id = xfrm_if_id_get(tb[XFRMA_IF_ID]);
	/* The outer family is only in the template (the larval SA's
	 * props.family comes from tmpl->encap_family). */
	if (tb[XFRMA_TMPL] == NULL)
		return 0;
	tlen = nl_attr_len(tb[XFRMA_TMPL]);
	if (tlen % sizeof(tmpl) != 0)
		return -EBADMSG;
	memcpy(&tmpl, nl_attr_data(tb[XFRMA_TMPL]), sizeof(tmpl));
	if (xfrm_addr_get(&acq->src, tmpl.family, &ua.saddr) < 0 ||
	    xfrm_addr_get(&acq->dst, tmpl.family, &ua.id.daddr) < 0)
		return -EBADMSG;
	acq->reqid = tmpl.reqid;
	return 0;
}

static int
xfrm_expire_decode(const void *buf, size_t len, struct xfrm_expire *exp)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	struct xfrm_user_expire ue;
	int rc;

	rc = nl_msg_parse(buf, len, &ue, sizeof(ue), xfrm_attr_rules,
	    XFRMA_MAX, tb);
	if (rc < 0)
		return rc;
	if (xfrm_addr_get(&exp->dst, ue.state.family, &ue.state.id.daddr) < 0 ||
	    xfrm_addr_get(&exp->src, ue.state.family, &ue.state.saddr) < 0)
		return -EBADMSG;
	exp->spi = ntohl(ue.state.id.spi);
	exp->proto = ue.state.id.proto;
	exp->reqid = ue.state.reqid;
	exp->hard = ue.hard != 0;
	exp->bytes = ue.state.curlft.bytes;
	exp->packets = ue.state.curlft.packets;
	xfrm_mark_get(&exp->mark, tb[XFRMA_MARK]);
	exp->if_id = xfrm_if_id_get(tb[XFRMA_IF_ID]);
	return 0;
}

int
xfrm_event_decode(const void *buf, size_t len, struct xfrm_event *ev)
{
	struct nlmsghdr hdr;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if ((rc = nl_msg_check(buf, len, &hdr)) < 0)
		return rc;
	switch (hdr.nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		ev->type = XFRM_EVENT_ACQUIRE;
		rc = xfrm_acquire_decode(buf, len, &ev->u.acquire);
		break;
	case XFRM_MSG_EXPIRE:
		ev->type = XFRM_EVENT_EXPIRE;
		rc = xfrm_expire_decode(buf, len, &ev->u.expire);
		break;
	default:
		rc = xfrm_notify_decode(buf, len, hdr.nlmsg_type, ev);
		if (rc == -ENOMSG)
			return rc;
		break;
	}
	if (rc < 0)
		memset(ev, 0, sizeof(*ev));
	return rc;
}

static int
xfrm_monitor_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct xfrm_monitor *mon = arg;
	struct xfrm_event ev;
	int rc;

	rc = xfrm_event_decode(nlh, nlh->nlmsg_len, &ev);
	if (rc == -ENOMSG)
		return 0;
	if (rc < 0) {
		mon->malformed++;
		log_msg_rl(&mon->rl, LOG_WARNING, "xfrm",
		    "malformed event type %u (%u bytes) ignored",
		    nlh->nlmsg_type, nlh->nlmsg_len);
		return 0;
	}
	mon->cb(&ev, mon->arg);
	return 0;
}

static void
xfrm_monitor_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct xfrm_monitor *mon = w->data;
	bool lost = false;
	int i, rc;

	for (i = 0; i < XFRM_MONITOR_BURST; i++) {
		rc = nl_sock_read(&mon->sock, xfrm_monitor_msg_cb, mon);
		if (rc == -EAGAIN)
			break;
		if (rc == -ENOBUFS) {
			/* Events were lost: an ACQUIRE comes again with the
			 * next packet; what else was lost (an EXPIRE, a
			 * DELSA) the owner of overrun_cb finds by comparing
			 * the tables; say so, and go on reading. */
			mon->overruns++;
			lost = true;
			log_msg_rl(&mon->rl, LOG_WARNING, "xfrm",
			    "event socket overrun: events lost");
		} else if (rc == -EBADMSG) {
			mon->malformed++;
			log_msg_rl(&mon->rl, LOG_WARNING, "xfrm",
			    "malformed event datagram ignored");
		} else if (rc < 0) {
			log_msg_rl(&mon->rl, LOG_ERR, "xfrm",
			    "event socket: %s", strerror(-rc));
			break;
		}
	}
	/* After the burst, so that what was read is handled first. */
	if (lost && mon->overrun_cb != NULL)
		mon->overrun_cb(mon->arg);
}

int
xfrm_monitor_start(struct xfrm_monitor *mon, struct ev_loop *loop,
    const char *netns, xfrm_event_cb cb, void *arg)
{
	int rc;

	memset(&mon->rl, 0, sizeof(mon->rl));
	mon->loop = NULL;
	mon->cb = cb;
	mon->arg = arg;
	mon->malformed = 0;
	mon->overruns = 0;
	mon->overrun_cb = NULL;
	rc = nl_sock_open(&mon->sock, NETLINK_XFRM, netns, true);
	if (rc < 0)
		return rc;
	if ((rc = nl_sock_subscribe(&mon->sock, XFRMNLGRP_ACQUIRE)) < 0 ||
	    (rc = nl_sock_subscribe(&mon->sock, XFRMNLGRP_EXPIRE)) < 0) {
		nl_sock_close(&mon->sock);
		return rc;
	}
	ev_io_init(&mon->io, xfrm_monitor_io_cb, nl_sock_fd(&mon->sock),
	    EV_READ);
	mon->io.data = mon;
	mon->loop = loop;
	ev_io_start(loop, &mon->io);
	return 0;
}

void
xfrm_monitor_stop(struct xfrm_monitor *mon)
{
	if (mon->loop != NULL)
		ev_io_stop(mon->loop, &mon->io);
	mon->loop = NULL;
	nl_sock_close(&mon->sock);
}

int
xfrm_monitor_tables(struct xfrm_monitor *mon, xfrm_overrun_cb overrun)
{
	int rc;

	if ((rc = nl_sock_subscribe(&mon->sock, XFRMNLGRP_SA)) < 0 ||
	    (rc = nl_sock_subscribe(&mon->sock, XFRMNLGRP_POLICY)) < 0)
		return rc;
	mon->overrun_cb = overrun;
	return 0;
}

int
xfrm_monitor_rcvbuf(struct xfrm_monitor *mon, int bytes, int *got)
{
	return nl_sock_rcvbuf(&mon->sock, bytes, got);
}
