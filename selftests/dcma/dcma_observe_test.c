// SPDX-License-Identifier: GPL-2.0
/*
 * What dcma lets people see, checked against what the test itself does:
 * the occupancy map and the stats (with the latency histogram) move with
 * the test's allocations, the tracepoints report allocations, references,
 * releases and bindings as they happen, and every region's dma-buf heap
 * allocates buffers inside the region that userspace can map.
 *
 * Needs CONFIG_DCMA_DEBUG (the test knob); the tracepoints need tracefs
 * and the heaps CONFIG_DCMA_HEAPS.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>

#include <linux/dma-heap.h>

#include "../kselftest_harness.h"
#include "dcma_util.h"

struct occupancy {
	unsigned long pages, per, chars, full, part, lent, free;
};

static int read_occupancy(const char *region, struct occupancy *o)
{
	char path[128], line[256];
	FILE *f;

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), DCMA_DIR "/%s/occupancy", region);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "# %lu pages, %lu per character", &o->pages, &o->per) != 2) {
		fclose(f);
		return -EPROTO;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' ');

		for (p = p ? p + 1 : line; *p && *p != '\n'; p++) {
			o->chars++;
			o->full += *p == '#';
			o->part += *p == '+';
			o->lent += *p == 'o';
			o->free += *p == '.';
		}
	}
	fclose(f);
	return 0;
}

static long latency_total(const char *region)
{
	return stats_sum(region, "latency_us_", true);
}

FIXTURE(obs) {
	struct region r[MAX_REGIONS];
	int n;
};

FIXTURE_SETUP(obs)
{
	if (access(KNOB, W_OK))
		SKIP(return, KNOB " is missing (CONFIG_DCMA_DEBUG?)");
	self->n = read_regions(self->r, MAX_REGIONS);
	if (self->n <= 0)
		SKIP(return, "no dcma region");
}

FIXTURE_TEARDOWN(obs)
{
}

/*
 * A buffer of 8 map characters, aligned to them, turns exactly 8
 * characters to '#'; its release turns them back.  Exclusive regions
 * never show lent pages.
 */
TEST_F(obs, occupancy_follows_buffers)
{
	int checked = 0;

	for (int i = 0; i < self->n; i++) {
		struct region *r = &self->r[i];
		struct occupancy before, during, after;
		unsigned long long phys;
		unsigned long bytes;

		if (!strcmp(r->mode, "inactive"))
			continue;
		ASSERT_EQ(0, read_occupancy(r->name, &before));
		EXPECT_EQ(r->pages, before.pages);
		EXPECT_EQ((before.pages + before.per - 1) / before.per, before.chars);
		if (!strcmp(r->mode, "exclusive"))
			EXPECT_EQ(0, before.lent);
		if (knob_alloc(r->name, 8 * before.per * PAGE, before.per * PAGE,
			       &phys, &bytes))
			continue;	/* no room in this region now */
		ASSERT_EQ(0, read_occupancy(r->name, &during));
		ASSERT_EQ(0, knob_ref("put", phys));
		ASSERT_EQ(0, read_occupancy(r->name, &after));
		TH_LOG("%s: %lu per char, '#' %lu -> %lu -> %lu", r->name,
		       before.per, before.full, during.full, after.full);
		/* the map's characters start at the region's base */
		if ((phys - r->base) / PAGE % before.per == 0)
			EXPECT_EQ(before.full + 8, during.full);
		if ((phys - r->base) / PAGE % before.per != 0)
			EXPECT_LE(before.full + 7, during.full);
		EXPECT_EQ(before.full, after.full);
		EXPECT_EQ(before.chars, during.chars);
		checked++;
	}
	ASSERT_GT(checked, 0);
}

/* stats and its latency histogram count exactly the test's allocations */
TEST_F(obs, stats_count_allocations)
{
	struct region *r = NULL;
	long allocs, pages, hist, frees;
	unsigned long long phys[5];
	unsigned long bytes;

	for (int i = 0; i < self->n && !r; i++)
		if (!strcmp(self->r[i].mode, "exclusive") && self->r[i].free >= 80)
			r = &self->r[i];
	if (!r)
		SKIP(return,
		     "no exclusive region with room (a reusable one could be used by others)");
	allocs = stat_of(r->name, "allocs");
	pages = stat_of(r->name, "pages_allocated");
	frees = stat_of(r->name, "frees");
	hist = latency_total(r->name);
	ASSERT_GE(allocs, 0);
	ASSERT_GE(hist, 0);
	ASSERT_GE(stat_of(r->name, "pages_migrated"), 0);
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, knob_alloc(r->name, (i + 1) * PAGE, 0, &phys[i], &bytes));
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, knob_ref("put", phys[i]));
	EXPECT_EQ(allocs + 5, stat_of(r->name, "allocs"));
	EXPECT_EQ(pages + 15, stat_of(r->name, "pages_allocated"));
	EXPECT_EQ(frees + 5, stat_of(r->name, "frees"));
	EXPECT_EQ(hist + 5, latency_total(r->name));
	EXPECT_EQ(stat_of(r->name, "allocs"), latency_total(r->name));
}

