/* SPDX-License-Identifier: Apache-2.0 */
/* bpf_object life cycle: open from bytes, configure before load, load, look up, close. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "tm_jni.h"

/* libbpf keeps pointing into the ELF image until load, so the image lives with the object. */
struct tm_object {
	struct bpf_object *obj;
	void *elf;
};

static jlong obj_open(JNIEnv *env, jclass cls, jbyteArray elf, jstring name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct tm_object *o = NULL;
	char *cname = NULL;
	jsize len;
	int err;

	(void)cls;
	o = calloc(1, sizeof(*o));
	if (!o) {
		tm_throw(env, "bpf_object__open_mem", ENOMEM, NULL);
		goto fail;
	}
	len = (*env)->GetArrayLength(env, elf);
	o->elf = malloc(len);
	if (!o->elf) {
		tm_throw(env, "bpf_object__open_mem", ENOMEM, NULL);
		goto fail;
	}
	(*env)->GetByteArrayRegion(env, elf, 0, len, o->elf);
	cname = tm_strdup(env, name);
	if (!cname)
		goto fail;
	opts.object_name = cname;
	tm_log_reset();
	o->obj = bpf_object__open_mem(o->elf, len, &opts);
	if (!o->obj) {
		err = errno;
		tm_throw_log(env, "bpf_object__open_mem", err);
		goto fail;
	}
	free(cname);
	return HANDLE(o);
fail:
	free(cname);
	if (o)
		free(o->elf);
	free(o);
	return 0;
}

static void obj_close(JNIEnv *env, jclass cls, jlong h)
{
	struct tm_object *o = PTR(h);

	(void)env;
	(void)cls;
	if (!o)
		return;
	bpf_object__close(o->obj);
	free(o->elf);
	free(o);
}

static void obj_load(JNIEnv *env, jclass cls, jlong h)
{
	struct tm_object *o = PTR(h);
	int err;

	(void)cls;
	tm_log_reset();
	err = bpf_object__load(o->obj);
	if (err)
		tm_throw_log(env, "bpf_object__load", err);
}

static struct bpf_map *find_map(JNIEnv *env, struct tm_object *o, jstring name, const char *op)
{
	struct bpf_map *map = NULL;
	char *cname = tm_strdup(env, name);

	if (!cname)
		return NULL;
	map = bpf_object__find_map_by_name(o->obj, cname);
	if (!map)
		tm_throw(env, op, ENOENT, cname);
	free(cname);
	return map;
}

static jint obj_map_fd(JNIEnv *env, jclass cls, jlong h, jstring name)
{
	struct bpf_map *map = find_map(env, PTR(h), name, "bpf_map__fd");
	int fd;

	(void)cls;
	if (!map)
		return -1;
	fd = bpf_map__fd(map);
	if (fd < 0)
		tm_throw(env, "bpf_map__fd", fd, "object not loaded");
	return fd;
}

static void map_set_max_entries(JNIEnv *env, jclass cls, jlong h, jstring name, jint n)
{
	struct bpf_map *map = find_map(env, PTR(h), name, "bpf_map__set_max_entries");
	int err;

	(void)cls;
	if (!map)
		return;
	err = bpf_map__set_max_entries(map, n);
	if (err)
		tm_throw(env, "bpf_map__set_max_entries", err, NULL);
}

static void map_set_type(JNIEnv *env, jclass cls, jlong h, jstring name, jint type)
{
	struct bpf_map *map = find_map(env, PTR(h), name, "bpf_map__set_type");
	int err;

	(void)cls;
	if (!map)
		return;
	err = bpf_map__set_type(map, type);
	if (err)
		tm_throw(env, "bpf_map__set_type", err, NULL);
}

/*
 * The map as this object will create it (after set_max_entries/set_type), to compare with a
 * pinned map before reusing it. out: type, key_size, value_size, max_entries, map_flags,
 * internal (1 for libbpf's .rodata/.data/.bss/.kconfig maps).
 */
static void map_def(JNIEnv *env, jclass cls, jlong h, jstring name, jintArray out)
{
	struct bpf_map *map = find_map(env, PTR(h), name, "bpf_map__type");
	jint v[6];

	(void)cls;
	if (!map)
		return;
	v[0] = bpf_map__type(map);
	v[1] = bpf_map__key_size(map);
	v[2] = bpf_map__value_size(map);
	v[3] = bpf_map__max_entries(map);
	v[4] = bpf_map__map_flags(map);
	v[5] = bpf_map__is_internal(map);
	(*env)->SetIntArrayRegion(env, out, 0, 6, v);
}

