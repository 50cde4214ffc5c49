/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the dcma kselftests share: the debugfs files, the root-only test
 * knob, the command line and small file helpers.
 */
#ifndef DCMA_UTIL_H
#define DCMA_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#define DEBUGFS		"/sys/kernel/debug"
#define DCMA_DIR	DEBUGFS "/dcma"
#define KNOB		DCMA_DIR "/test"
#define TRACEFS		"/sys/kernel/tracing"
#define MAX_REGIONS	16
#define PAGE		4096UL

struct region {
	char name[32], alloc[8], mode[12];
	unsigned long long base;
	unsigned long pages, used, free, largest, buffers, holes, lent;
};

static inline int read_regions(struct region *r, int max)
{
	char line[256];
	int n = 0;
	FILE *f;

	f = fopen(DCMA_DIR "/regions", "r");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%31s %llx %lu %7s %11s %lu %lu %lu %lu %lu %lu",
			   r[n].name, &r[n].base, &r[n].pages, r[n].alloc,
			   r[n].mode, &r[n].used, &r[n].free, &r[n].largest,
			   &r[n].buffers, &r[n].holes, &r[n].lent) == 11)
			n++;
	}
	fclose(f);
	return n;
}

static inline struct region *find_region(struct region *r, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

/* One command on the knob: 0 or -errno; the result line, if any, in @out. */
static inline int knob(const char *cmd, char *out, size_t outlen)
{
	int fd, ret = 0;
	ssize_t n;

	fd = open(KNOB, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	if (!ret && out) {
		n = read(fd, out, outlen - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	return ret;
}

static inline int knob_alloc(const char *region, unsigned long size,
			     unsigned long align, unsigned long long *phys,
			     unsigned long *bytes)
{
	char cmd[96], out[64];
	int ret;

	snprintf(cmd, sizeof(cmd), "alloc %s %lu %lu", region, size, align);
	ret = knob(cmd, out, sizeof(out));
	if (ret)
		return ret;
	if (sscanf(out, "%llx %lu", phys, bytes) != 2)
		return -EPROTO;
	return 0;
}

static inline int knob_ref(const char *verb, unsigned long long phys)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "%s 0x%llx", verb, phys);
	return knob(cmd, NULL, 0);
}

static inline bool read_cmdline(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cmdline", "r");
	bool ok = f && fgets(buf, len, f);

	if (f)
		fclose(f);
	return ok;
}

/*
 * Where @opt ("name" or "name=") next starts a word of the command line,
 * at @from or after it
 */
static inline char *cmdline_next(char *cmdline, char *from, const char *opt)
{
	size_t len = strlen(opt);
	char *p;

	for (p = from; (p = strstr(p, opt)); p += len)
		if ((p == cmdline || p[-1] == ' ') &&
		    (opt[len - 1] == '=' || p[len] == ' ' || p[len] == '\n' ||
		     !p[len]))
			return p;
	return NULL;
}

/* Where @opt ("name" or "name=") first starts a word of the command line */
static inline char *cmdline_find(char *cmdline, const char *opt)
{
	return cmdline_next(cmdline, cmdline, opt);
}

static inline bool cmdline_has(const char *opt)
{
	char cmdline[4096];

	return read_cmdline(cmdline, sizeof(cmdline)) &&
	       cmdline_find(cmdline, opt);
}

/* How many times "@param=" starts a word of @cmdline */
static inline int cmdline_count(char *cmdline, const char *param)
{
	char opt[64], *p = cmdline;
	int n = 0;

	snprintf(opt, sizeof(opt), "%s=", param);
	while ((p = cmdline_next(cmdline, p, opt))) {
		n++;
		p += strlen(opt);
	}
	return n;
}

/*
 * The value of the last "@param=" in @cmdline (from read_cmdline(), which
 * is cut after the value), which is the one the kernel uses, or NULL if it
 * is absent.
 */
static inline char *cmdline_value(char *cmdline, const char *param)
{
	char opt[64], *p, *last = NULL;

	snprintf(opt, sizeof(opt), "%s=", param);
	for (p = cmdline; (p = cmdline_next(cmdline, p, opt)); p += strlen(opt))
		last = p;
	if (!last)
		return NULL;
	p = last + strlen(opt);
	p[strcspn(p, "\n ")] = '\0';
	return p;
}

/* How many times @needle occurs in @hay */
static inline int count_in(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A region's counter in /sys/kernel/mm/dcma/<region>/, or -1 */
static inline long sysfs_counter(const char *region, const char *name)
{
	char path[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/dcma/%.31s/%.63s", region,
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The whole kernel log, NUL-terminated, or NULL if it cannot be read */
static inline const char *klog(void)
{
	static char buf[1 << 20];
	int len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (len <= 0)
		return NULL;
	buf[len] = '\0';
	return buf;
}

/* Write @s to a file: 0, or -errno */
static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * A region's stats: the value of @key, or with @prefix set the sum of
 * every key starting with it; -1 if the file cannot be read or has no
 * such key.
 */
static inline long stats_sum(const char *region, const char *key, bool prefix)
{
	char path[128], k[64];
	long v, sum = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), DCMA_DIR "/%s/stats", region);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", k, &v) == 2) {
		if (prefix ? strncmp(k, key, strlen(key)) : strcmp(k, key))
			continue;
		sum += v;
		found = true;
	}
	fclose(f);
	return found ? sum : -1;
}

/* One counter of a region's debugfs stats file, or -1 */
static inline long stat_of(const char *region, const char *key)
{
	return stats_sum(region, key, false);
}

/* /proc/kpageflags reports it, but the uapi header does not name it */
#ifndef KPF_RESERVED
#define KPF_RESERVED	32
#endif

struct page_flags {
	unsigned long lru, buddy, reserved;
};

/* @r's pages by their flags in /proc/kpageflags; 0 or -errno */
static inline int page_flags(const struct region *r, struct page_flags *pf)
{
	unsigned long long flags[512];
	unsigned long done = 0, n, i;
	ssize_t got;
	int fd = open("/proc/kpageflags", O_RDONLY);

	memset(pf, 0, sizeof(*pf));
	if (fd < 0)
		return -errno;
	while (done < r->pages) {
		n = r->pages - done < 512 ? r->pages - done : 512;
		got = pread(fd, flags, n * 8, (r->base / PAGE + done) * 8);
		if (got != (ssize_t)(n * 8)) {
			close(fd);
			return got < 0 ? -errno : -EIO;
		}
		for (i = 0; i < n; i++) {
			pf->lru += !!(flags[i] & (1ULL << KPF_LRU));
			pf->buddy += !!(flags[i] & (1ULL << KPF_BUDDY));
			pf->reserved += !!(flags[i] & (1ULL << KPF_RESERVED));
		}
		done += n;
	}
	close(fd);
	return 0;
}

/*
 * A /proc/meminfo value in kB, or -1.  Without stdio: threads call it,
 * and an arena malloc() made for one would stay in memory afterwards.
 */
static inline long meminfo_kb(const char *key)
{
	char buf[4096], *p;
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ':')
			return strtol(p + strlen(key) + 1, NULL, 10);
	return -1;
}

/*
 * The regions of @dev's rules, from debugfs "map", as ",a,b,c," in
 * @regs (kind @kind, or every kind if NULL); false if @dev is not bound.
 * With @fallback, whether one of those rules has the "fallback" policy.
 */
static inline bool bound_policy(const char *dev, const char *kind,
				char *regs, size_t len, bool *fallback)
{
	char line[512], d[128], k[64], src[16], r[256], pol[16];
	bool bound = false;
	FILE *f;

	snprintf(regs, len, ",");
	if (fallback)
		*fallback = false;
	f = fopen(DCMA_DIR "/map", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "device %127s %63s %15s %255s %15s", d, k, src,
			   r, pol) != 5 || strcmp(d, dev))
			continue;
		bound = true;
		if (kind && strcmp(k, kind))
			continue;
		strncat(regs, r, len - strlen(regs) - 2);
		strcat(regs, ",");
		if (fallback && !strcmp(pol, "fallback"))
			*fallback = true;
	}
	fclose(f);
	return bound;
}

