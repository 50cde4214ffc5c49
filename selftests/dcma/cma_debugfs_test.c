// SPDX-License-Identifier: GPL-2.0
/*
 * Mainline CMA's own debugfs, driven from userspace: the baseline that dcma
 * is compared with.  Every area under /sys/kernel/debug/cma/ (the default
 * area from "cma=" and areas from "shared-dma-pool" device-tree nodes) is
 * allocated from and freed to through its "alloc" and "free" files, and its
 * "used", "maxchunk" and "bitmap" files must move exactly as the
 * allocations say.
 *
 * The areas must be otherwise idle while this runs: nothing else in the
 * test guest allocates from them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define CMA_DIR		"/sys/kernel/debug/cma"
#define MAX_AREAS	32

struct area {
	char name[256];
	unsigned long count;		/* pages in the area */
	unsigned long order_per_bit;
};

static int read_ulong(const char *area, const char *file, unsigned long *val)
{
	char path[320], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CMA_DIR "/%s/%s", area, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*val = strtoul(buf, NULL, 0);
	return 0;
}

/* Write @val to @file of @area: 0, or the -errno the kernel returned. */
static int write_ulong(const char *area, const char *file, unsigned long val)
{
	char path[320], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), CMA_DIR "/%s/%s", area, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lu", val);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Set bits in the area's "bitmap" file, in pages. */
static long bitmap_pages(const struct area *a)
{
	char path[320], word[32];
	unsigned long bits = 0;
	FILE *f;

	snprintf(path, sizeof(path), CMA_DIR "/%s/bitmap", a->name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fscanf(f, "%31s", word) == 1)
		bits += __builtin_popcountl(strtoul(word, NULL, 0));
	fclose(f);
	return bits << a->order_per_bit;
}

static unsigned long used(const struct area *a)
{
	unsigned long v = ~0UL;

	read_ulong(a->name, "used", &v);
	return v;
}

static unsigned long maxchunk(const struct area *a)
{
	unsigned long v = ~0UL;

	read_ulong(a->name, "maxchunk", &v);
	return v;
}

FIXTURE(cma) {
	struct area areas[MAX_AREAS];
	int n;
};

FIXTURE_SETUP(cma)
{
	struct dirent *de;
	DIR *dir;

	self->n = 0;
	dir = opendir(CMA_DIR);
	if (!dir)
		SKIP(return, CMA_DIR " is missing (CONFIG_CMA_DEBUGFS, debugfs mounted?)");
	while ((de = readdir(dir)) && self->n < MAX_AREAS) {
		struct area *a = &self->areas[self->n];

		if (de->d_name[0] == '.')
			continue;
		snprintf(a->name, sizeof(a->name), "%s", de->d_name);
		ASSERT_EQ(0, read_ulong(a->name, "count", &a->count));
		ASSERT_EQ(0, read_ulong(a->name, "order_per_bit", &a->order_per_bit));
		self->n++;
	}
	closedir(dir);
	if (!self->n)
		SKIP(return, "no CMA area is configured");
}

FIXTURE_TEARDOWN(cma)
{
}

/* The counters agree with each other and with the bitmap. */
TEST_F(cma, counters_agree)
{
	for (int i = 0; i < self->n; i++) {
		struct area *a = &self->areas[i];

		TH_LOG("area %s: %lu pages, %lu used, maxchunk %lu",
		       a->name, a->count, used(a), maxchunk(a));
		ASSERT_GT(a->count, 0UL);
		ASSERT_LE(used(a), a->count);
		ASSERT_LE(maxchunk(a), a->count - used(a));
		ASSERT_EQ((long)used(a), bitmap_pages(a));
	}
}

