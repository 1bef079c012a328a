/* SPDX-License-Identifier: Apache-2.0 */
/* What is neither a map nor a program: closing an fd, the possible CPUs. */
#include <bpf/libbpf.h>
#include <unistd.h>

#include "tm_jni.h"

static void close_fd(JNIEnv *env, jclass cls, jint fd)
{
	(void)env;
	(void)cls;
	if (fd >= 0)
		close(fd);
}

static jint possible_cpus(JNIEnv *env, jclass cls)
{
	int n = libbpf_num_possible_cpus();

	(void)cls;
	if (n < 0)
		tm_throw(env, "libbpf_num_possible_cpus", n, NULL);
	return n;
}

const JNINativeMethod tm_sys_methods[] = {
	{ "closeFd", "(I)V", (void *)close_fd },
	{ "possibleCpus", "()I", (void *)possible_cpus },
};
const int tm_sys_methods_len = sizeof(tm_sys_methods) / sizeof(tm_sys_methods[0]);
