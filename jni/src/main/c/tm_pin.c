/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pinning on bpffs (maps and links outlive the process), opening pins again, and links by fd:
 * their kernel info and the atomic replacement of their program (BPF_LINK_UPDATE).
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "tm_jni.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef BPF_LINK_TYPE_TCX
#define BPF_LINK_TYPE_TCX 11
#endif

/* Why a pin operation on path failed, when the file system tells more than the errno. */
static void pin_detail(const char *path, char *buf, size_t len)
{
	char *copy = strdup(path);
	struct statfs fs;
	struct stat st;
	const char *dir;

	snprintf(buf, len, "%s", path);
	if (!copy)
		return;
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(buf, len, "%s is a directory, not a pinned BPF object", path);
		goto out;
	}
	dir = dirname(copy);
	if (!statfs(dir, &fs) && fs.f_type != BPF_FS_MAGIC)
		snprintf(buf, len, "%s: %s is not on a bpffs mount (e.g. /sys/fs/bpf)", path, dir);
out:
	free(copy);
}

/* Pins the map, program or link fd at path (its directory must exist). */
static void obj_pin(JNIEnv *env, jclass cls, jint fd, jstring path)
{
	char *cpath = tm_strdup(env, path);
	char detail[PATH_MAX + 128];
	int err;

	(void)cls;
	if (!cpath)
		return;
	if (bpf_obj_pin(fd, cpath)) {
		err = errno;
		pin_detail(cpath, detail, sizeof(detail));
		tm_throw(env, "bpf_obj_pin", err, detail);
	}
	free(cpath);
}

/* Opens a pinned object: returns a new fd that the caller owns. */
static jint obj_get(JNIEnv *env, jclass cls, jstring path)
{
	char *cpath = tm_strdup(env, path);
	char detail[PATH_MAX + 128];
	int fd, err;

	(void)cls;
	if (!cpath)
		return -1;
	fd = bpf_obj_get(cpath);
	if (fd < 0) {
		err = errno;
		pin_detail(cpath, detail, sizeof(detail));
		tm_throw(env, "bpf_obj_get", err, detail);
	}
	free(cpath);
	return fd;
}

/*
 * out: id, type, prog_id, target, attach_type; target is the cgroup id of a cgroup link, the
 * ifindex of a tcx link, 0 for others.
 */
static void link_info(JNIEnv *env, jclass cls, jint fd, jlongArray out)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	jlong v[5] = { 0 };

	(void)cls;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		tm_throw(env, "bpf_obj_get_info_by_fd", errno, "link");
		return;
	}
	v[0] = info.id;
	v[1] = info.type;
	v[2] = info.prog_id;
	if (info.type == BPF_LINK_TYPE_CGROUP) {
		v[3] = info.cgroup.cgroup_id;
		v[4] = info.cgroup.attach_type;
	} else if (info.type == BPF_LINK_TYPE_TCX) {
		/* tcx {ifindex, attach_type} is laid out as netns {netns_ino, attach_type}; the
		 * build's uapi headers may predate tcx (6.6). */
		v[3] = info.netns.netns_ino;
		v[4] = info.netns.attach_type;
	} else if (info.type == BPF_LINK_TYPE_XDP) {
		v[3] = info.xdp.ifindex;
	}
	(*env)->SetLongArrayRegion(env, out, 0, 5, v);
}

/*
 * Replaces the program of a link at once: every packet after the switch runs the new program,
 * every packet before it the old one, none both or neither.
 */
static void link_update(JNIEnv *env, jclass cls, jint link_fd, jint prog_fd)
{
	(void)cls;
	if (bpf_link_update(link_fd, prog_fd, NULL))
		tm_throw(env, "bpf_link_update", errno, NULL);
}

const JNINativeMethod tm_pin_methods[] = {
	{ "objPin", "(ILjava/lang/String;)V", (void *)obj_pin },
	{ "objGet", "(Ljava/lang/String;)I", (void *)obj_get },
	{ "linkInfo", "(I[J)V", (void *)link_info },
	{ "linkUpdate", "(II)V", (void *)link_update },
};
const int tm_pin_methods_len = sizeof(tm_pin_methods) / sizeof(tm_pin_methods[0]);
