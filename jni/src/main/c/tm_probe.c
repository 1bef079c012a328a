/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel feature probes for the agent's start-up check. Each returns 1 (present), 0 (absent)
 * or -errno when the probe could not tell, e.g. -EPERM without the capability it needs: libbpf's
 * probes read "not permitted" as "absent", so a negative probe is tried once more by hand to
 * tell the two apart.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <unistd.h>

#include "tm_jni.h"

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

/* r0 = 0; exit */
static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int denied(int err)
{
	return err == EPERM || err == EACCES;
}

static jint probe_prog_type(JNIEnv *env, jclass cls, jint type)
{
	int ret, fd;

	(void)env;
	(void)cls;
	ret = libbpf_probe_bpf_prog_type(type, NULL);
	if (ret != 0)
		return ret;
	fd = bpf_prog_load(type, NULL, "GPL", ret0, 2, NULL);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return denied(errno) ? -errno : 0;
}

static jint probe_map_type(JNIEnv *env, jclass cls, jint type)
{
	int ret, fd;

	(void)env;
	(void)cls;
	ret = libbpf_probe_bpf_map_type(type, NULL);
	if (ret != 0)
		return ret;
	fd = bpf_map_create(type, NULL, 4, 8, 1, NULL);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return denied(errno) ? -errno : 0;
}

/* Whether programs of prog_type may call helper (libbpf assumes "yes" when it cannot tell). */
static jint probe_helper(JNIEnv *env, jclass cls, jint prog_type, jint helper)
{
	(void)env;
	(void)cls;
	return libbpf_probe_bpf_helper(prog_type, helper, NULL);
}

/* tcx (Linux 6.6): a query of lo's tcx ingress chain; older kernels refuse the attach type. */
static jint probe_tcx(JNIEnv *env, jclass cls)
{
	LIBBPF_OPTS(bpf_prog_query_opts, opts);

	(void)env;
	(void)cls;
	if (!bpf_prog_query_opts(1, BPF_TCX_INGRESS, &opts))
		return 1;
	return errno == EINVAL ? 0 : -errno;
}

/*
 * A tp_btf program on tracepoint (e.g. inet_sock_set_state) loads: BTF tracing programs exist,
 * the running kernel's BTF is readable and has the tracepoint. -ENOENT/-ESRCH: no BTF or no
 * such tracepoint.
 */
static jint probe_tracing(JNIEnv *env, jclass cls, jstring tracepoint)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	char *name = tm_strdup(env, tracepoint);
	int id, fd, ret;

	(void)cls;
	if (!name)
		return -EINVAL;
	id = libbpf_find_vmlinux_btf_id(name, BPF_TRACE_RAW_TP);
	free(name);
	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", ret0, 2, &opts);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	ret = errno;
	return denied(ret) ? -ret : 0;
}

const JNINativeMethod tm_probe_methods[] = {
	{ "probeProgType", "(I)I", (void *)probe_prog_type },
	{ "probeMapType", "(I)I", (void *)probe_map_type },
	{ "probeHelper", "(II)I", (void *)probe_helper },
	{ "probeTcx", "()I", (void *)probe_tcx },
	{ "probeTracing", "(Ljava/lang/String;)I", (void *)probe_tracing },
};
const int tm_probe_methods_len = sizeof(tm_probe_methods) / sizeof(tm_probe_methods[0]);
