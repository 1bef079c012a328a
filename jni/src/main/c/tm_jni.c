/* SPDX-License-Identifier: Apache-2.0 */
/* Load-time registration of the natives, cached class ids and error reporting. */
#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm_jni.h"

static jclass exc_class;
static jmethodID exc_ctor;

#define LOG_CAP 8192
static char log_buf[LOG_CAP];
static size_t log_len;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keeps the last LOG_CAP bytes of libbpf's warnings (verifier logs) for exceptions. */
static int capture_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, args);
	if (n <= 0)
		return 0;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&log_lock);
	if (log_len + n >= LOG_CAP) {
		size_t drop = log_len + n - LOG_CAP + 1;

		if (drop > log_len)
			drop = log_len;
		memmove(log_buf, log_buf + drop, log_len - drop);
		log_len -= drop;
	}
	memcpy(log_buf + log_len, line, n);
	log_len += n;
	log_buf[log_len] = '\0';
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void tm_log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_buf[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

/* XSI strerror_r: 0 with the text in buf, else an error number (or -1 and errno). */
static void xsi_error_text(int ret, char *buf, size_t len, int err)
{
	if (ret)
		snprintf(buf, len, "errno %d", err);
}

/* GNU strerror_r (_GNU_SOURCE): the text itself, in buf or in a static string. */
static void gnu_error_text(char *ret, char *buf, size_t len, int err)
{
	if (!ret)
		snprintf(buf, len, "errno %d", err);
	else if (ret != buf)
		snprintf(buf, len, "%s", ret);
}

/*
 * strerror() shares one buffer between threads; the agent calls natives from several. Which
 * strerror_r the headers declare depends on _GNU_SOURCE (any header or flag may set it), so
 * the result's type picks how to read it, and buf holds the text under either.
 */
static void error_text(int err, char *buf, size_t len)
{
	_Generic(strerror_r(err, buf, len), char *: gnu_error_text, default: xsi_error_text)(
		strerror_r(err, buf, len), buf, len, err);
}

void tm_throw(JNIEnv *env, const char *op, int err, const char *detail)
{
	char msg[LOG_CAP + 256];
	char text[128];
	jstring jop = NULL, jmsg = NULL;
	jthrowable exc;

	if ((*env)->ExceptionCheck(env))
		return;
	if (err < 0)
		err = -err;
	error_text(err, text, sizeof(text));
	snprintf(msg, sizeof(msg), "%s%s%s", text, detail && *detail ? ": " : "",
		 detail ? detail : "");
	jop = (*env)->NewStringUTF(env, op);
	if (!jop)
		goto out;
	jmsg = (*env)->NewStringUTF(env, msg);
	if (!jmsg)
		goto out;
	exc = (*env)->NewObject(env, exc_class, exc_ctor, jop, (jint)err, jmsg);
	if (exc)
		(*env)->Throw(env, exc);
out:
	if (jop)
		(*env)->DeleteLocalRef(env, jop);
	if (jmsg)
		(*env)->DeleteLocalRef(env, jmsg);
}

void tm_throw_log(JNIEnv *env, const char *op, int err)
{
	char copy[LOG_CAP];

	pthread_mutex_lock(&log_lock);
	memcpy(copy, log_buf, log_len + 1);
	pthread_mutex_unlock(&log_lock);
	tm_throw(env, op, err, copy);
}

char *tm_strdup(JNIEnv *env, jstring s)
{
	const char *utf;
	char *copy;

	if (!s) {
		tm_throw(env, "argument", EINVAL, "null string");
		return NULL;
	}
	utf = (*env)->GetStringUTFChars(env, s, NULL);
	if (!utf)
		return NULL;
	copy = strdup(utf);
	(*env)->ReleaseStringUTFChars(env, s, utf);
	if (!copy)
		tm_throw(env, "argument", ENOMEM, NULL);
	return copy;
}

static int register_all(JNIEnv *env, jclass cls)
{
	if ((*env)->RegisterNatives(env, cls, tm_object_methods, tm_object_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_map_methods, tm_map_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_prog_methods, tm_prog_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_sys_methods, tm_sys_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_attach_methods, tm_attach_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_btf_methods, tm_btf_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_netlink_methods, tm_netlink_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_probe_methods, tm_probe_methods_len) ||
	    (*env)->RegisterNatives(env, cls, tm_pin_methods, tm_pin_methods_len))
		return -1;
	return 0;
}

static void drop_class_ids(JNIEnv *env)
{
	if (exc_class)
		(*env)->DeleteGlobalRef(env, exc_class);
	exc_class = NULL;
	exc_ctor = NULL;
}

__attribute__((visibility("default"))) jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
	JNIEnv *env;
	jclass cls, exc;

	(void)reserved;
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
		return JNI_ERR;
	cls = (*env)->FindClass(env, TM_JNI_CLASS);
	if (!cls)
		return JNI_ERR;
	exc = (*env)->FindClass(env, TM_EXC_CLASS);
	if (!exc)
		return JNI_ERR;
	exc_class = (*env)->NewGlobalRef(env, exc);
	exc_ctor =
		(*env)->GetMethodID(env, exc, "<init>", "(Ljava/lang/String;ILjava/lang/String;)V");
	if (!exc_class || !exc_ctor || register_all(env, cls)) {
		drop_class_ids(env);
		return JNI_ERR;
	}
	libbpf_set_print(capture_print);
	return JNI_VERSION_1_8;
}

/* When Native's class loader is collected: nothing of this library may stay referenced. */
__attribute__((visibility("default"))) void JNI_OnUnload(JavaVM *vm, void *reserved)
{
	JNIEnv *env;

	(void)reserved;
	libbpf_set_print(NULL);
	if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK)
		drop_class_ids(env);
}
