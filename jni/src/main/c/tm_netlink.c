/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink transport, in place of ip(8) and tc(8): a NETLINK_ROUTE socket opened in a given
 * network namespace (the calling thread is in it only for the socket() call; the socket stays
 * bound to that namespace), and one request/reply exchange. Java builds the request and parses
 * the replies (Rtnl.java); this file only moves bytes and turns netlink errors into exceptions.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tm_jni.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif

#define NL_RECV_BUF (64 * 1024)
#define NL_MAX_REPLY (256 * 1024 * 1024)

/* Whether two namespace fds are the same namespace. */
static int same_ns(int fd1, int fd2)
{
	struct stat a, b;

	return !fstat(fd1, &a) && !fstat(fd2, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Opens a NETLINK_ROUTE socket in the network namespace ns_fd (-1: the thread's own). Entering
 * another namespace needs CAP_SYS_ADMIN; the agent does it only when NODE_NETNS names another
 * namespace than its own.
 */
static jint nl_open(JNIEnv *env, jclass cls, jint ns_fd)
{
	struct timeval timeout = { .tv_sec = 10 };
	int self = -1, fd = -1, one = 1, err;

	(void)cls;
	if (ns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			tm_throw(env, "open(/proc/thread-self/ns/net)", errno, NULL);
			goto out;
		}
		if (same_ns(self, ns_fd)) {
			close(self);
			self = -1;
		} else if (setns(ns_fd, CLONE_NEWNET)) {
			tm_throw(env, "setns", errno, NULL);
			goto out;
		}
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	err = errno;
	if (self >= 0 && setns(self, CLONE_NEWNET)) {
		tm_throw(env, "setns(back)", errno, "the thread stays in the other namespace");
		goto out;
	}
	if (fd < 0) {
		tm_throw(env, "socket(NETLINK_ROUTE)", err, NULL);
		goto out;
	}
	/*
	 * Strict checking makes dumps honour their filters (an address dump reads
	 * IFA_TARGET_NETNSID only then). Best effort: error text from the kernel, errors without
	 * the request echoed back.
	 */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one))) {
		tm_throw(env, "setsockopt(NETLINK_GET_STRICT_CHK)", errno, "needs Linux >= 4.20");
		goto out;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)))
		tm_throw(env, "setsockopt(SO_RCVTIMEO)", errno, NULL);
out:
	if (self >= 0)
		close(self);
	if ((*env)->ExceptionCheck(env) && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The extended-ack text of an error or done message whose attributes start at off, or NULL. */
static const char *ack_text(const struct nlmsghdr *h, size_t off)
{
	const struct nlattr *a;
	size_t len = h->nlmsg_len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && a->nla_len > NLA_HDRLEN &&
		    ((const char *)a)[a->nla_len - 1] == '\0')
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* Where an error message's attributes start: after the echoed request, unless capped. */
static size_t error_attrs(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	return off;
}

/* Appends len bytes to the growing reply; 0, or -ENOMEM. */
static int append(char **out, size_t *out_len, size_t *out_cap, const void *data, size_t len)
{
	size_t cap = *out_cap ? *out_cap : 16384;
	char *grown;

	if (*out_len + len > NL_MAX_REPLY)
		return -E2BIG;
	while (cap < *out_len + len)
		cap *= 2;
	if (cap != *out_cap) {
		grown = realloc(*out, cap);
		if (!grown)
			return -ENOMEM;
		*out = grown;
		*out_cap = cap;
	}
	memcpy(*out + *out_len, data, len);
	*out_len += len;
	return 0;
}

/*
 * Sends one complete netlink message (request) and returns the replies to it as one byte[]:
 * a dump's messages before NLMSG_DONE; with NLM_F_ACK, the messages before the acknowledgement;
 * else the first reply. Netlink errors are thrown as BpfException(op, errno, kernel text); an
 * interrupted dump (NLM_F_DUMP_INTR: the table changed meanwhile) as EINTR, for a retry.
 */
static jbyteArray nl_talk(JNIEnv *env, jclass cls, jint fd, jbyteArray request, jstring op)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t out_len = 0, out_cap = 0;
	char *req = NULL, *buf = NULL, *out = NULL, *cop = NULL;
	jbyteArray result = NULL;
	const struct nlmsghdr *r;
	int done = 0, err;
	jsize req_len;

	(void)cls;
	cop = tm_strdup(env, op);
	if (!cop)
		goto out;
	req_len = request ? (*env)->GetArrayLength(env, request) : 0;
	if (req_len < (jsize)NLMSG_HDRLEN) {
		tm_throw(env, cop, EINVAL, "request shorter than a netlink header");
		goto out;
	}
	req = malloc(req_len);
	buf = malloc(NL_RECV_BUF);
	if (!req || !buf) {
		tm_throw(env, cop, ENOMEM, NULL);
		goto out;
	}
	(*env)->GetByteArrayRegion(env, request, 0, req_len, (jbyte *)req);
	r = (const struct nlmsghdr *)req;
	if (sendto(fd, req, req_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		tm_throw(env, cop, errno, "sendto(netlink)");
		goto out;
	}
	while (!done) {
		const struct nlmsghdr *h;
		ssize_t n = recv(fd, buf, NL_RECV_BUF, 0);
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			tm_throw(env, cop, n < 0 ? errno : EPIPE, "recv(netlink)");
			goto out;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != r->nlmsg_seq)
				continue; /* a late reply to an earlier request */
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error) {
					tm_throw(env, cop, e->error, ack_text(h, error_attrs(h)));
					goto out;
				}
				done = 1; /* the acknowledgement */
				break;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
				    *(const int *)NLMSG_DATA(h) < 0) {
					tm_throw(env, cop, *(const int *)NLMSG_DATA(h),
						 ack_text(h, NLMSG_HDRLEN + sizeof(int)));
					goto out;
				}
				done = 1;
				break;
			}
			if (h->nlmsg_flags & NLM_F_DUMP_INTR) {
				tm_throw(env, cop, EINTR, "dump interrupted by a change; retry");
				goto out;
			}
			err = append(&out, &out_len, &out_cap, h, h->nlmsg_len);
			if (err) {
				tm_throw(env, cop, err, "reply too large");
				goto out;
			}
			if (!(r->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK)) &&
			    !(h->nlmsg_flags & NLM_F_MULTI)) {
				done = 1;
				break;
			}
		}
	}
	result = (*env)->NewByteArray(env, (jsize)out_len);
	if (result && out_len)
		(*env)->SetByteArrayRegion(env, result, 0, (jsize)out_len, (const jbyte *)out);
out:
	free(out);
	free(buf);
	free(req);
	free(cop);
	return result;
}

const JNINativeMethod tm_netlink_methods[] = {
	{ "nlOpen", "(I)I", (void *)nl_open },
	{ "nlTalk", "(I[BLjava/lang/String;)[B", (void *)nl_talk },
};
const int tm_netlink_methods_len = sizeof(tm_netlink_methods) / sizeof(tm_netlink_methods[0]);