/* The events, in the order the test caused them, with their fields. */
TEST_F(obs, tracepoints)
{
	unsigned long long phys, big;
	char needle[200], *p;
	const char *trace;
	unsigned long bytes;
	struct region *r = NULL;

	if (access(TRACEFS "/trace", W_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		SKIP(return, "no tracefs (CONFIG_TRACING?)");
	ASSERT_EQ(0, access(TRACEFS "/events/dcma/dcma_migrate_retry/format", R_OK));
	for (int i = 0; i < self->n && !r; i++)
		if (!strcmp(self->r[i].mode, "exclusive") && self->r[i].free >= 32)
			r = &self->r[i];
	if (!r)
		SKIP(return, "no exclusive region with room");

	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/events/dcma/enable", "1"));
	ASSERT_EQ(0, knob_alloc(r->name, 16 * PAGE, 0, &phys, &bytes));
	ASSERT_EQ(0, knob_ref("get", phys));
	/* all that was free before: no longer fits, fails with -ENOMEM */
	EXPECT_NE(0, knob_alloc(r->name, r->free * PAGE, 0, &big, &bytes));
	ASSERT_EQ(0, knob_ref("put", phys));
	ASSERT_EQ(0, knob_ref("put", phys));
	if (!knob("unplug dcma-test.0", NULL, 0))
		ASSERT_EQ(0, knob("plug dcma-test.0", NULL, 0));
	ASSERT_EQ(0, write_file(TRACEFS "/events/dcma/enable", "0"));
	trace = read_trace();

	p = (char *)trace;
#define NEXT(...) do {							\
		snprintf(needle, sizeof(needle), __VA_ARGS__);		\
		p = strstr(p, needle);					\
		ASSERT_NE(NULL, p) {					\
			TH_LOG("no \"%s\" in order in the trace", needle); \
		}							\
	} while (0)
	NEXT("dcma_alloc_start: region=%s owner=- pages=16 align=1", r->name);
	NEXT("dcma_alloc_finish: region=%s owner=- pfn=%#llx pages=16 err=0 retries=0",
	     r->name, phys >> 12);
	NEXT("dcma_get: region=%s pfn=%#llx pages=16 refs=2", r->name, phys >> 12);
	NEXT("dcma_alloc_finish: region=%s owner=- pfn=0x0 pages=%lu err=-12",
	     r->name, r->free);
	NEXT("dcma_put: region=%s pfn=%#llx pages=16 refs=1", r->name, phys >> 12);
	NEXT("dcma_put: region=%s pfn=%#llx pages=16 refs=0", r->name, phys >> 12);
	NEXT("dcma_release: region=%s pfn=%#llx pages=16", r->name, phys >> 12);
	if (strstr(trace, "dev=dcma-test.0 rules=dcma-test.0=")) {
		NEXT("dcma_bind: dev=dcma-test.0 rules=\n");
		NEXT("dcma_bind: dev=dcma-test.0 rules=dcma-test.0=");
	}
#undef NEXT
}

/*
 * One buffer from @r's heap: zeroed, mappable, inside the region, owned
 * by "dma-heap", its reference the dma-buf's alone (a stray dcma_put() is
 * refused), written all over and gone once its last user is.  Returns its
 * address, or 0 when the region has no room for it now.
 */
static unsigned long long heap_buffer(struct __test_metadata *_metadata,
				      const struct region *r)
{
	struct dma_heap_allocation_data data = {
		.len = 16 * PAGE,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[128], buffers[128], line[256], owner[64];
	unsigned long long phys, found = 0;
	unsigned char *p;
	int fd, j;
	FILE *f;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", r->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0) {
		TH_LOG("region %s has no heap", r->name);
	}
	if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &data)) {
		TH_LOG("%s: no room for a heap buffer now", r->name);
		close(fd);
		return 0;
	}
	close(fd);
	p = mmap(NULL, data.len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 data.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (j = 0; j < (int)data.len; j++)
		ASSERT_EQ(0, p[j]) TH_LOG("%s: stale byte at %d", r->name, j);
	memset(p, 0x5a, data.len);
	EXPECT_EQ(0x5a, p[data.len - 1]);

	snprintf(buffers, sizeof(buffers), DCMA_DIR "/%s/buffers", r->name);
	f = fopen(buffers, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long pages, age;
		unsigned int refs;

		if (sscanf(line, "%llx %lu %u %lu %63s", &phys, &pages,
			   &refs, &age, owner) == 5 &&
		    !strcmp(owner, "dma-heap") && pages == 16)
			found = phys;
	}
	fclose(f);
	EXPECT_NE(0, found);
	EXPECT_GE(found, r->base);
	EXPECT_LT(found, r->base + r->pages * PAGE);
	if (found && !access(KNOB, W_OK))
		EXPECT_EQ(-EINVAL, knob_ref("put", found));

	munmap(p, data.len);
	close(data.fd);
	f = fopen(buffers, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		EXPECT_EQ(NULL, strstr(line, "dma-heap"));
	fclose(f);
	return found;
}

/*
 * Every active region has a heap (see heap_buffer()); a second buffer on
 * the range the first one was written all over comes zeroed.
 */
TEST_F(obs, heaps)
{
	unsigned long long first, again;
	int checked = 0;

	if (access("/dev/dma_heap", R_OK))
		SKIP(return, "no /dev/dma_heap (CONFIG_DCMA_HEAPS?)");
	for (int i = 0; i < self->n; i++) {
		if (!strcmp(self->r[i].mode, "inactive"))
			continue;
		first = heap_buffer(_metadata, &self->r[i]);
		if (!first)
			continue;
		again = heap_buffer(_metadata, &self->r[i]);
		EXPECT_EQ(first, again) TH_LOG("%s: another range", self->r[i].name);
		checked++;
	}
	ASSERT_GT(checked, 0);
}

TEST_HARNESS_MAIN