/* Two allocations and one free move "used" by exactly their sizes. */
TEST_F(cma, alloc_free_moves_used)
{
	for (int i = 0; i < self->n; i++) {
		struct area *a = &self->areas[i];
		unsigned long unit = 1UL << a->order_per_bit;
		unsigned long n1 = 16 * unit, n2 = 3 * unit;
		unsigned long u0 = used(a), m0 = maxchunk(a);

		if (m0 < n1 + n2) {
			TH_LOG("area %s: too full (maxchunk %lu), skipped", a->name, m0);
			continue;
		}
		ASSERT_EQ(0, write_ulong(a->name, "alloc", n1));
		ASSERT_EQ(u0 + n1, used(a));
		ASSERT_EQ((long)(u0 + n1), bitmap_pages(a));
		ASSERT_EQ(0, write_ulong(a->name, "alloc", n2));
		ASSERT_EQ(u0 + n1 + n2, used(a));
		ASSERT_EQ((long)(u0 + n1 + n2), bitmap_pages(a));
		if (u0 == 0) {	/* first fit from the bottom of an empty area */
			ASSERT_EQ(a->count - n1 - n2, maxchunk(a));
		}
		/* "free" releases the newest allocation first */
		ASSERT_EQ(0, write_ulong(a->name, "free", n2));
		ASSERT_EQ(u0 + n1, used(a));
		ASSERT_EQ(0, write_ulong(a->name, "free", n1));
		ASSERT_EQ(u0, used(a));
		ASSERT_EQ(m0, maxchunk(a));
		ASSERT_EQ((long)u0, bitmap_pages(a));
	}
}

/* A request larger than the largest free chunk fails and changes nothing. */
TEST_F(cma, oversized_alloc_fails)
{
	for (int i = 0; i < self->n; i++) {
		struct area *a = &self->areas[i];
		unsigned long u0 = used(a), m0 = maxchunk(a);

		ASSERT_EQ(-ENOMEM, write_ulong(a->name, "alloc", m0 + (1UL << a->order_per_bit)));
		ASSERT_EQ(u0, used(a));
		ASSERT_EQ(m0, maxchunk(a));
	}
}

/* An idle area can be taken whole, its lent pages migrated out first. */
TEST_F(cma, whole_area)
{
	for (int i = 0; i < self->n; i++) {
		struct area *a = &self->areas[i];

		if (used(a)) {
			TH_LOG("area %s: %lu pages in use, skipped", a->name, used(a));
			continue;
		}
		ASSERT_EQ(0, write_ulong(a->name, "alloc", a->count));
		ASSERT_EQ(a->count, used(a));
		ASSERT_EQ(0UL, maxchunk(a));
		ASSERT_EQ(0, write_ulong(a->name, "free", a->count));
		ASSERT_EQ(0UL, used(a));
		ASSERT_EQ(a->count, maxchunk(a));
		ASSERT_EQ(0, bitmap_pages(a));
	}
}

static bool has_area(const struct area *areas, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(areas[i].name, name))
			return true;
	return false;
}

static bool file_has(const char *path, const char *needle, size_t len)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return !!memmem(buf, n, needle, len);
}

/*
 * Every area the boot asked for exists: "cma=" on the command line makes
 * the default area "reserved", and each reusable "shared-dma-pool" node
 * under /reserved-memory makes an area named after the node, unless
 * "dcma.shared_dma_pool=1" gave the node to dcma.
 */
TEST_F(cma, areas_match_configuration)
{
	static const char compat[] = "shared-dma-pool";
	const char *rmem = "/proc/device-tree/reserved-memory";
	bool takeover;
	int expected = 0;
	struct dirent *de;
	char cmdline[4096];
	char path[512];
	DIR *dir;
	FILE *f;

	f = fopen("/proc/cmdline", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(cmdline, sizeof(cmdline), f));
	fclose(f);
	takeover = !!strstr(cmdline, " dcma.shared_dma_pool=1");
	if (!strncmp(cmdline, "cma=", 4) || strstr(cmdline, " cma=")) {
		TH_LOG("cma= on the command line: expecting area \"reserved\"");
		ASSERT_TRUE(has_area(self->areas, self->n, "reserved"));
		expected++;
	}

	dir = opendir(rmem);
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/compatible", rmem, de->d_name);
		if (!file_has(path, compat, sizeof(compat)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/reusable", rmem, de->d_name);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s/linux,cma-default", rmem,
			 de->d_name);
		if (takeover && access(path, F_OK)) {
			/* dcma took the node: no mainline area of that name */
			TH_LOG("device tree node %s: taken by dcma", de->d_name);
			ASSERT_FALSE(has_area(self->areas, self->n, de->d_name));
			continue;
		}
		TH_LOG("device tree node %s: expecting an area of that name", de->d_name);
		ASSERT_TRUE(has_area(self->areas, self->n, de->d_name));
		expected++;
	}
	if (dir)
		closedir(dir);
	if (!expected)
		SKIP(return, "neither cma= nor a reusable shared-dma-pool node");
}

TEST_HARNESS_MAIN