static inline bool bound_regions(const char *dev, const char *kind,
				 char *regs, size_t len)
{
	return bound_policy(dev, kind, regs, len, NULL);
}

/* The trace buffer's contents, NUL-terminated */
static inline const char *read_trace(void)
{
	static char trace_buf[1 << 20];
	int fd = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n, len = 0;

	trace_buf[0] = '\0';
	if (fd < 0)
		return trace_buf;
	while ((n = read(fd, trace_buf + len, sizeof(trace_buf) - 1 - len)) > 0)
		len += n;
	trace_buf[len] = '\0';
	close(fd);
	return trace_buf;
}

/*
 * The buffers of @region owned by @owner: how many, or -errno; the first
 * @max of them in @phys and @pages
 */
static inline int owned_buffers(const char *region, const char *owner,
				unsigned long long *phys, unsigned long *pages, int max)
{
	char path[128], line[256], who[64];
	unsigned long long p;
	unsigned long np, age;
	unsigned int refs;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), DCMA_DIR "/%s/buffers", region);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %lu %u %lu %63s", &p, &np, &refs, &age,
			   who) == 5 && !strcmp(who, owner)) {
			if (n < max) {
				phys[n] = p;
				pages[n] = np;
			}
			n++;
		}
	fclose(f);
	return n;
}

/* A number in /sys/kernel/debug/cma/<area>/<file>, or -1 */
static inline long long cma_area_read(const char *area, const char *file)
{
	char path[300];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/cma/%.200s/%.32s",
		 area, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

#endif /* DCMA_UTIL_H */
