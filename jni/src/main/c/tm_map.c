/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Map access by fd. These are the collection hot paths: they return -errno instead of
 * throwing, and the Java side wraps a failure into BpfException.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>

#include "tm_jni.h"

#define TM_BATCH_DONE (1LL << 32)

static void *buf_addr(JNIEnv *env, jobject buf)
{
	return buf ? (*env)->GetDirectBufferAddress(env, buf) : NULL;
}

/*
 * One bpf_map_lookup_batch() call. Returns the number of entries copied, with TM_BATCH_DONE
 * or'ed in when the map has no more entries, or -errno.
 */
static jlong map_lookup_batch(JNIEnv *env, jclass cls, jint fd, jobject in_batch, jobject out_batch,
			      jobject keys, jobject values, jint count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	void *in = buf_addr(env, in_batch), *out = buf_addr(env, out_batch);
	void *k = buf_addr(env, keys), *v = buf_addr(env, values);
	__u32 n = count;
	int err;

	(void)cls;
	if (!out || !k || !v || (in_batch && !in))
		return -EINVAL;
	err = bpf_map_lookup_batch(fd, in, out, k, v, &n, &opts);
	if (!err)
		return n;
	err = errno;
	if (err == ENOENT)
		return n | TM_BATCH_DONE;
	return -err;
}

enum kv_op { KV_LOOKUP, KV_LOOKUP_AND_DELETE, KV_UPDATE };

/*
 * One element call on a key and a value array, both used in place (critical, no copy): no JNI
 * call may come between the get and the release. Only the lookups write the value back.
 */
static jint kv_call(JNIEnv *env, jint fd, jbyteArray key, jbyteArray value, enum kv_op op,
		    jlong flags)
{
	jbyte *k, *v;
	int ret = -ENOMEM;

	k = (*env)->GetPrimitiveArrayCritical(env, key, NULL);
	if (!k)
		return -ENOMEM;
	v = (*env)->GetPrimitiveArrayCritical(env, value, NULL);
	if (!v)
		goto out;
	switch (op) {
	case KV_LOOKUP:
		ret = bpf_map_lookup_elem(fd, k, v) ? -errno : 0;
		break;
	case KV_LOOKUP_AND_DELETE:
		ret = bpf_map_lookup_and_delete_elem(fd, k, v) ? -errno : 0;
		break;
	case KV_UPDATE:
		ret = bpf_map_update_elem(fd, k, v, flags) ? -errno : 0;
		break;
	}
	(*env)->ReleasePrimitiveArrayCritical(env, value, v, op == KV_UPDATE ? JNI_ABORT : 0);
out:
	(*env)->ReleasePrimitiveArrayCritical(env, key, k, JNI_ABORT);
	return ret;
}

static jint map_lookup(JNIEnv *env, jclass cls, jint fd, jbyteArray key, jbyteArray value)
{
	(void)cls;
	return kv_call(env, fd, key, value, KV_LOOKUP, 0);
}

static jint map_lookup_and_delete(JNIEnv *env, jclass cls, jint fd, jbyteArray key,
				  jbyteArray value)
{
	(void)cls;
	return kv_call(env, fd, key, value, KV_LOOKUP_AND_DELETE, 0);
}

static jint map_update(JNIEnv *env, jclass cls, jint fd, jbyteArray key, jbyteArray value,
		       jlong flags)
{
	(void)cls;
	return kv_call(env, fd, key, value, KV_UPDATE, flags);
}

static jint map_delete(JNIEnv *env, jclass cls, jint fd, jbyteArray key)
{
	jbyte *k;
	int ret;

	(void)cls;
	k = (*env)->GetPrimitiveArrayCritical(env, key, NULL);
	if (!k)
		return -ENOMEM;
	ret = bpf_map_delete_elem(fd, k) ? -errno : 0;
	(*env)->ReleasePrimitiveArrayCritical(env, key, k, JNI_ABORT);
	return ret;
}

/* Deletes count keys packed in a direct buffer; returns the number deleted or -errno. */
static jint map_delete_batch(JNIEnv *env, jclass cls, jint fd, jobject keys, jint count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	void *k = buf_addr(env, keys);
	__u32 n = count;

	(void)cls;
	if (!k)
		return -EINVAL;
	if (bpf_map_delete_batch(fd, k, &n, &opts))
		return -errno;
	return n;
}

/* out: type, key_size, value_size, max_entries, id, map_flags. */
static void map_info(JNIEnv *env, jclass cls, jint fd, jintArray out)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	jint v[6];

	(void)cls;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		tm_throw(env, "bpf_obj_get_info_by_fd", errno, "map");
		return;
	}
	v[0] = info.type;
	v[1] = info.key_size;
	v[2] = info.value_size;
	v[3] = info.max_entries;
	v[4] = info.id;
	v[5] = info.map_flags;
	(*env)->SetIntArrayRegion(env, out, 0, 6, v);
}

const JNINativeMethod tm_map_methods[] = {
	{ "mapLookupBatch",
	  "(ILjava/nio/ByteBuffer;Ljava/nio/ByteBuffer;Ljava/nio/ByteBuffer;Ljava/nio/"
	  "ByteBuffer;I)J",
	  (void *)map_lookup_batch },
	{ "mapLookup", "(I[B[B)I", (void *)map_lookup },
	{ "mapLookupAndDelete", "(I[B[B)I", (void *)map_lookup_and_delete },
	{ "mapUpdate", "(I[B[BJ)I", (void *)map_update },
	{ "mapDelete", "(I[B)I", (void *)map_delete },
	{ "mapDeleteBatch", "(ILjava/nio/ByteBuffer;I)I", (void *)map_delete_batch },
	{ "mapInfo", "(I[I)V", (void *)map_info },
};
const int tm_map_methods_len = sizeof(tm_map_methods) / sizeof(tm_map_methods[0]);
