/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the shim's files: cached JNI ids, error helpers and the native entry points. */
#ifndef TM_JNI_H
#define TM_JNI_H

#include <errno.h>
#include <jni.h>
#include <stdint.h>

#define TM_JNI_CLASS "io/trafficmonitor/bpf/Native"
#define TM_EXC_CLASS "io/trafficmonitor/bpf/BpfException"

#define PTR(h) ((void *)(intptr_t)(h))
#define HANDLE(p) ((jlong)(intptr_t)(p))

/* Throws BpfException(op, errno, strerror + detail); err may be negative. */
void tm_throw(JNIEnv *env, const char *op, int err, const char *detail);
/* Throws with the tail of the libbpf log (verifier output) as detail. */
void tm_throw_log(JNIEnv *env, const char *op, int err);
/* Clears the captured libbpf log before an operation whose log is wanted. */
void tm_log_reset(void);
/* Copies a Java string to a malloc()ed C string; NULL (exception pending) on failure. */
char *tm_strdup(JNIEnv *env, jstring s);

extern const JNINativeMethod tm_object_methods[];
extern const int tm_object_methods_len;
extern const JNINativeMethod tm_map_methods[];
extern const int tm_map_methods_len;
extern const JNINativeMethod tm_prog_methods[];
extern const int tm_prog_methods_len;
extern const JNINativeMethod tm_sys_methods[];
extern const int tm_sys_methods_len;
extern const JNINativeMethod tm_attach_methods[];
extern const int tm_attach_methods_len;
extern const JNINativeMethod tm_btf_methods[];
extern const int tm_btf_methods_len;
extern const JNINativeMethod tm_netlink_methods[];
extern const int tm_netlink_methods_len;
extern const JNINativeMethod tm_probe_methods[];
extern const int tm_probe_methods_len;
extern const JNINativeMethod tm_pin_methods[];
extern const int tm_pin_methods_len;

#endif /* TM_JNI_H */
