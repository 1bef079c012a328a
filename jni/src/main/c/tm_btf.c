/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The running kernel's BTF (/sys/kernel/btf/vmlinux): enum members (e.g. the drop reasons of
 * enum skb_drop_reason, whose numbers change between kernel versions) and the arity of
 * tracepoint prototypes (btf_trace_<name>), to configure programs before load.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "tm_jni.h"

static struct btf *load_vmlinux(JNIEnv *env)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		tm_throw(env, "btf__load_vmlinux_btf", errno, NULL);
	return btf;
}

/*
 * Fills names[i], values[i] with the members of enum enum_name (ENUM or ENUM64), up to the
 * arrays' length; returns the number of members (call again with larger arrays when greater),
 * or -1 when the kernel has no such enum.
 */
static jint enum_members(JNIEnv *env, jclass cls, jstring enum_name, jobjectArray names,
			 jlongArray values)
{
	struct btf *btf = NULL;
	const struct btf_type *t;
	char *cname = NULL;
	jsize cap;
	jint n = -1;
	int id, i;

	(void)cls;
	cname = tm_strdup(env, enum_name);
	if (!cname)
		goto out;
	btf = load_vmlinux(env);
	if (!btf)
		goto out;
	id = btf__find_by_name_kind(btf, cname, BTF_KIND_ENUM);
	if (id < 0)
		id = btf__find_by_name_kind(btf, cname, BTF_KIND_ENUM64);
	if (id < 0)
		goto out;
	t = btf__type_by_id(btf, id);
	n = btf_vlen(t);
	cap = (*env)->GetArrayLength(env, names);
	if ((*env)->GetArrayLength(env, values) < cap)
		cap = (*env)->GetArrayLength(env, values);
	for (i = 0; i < n && i < cap; i++) {
		const char *name;
		jstring js;
		jlong v;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			v = btf_kflag(t) ? (jlong)e->val : (jlong)(__u32)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			name = btf__name_by_offset(btf, e->name_off);
			v = (jlong)btf_enum64_value(e);
		}
		js = (*env)->NewStringUTF(env, name ? name : "");
		if (!js)
			goto out;
		(*env)->SetObjectArrayElement(env, names, i, js);
		(*env)->DeleteLocalRef(env, js);
		(*env)->SetLongArrayRegion(env, values, i, 1, &v);
	}
out:
	btf__free(btf);
	free(cname);
	return n;
}

/*
 * Number of parameters of the function prototype behind typedef name (e.g. btf_trace_kfree_skb:
 * the tracepoint's arguments plus the leading context pointer), or -1 when there is none.
 */
static jint btf_func_proto_params(JNIEnv *env, jclass cls, jstring typedef_name)
{
	struct btf *btf = NULL;
	const struct btf_type *t;
	char *cname = NULL;
	jint n = -1;
	int id;

	(void)cls;
	cname = tm_strdup(env, typedef_name);
	if (!cname)
		goto out;
	btf = load_vmlinux(env);
	if (!btf)
		goto out;
	id = btf__find_by_name_kind(btf, cname, BTF_KIND_TYPEDEF);
	if (id < 0)
		goto out;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_func_proto(t))
		n = btf_vlen(t);
out:
	btf__free(btf);
	free(cname);
	return n;
}

const JNINativeMethod tm_btf_methods[] = {
	{ "btfEnum", "(Ljava/lang/String;[Ljava/lang/String;[J)I", (void *)enum_members },
	{ "btfFuncProtoParams", "(Ljava/lang/String;)I", (void *)btf_func_proto_params },
};
const int tm_btf_methods_len = sizeof(tm_btf_methods) / sizeof(tm_btf_methods[0]);
