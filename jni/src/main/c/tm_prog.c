/* SPDX-License-Identifier: Apache-2.0 */
/* Programs by fd: kernel info and run-time statistics, BPF_PROG_TEST_RUN. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>

#include "tm_jni.h"

/* out: id, run_time_ns, run_cnt, type. */
static void prog_info(JNIEnv *env, jclass cls, jint fd, jlongArray out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	jlong v[4];

	(void)cls;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		tm_throw(env, "bpf_obj_get_info_by_fd", errno, "program");
		return;
	}
	v[0] = info.id;
	v[1] = info.run_time_ns;
	v[2] = info.run_cnt;
	v[3] = info.type;
	(*env)->SetLongArrayRegion(env, out, 0, 4, v);
}

/* BPF_PROG_TEST_RUN; out: retval, duration_ns, data_size_out. */
static void prog_test_run(JNIEnv *env, jclass cls, jint fd, jbyteArray data, jbyteArray data_out,
			  jint repeat, jintArray out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	jbyte *in = NULL, *o = NULL;
	jint v[3];
	int err;

	(void)cls;
	opts.data_size_in = (*env)->GetArrayLength(env, data);
	in = (*env)->GetByteArrayElements(env, data, NULL);
	if (!in)
		goto out;
	if (data_out) {
		opts.data_size_out = (*env)->GetArrayLength(env, data_out);
		o = (*env)->GetByteArrayElements(env, data_out, NULL);
		if (!o)
			goto out;
		opts.data_out = o;
	}
	opts.data_in = in;
	opts.repeat = repeat;
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err) {
		tm_throw(env, "bpf_prog_test_run_opts", errno, NULL);
		goto out;
	}
	v[0] = opts.retval;
	v[1] = opts.duration;
	v[2] = opts.data_size_out;
	(*env)->SetIntArrayRegion(env, out, 0, 3, v);
out:
	if (o)
		(*env)->ReleaseByteArrayElements(env, data_out, o, 0);
	if (in)
		(*env)->ReleaseByteArrayElements(env, data, in, JNI_ABORT);
}

/* Turns run-time statistics on while the returned fd is open. */
static jint enable_stats(JNIEnv *env, jclass cls)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	(void)cls;
	if (fd < 0)
		tm_throw(env, "bpf_enable_stats", errno, NULL);
	return fd;
}

const JNINativeMethod tm_prog_methods[] = {
	{ "progInfo", "(I[J)V", (void *)prog_info },
	{ "progTestRun", "(I[B[BI[I)V", (void *)prog_test_run },
	{ "enableStats", "()I", (void *)enable_stats },
};
const int tm_prog_methods_len = sizeof(tm_prog_methods) / sizeof(tm_prog_methods[0]);