/* Before load: the object uses the existing map fd (libbpf dups it) instead of creating one. */
static void map_reuse_fd(JNIEnv *env, jclass cls, jlong h, jstring name, jint fd)
{
	struct bpf_map *map = find_map(env, PTR(h), name, "bpf_map__reuse_fd");
	int err;

	(void)cls;
	if (!map)
		return;
	err = bpf_map__reuse_fd(map, fd);
	if (err)
		tm_throw(env, "bpf_map__reuse_fd", err, bpf_map__name(map));
}

/* Finds a global variable in .rodata/.data/.bss and overwrites its initial value. */
static void obj_set_global(JNIEnv *env, jclass cls, jlong h, jstring name, jbyteArray value)
{
	struct tm_object *o = PTR(h);
	struct btf *btf = bpf_object__btf(o->obj);
	struct bpf_map *map;
	char *cname = NULL;
	jsize len;

	(void)cls;
	cname = tm_strdup(env, name);
	if (!cname)
		goto out;
	if (!btf) {
		tm_throw(env, "set_global", ENOENT, "object has no BTF");
		goto out;
	}
	len = (*env)->GetArrayLength(env, value);
	bpf_object__for_each_map (map, o->obj) {
		const struct btf_type *sec;
		const struct btf_var_secinfo *vs;
		size_t size;
		char *data;
		int i;

		if (!bpf_map__is_internal(map))
			continue;
		sec = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
		if (!sec || !btf_is_datasec(sec))
			continue;
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, var->name_off), cname))
				continue;
			if ((jsize)vs->size != len) {
				tm_throw(env, "set_global", EINVAL, cname);
				goto out;
			}
			data = (char *)bpf_map__initial_value(map, &size);
			if (!data || vs->offset + vs->size > size) {
				tm_throw(env, "set_global", EINVAL, cname);
				goto out;
			}
			(*env)->GetByteArrayRegion(env, value, 0, len, (jbyte *)data + vs->offset);
			goto out;
		}
	}
	tm_throw(env, "set_global", ENOENT, cname);
out:
	free(cname);
}

static jlong obj_program(JNIEnv *env, jclass cls, jlong h, jstring name)
{
	struct tm_object *o = PTR(h);
	struct bpf_program *prog;
	char *cname = tm_strdup(env, name);

	(void)cls;
	if (!cname)
		return 0;
	prog = bpf_object__find_program_by_name(o->obj, cname);
	if (!prog)
		tm_throw(env, "bpf_object__find_program_by_name", ENOENT, cname);
	free(cname);
	return HANDLE(prog);
}

static jint prog_fd(JNIEnv *env, jclass cls, jlong h)
{
	int fd = bpf_program__fd(PTR(h));

	(void)cls;
	if (fd < 0)
		tm_throw(env, "bpf_program__fd", fd, "object not loaded");
	return fd;
}

static void prog_set_autoload(JNIEnv *env, jclass cls, jlong h, jboolean on)
{
	int err = bpf_program__set_autoload(PTR(h), on);

	(void)cls;
	if (err)
		tm_throw(env, "bpf_program__set_autoload", err, NULL);
}

const JNINativeMethod tm_object_methods[] = {
	{ "objOpen", "([BLjava/lang/String;)J", (void *)obj_open },
	{ "objClose", "(J)V", (void *)obj_close },
	{ "objLoad", "(J)V", (void *)obj_load },
	{ "objMapFd", "(JLjava/lang/String;)I", (void *)obj_map_fd },
	{ "objSetGlobal", "(JLjava/lang/String;[B)V", (void *)obj_set_global },
	{ "objProgram", "(JLjava/lang/String;)J", (void *)obj_program },
	{ "mapSetMaxEntries", "(JLjava/lang/String;I)V", (void *)map_set_max_entries },
	{ "mapSetType", "(JLjava/lang/String;I)V", (void *)map_set_type },
	{ "mapDef", "(JLjava/lang/String;[I)V", (void *)map_def },
	{ "mapReuseFd", "(JLjava/lang/String;I)V", (void *)map_reuse_fd },
	{ "progFd", "(J)I", (void *)prog_fd },
	{ "progSetAutoload", "(JZ)V", (void *)prog_set_autoload },
};
const int tm_object_methods_len = sizeof(tm_object_methods) / sizeof(tm_object_methods[0]);
