/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attaching programs: TC through tcx links (kernel >= 6.6) or a clsact qdisc filter, XDP through
 * XDP links, cgroup_skb through cgroup links, tracepoints through libbpf's auto-attach; and network
 * namespace switching of the calling thread (TC targets are looked up in the caller's namespace).
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm_jni.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#define BPF_TCX_EGRESS 47
#endif
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE (1U << 3)
#endif

/*
 * tcx: a link placed before every other program of the hook (BPF_F_BEFORE with no anchor),
 * so monitoring sees packets even when a later program redirects or drops them.
 * Returns the link fd; closing it detaches.
 */
static jint tcx_attach(JNIEnv *env, jclass cls, jint prog_fd, jint ifindex, jboolean ingress)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = BPF_F_BEFORE);
	int fd;

	(void)cls;
	fd = bpf_link_create(prog_fd, ifindex, ingress ? BPF_TCX_INGRESS : BPF_TCX_EGRESS, &opts);
	if (fd < 0)
		tm_throw(env, "bpf_link_create(tcx)", errno, NULL);
	return fd;
}

/*
 * XDP: a link in one mode (flags XDP_FLAGS_DRV_MODE: the driver's, or XDP_FLAGS_SKB_MODE: generic),
 * so the program goes with the last reference to the link (a crashed process leaves nothing behind
 * unless it pinned the link). The kernel refuses it (EBUSY, EEXIST) when the interface already has
 * an XDP program: it is never replaced. Returns the link fd.
 */
static jint xdp_attach(JNIEnv *env, jclass cls, jint prog_fd, jint ifindex, jint flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd;

	(void)cls;
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0)
		tm_throw(env, "bpf_link_create(xdp)", errno, NULL);
	return fd;
}

/*
 * The XDP program of an interface of the calling thread's namespace: (attach mode << 32) | program
 * id, the mode an XDP_ATTACHED_* (0: none, 1: driver, 2: generic, 3: offloaded, 4: several).
 */
static jlong xdp_query(JNIEnv *env, jclass cls, jint ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);
	int err;

	(void)cls;
	err = bpf_xdp_query(ifindex, 0, &opts);
	if (err) {
		tm_throw(env, "bpf_xdp_query", err, NULL);
		return 0;
	}
	return ((jlong)opts.attach_mode << 32) | opts.prog_id;
}

/* clsact: creates the qdisc when missing, adds a direct-action filter; returns
 * (handle << 32) | priority for the detach. */
static jlong tc_attach(JNIEnv *env, jclass cls, jint prog_fd, jint ifindex, jboolean ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	int err;

	(void)cls;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		tm_throw(env, "bpf_tc_hook_create", err, NULL);
		return 0;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		tm_throw(env, "bpf_tc_attach", err, NULL);
		return 0;
	}
	return ((jlong)opts.handle << 32) | opts.priority;
}

static void tc_detach(JNIEnv *env, jclass cls, jint ifindex, jboolean ingress, jint handle,
		      jint priority)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
	int err;

	(void)cls;
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		tm_throw(env, "bpf_tc_detach", err, NULL);
}

/* cgroup_skb (or any cgroup program): a link on the cgroup directory at path. */
static jlong prog_attach_cgroup(JNIEnv *env, jclass cls, jlong prog, jstring path)
{
	struct bpf_link *link = NULL;
	char *cpath = tm_strdup(env, path);
	int fd = -1;

	(void)cls;
	if (!cpath)
		goto out;
	fd = open(cpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		tm_throw(env, "open(cgroup)", errno, cpath);
		goto out;
	}
	link = bpf_program__attach_cgroup(PTR(prog), fd);
	if (!link)
		tm_throw(env, "bpf_program__attach_cgroup", errno, cpath);
out:
	if (fd >= 0)
		close(fd);
	free(cpath);
	return HANDLE(link);
}

/* Attach by section name: tp_btf/x, raw_tp/x, tp/cat/x, fentry/x, ... */
static jlong prog_attach(JNIEnv *env, jclass cls, jlong prog)
{
	struct bpf_link *link;

	(void)cls;
	tm_log_reset();
	link = bpf_program__attach(PTR(prog));
	if (!link)
		tm_throw_log(env, "bpf_program__attach", errno);
	return HANDLE(link);
}

static jlong prog_attach_raw_tp(JNIEnv *env, jclass cls, jlong prog, jstring name)
{
	struct bpf_link *link = NULL;
	char *cname = tm_strdup(env, name);

	(void)cls;
	if (!cname)
		return 0;
	link = bpf_program__attach_raw_tracepoint(PTR(prog), cname);
	if (!link)
		tm_throw(env, "bpf_program__attach_raw_tracepoint", errno, cname);
	free(cname);
	return HANDLE(link);
}

static void link_destroy(JNIEnv *env, jclass cls, jlong link)
{
	int err;

	(void)cls;
	if (!link)
		return;
	err = bpf_link__destroy(PTR(link));
	if (err && err != -ENOENT)
		tm_throw(env, "bpf_link__destroy", err, NULL);
}

static jint link_fd(JNIEnv *env, jclass cls, jlong link)
{
	(void)env;
	(void)cls;
	return bpf_link__fd(PTR(link));
}

/* Opens a network namespace file (e.g. /var/run/netns/x, /proc/thread-self/ns/net). */
static jint ns_open(JNIEnv *env, jclass cls, jstring path)
{
	char *cpath = tm_strdup(env, path);
	int fd;

	(void)cls;
	if (!cpath)
		return -1;
	fd = open(cpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tm_throw(env, "open(netns)", errno, cpath);
	free(cpath);
	return fd;
}

/* Moves the calling thread (only it) into the network namespace fd. */
static void ns_enter(JNIEnv *env, jclass cls, jint fd)
{
	(void)cls;
	if (setns(fd, CLONE_NEWNET))
		tm_throw(env, "setns", errno, NULL);
}

/*
 * Whether two namespace fds are the same namespace (same nsfs inode): entering the namespace the
 * thread is already in needs CAP_SYS_ADMIN all the same, so callers skip it.
 */
static jboolean ns_same(JNIEnv *env, jclass cls, jint fd1, jint fd2)
{
	struct stat a, b;

	(void)cls;
	if (fstat(fd1, &a) || fstat(fd2, &b)) {
		tm_throw(env, "fstat(netns)", errno, NULL);
		return JNI_FALSE;
	}
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

const JNINativeMethod tm_attach_methods[] = {
	{ "tcxAttach", "(IIZ)I", (void *)tcx_attach },
	{ "tcAttach", "(IIZ)J", (void *)tc_attach },
	{ "xdpAttach", "(III)I", (void *)xdp_attach },
	{ "xdpQuery", "(I)J", (void *)xdp_query },
	{ "tcDetach", "(IZII)V", (void *)tc_detach },
	{ "progAttachCgroup", "(JLjava/lang/String;)J", (void *)prog_attach_cgroup },
	{ "progAttach", "(J)J", (void *)prog_attach },
	{ "progAttachRawTracepoint", "(JLjava/lang/String;)J", (void *)prog_attach_raw_tp },
	{ "linkDestroy", "(J)V", (void *)link_destroy },
	{ "linkFd", "(J)I", (void *)link_fd },
	{ "nsOpen", "(Ljava/lang/String;)I", (void *)ns_open },
	{ "nsEnter", "(I)V", (void *)ns_enter },
	{ "nsSame", "(II)Z", (void *)ns_same },
};
const int tm_attach_methods_len = sizeof(tm_attach_methods) / sizeof(tm_attach_methods[0]);
