// SPDX-License-Identifier: GPL-2.0
/*
 * dcma under load and under injected faults.
 *
 * kill.mid_claim: a process taking a whole lent region through the test
 * knob is killed while the region's pages migrate; the call returns, and
 * the region is as before and can be taken whole afterwards.
 *
 * stress.load: one worker per CPU allocating, filling, getting, putting and
 * freeing buffers in a reusable region with a pool, one without and
 * two exclusive ones, through the region layer, the DMA API of the test
 * devices and the regions' dma-buf heaps; meanwhile a chaos thread
 * changes the pool's target and unplugs and plugs dcma-test.2 (no
 * driver) and dcma-test.3 (with one), and a filler thread fills and drops
 * the page cache so that the reusable regions are lent out and taken
 * back.  Every buffer must start zeroed and lie in its region.  At the
 * end every region is where it started: the debugfs "regions" line, the
 * pool at its target, allocations and frees counted by dcma equal to
 * those the test saw succeed, no buffer left, CmaFree as before, and no
 * kernel report in the log.
 *
 * stress.faults: on kernels with fault injection (the debug kernels) the
 * same load with failslab, fail_page_alloc and dcma's own fail_claim on,
 * each in turn, failing the workers' system calls alone (task-filter):
 * every failure must be an errno, and the end state must be the same.
 *
 * The run is short (a few seconds a phase) on plain kernels and long on
 * the debug ones (kmemleak present).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "dcma_util.h"

#define POOLED	"cam"		/* reusable, given a pool here */
#define UNPOOLED	"nvm"		/* reusable, no pool */
#define NR_USED		4
static const char *const used_regions[NR_USED] = {
	POOLED, UNPOOLED, "carve", "tiny"
};

#define MAX_WORKERS	8
#define HELD		8		/* buffers a worker holds at most */
#define STACK_SIZE	(256 << 10)
#define MAX_BUFS	64		/* a region's buffers read back */

/* Kernel reports, as scripts/results.py counts them */
static int reports(void)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "KASAN", "UBSAN",
		"possible circular locking", "possible recursive locking",
		"inconsistent lock state", "suspected memory leak",
		"unreferenced object", "blocked for more than",
		"soft lockup", "detected stall",
	};
	const char *log = klog();
	int n = 0;

	for (size_t i = 0; log && i < ARRAY_SIZE(bad); i++)
		n += count_in(log, bad[i]);
	return n;
}

/*
 * The free pages of every CMA pageblock as /proc/kpageflags shows them:
 * dcma's reusable regions and mainline's areas; -1 if unreadable
 */
static long cma_buddy_pages(void)
{
	struct region r[MAX_REGIONS], area = { .pages = 0 };
	struct page_flags pf;
	struct dirent *de;
	long pages = 0;
	int n = read_regions(r, MAX_REGIONS);
	DIR *dir;

	for (int i = 0; i < n; i++) {
		if (strcmp(r[i].mode, "reusable"))
			continue;
		if (page_flags(&r[i], &pf))
			return -1;
		pages += pf.buddy;
	}
	dir = opendir("/sys/kernel/debug/cma");
	while (dir && (de = readdir(dir))) {
		long long base, count;

		if (de->d_name[0] == '.')
			continue;
		base = cma_area_read(de->d_name, "base_pfn");
		count = cma_area_read(de->d_name, "count");
		area.base = base * PAGE;
		area.pages = count;
		if (base < 0 || count < 0 || page_flags(&area, &pf)) {
			pages = -1;
			break;
		}
		pages += pf.buddy;
	}
	if (dir)
		closedir(dir);
	return pages;
}

/*
 * The pages on the page allocator's MIGRATE_CMA free lists, every zone
 * and order, from /proc/pagetypeinfo; -1 if unreadable
 */
static long cma_list_pages(void)
{
	char line[512], *p, *end;
	long pages = -1, c;
	FILE *f;

	f = fopen("/proc/pagetypeinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, ", type ");
		if (!p || !strstr(line, "zone") || strncmp(p + 7 + strspn(p + 7, " "), "CMA ", 4))
			continue;
		p += 7 + strspn(p + 7, " ") + 4;
		pages = pages < 0 ? 0 : pages;
		for (int order = 0; (c = strtol(p, &end, 10)), end != p; order++, p = end)
			pages += c << order;
	}
	fclose(f);
	return pages;
}

/*
 * Drop the page cache and the per-CPU free lists; then read, while
 * CmaFree holds still: CmaFree, the page allocator's counter, in
 * *@cma_free; the pages on its CMA free lists (kB) in *@lists_kb; and the
 * free pages of every CMA area by /proc/kpageflags (kB) in *@buddy_kb
 */
static void settled_cma_free(long *cma_free, long *lists_kb, long *buddy_kb)
{
	write_file("/proc/sys/vm/drop_caches", "3");
	for (int i = 0; i < 5; i++) {
		knob("drain", NULL, 0);
		/* fold the per-CPU counter deltas into CmaFree now */
		if (write_file("/proc/sys/vm/stat_refresh", "1"))
			sleep(2);
		*cma_free = meminfo_kb("CmaFree");
		*lists_kb = cma_list_pages() * (long)(PAGE / 1024);
		*buddy_kb = cma_buddy_pages() * (long)(PAGE / 1024);
		if (meminfo_kb("CmaFree") == *cma_free &&
		    cma_list_pages() * (long)(PAGE / 1024) == *lists_kb)
			break;
	}
}

/*
 * Kill a process taking the whole free space of a lent region while its
 * pages migrate.  The claim is known to have been under way when the
 * region's stats count pages it found in use and a failed allocation of
 * that size; a kill that came too early (nothing counted) or too late
 * (the buffer exists) is retried with another delay.
 */
FIXTURE(kill) {
};

FIXTURE_SETUP(kill)
{
}

FIXTURE_TEARDOWN(kill)
{
}

TEST_F_TIMEOUT(kill, mid_claim, 900)
{
	struct region r[MAX_REGIONS], after[MAX_REGIONS], *reg = NULL, *a;
	long migrated0, failed0, total = meminfo_kb("MemTotal");
	unsigned long long phys;
	unsigned long bytes, delay_us = 2000;
	char cmd[96], out[64], buf[4096], name[32];
	int n, fd, tries, pfd[2], status;
	bool interrupted = false;
	pid_t pid;

	if (access(KNOB, W_OK))
		SKIP(return, KNOB " is missing (CONFIG_DCMA_DEBUG?)");
	n = read_regions(r, MAX_REGIONS);
	for (int i = 0; i < n; i++)
		if (!strcmp(r[i].mode, "reusable") && r[i].largest &&
		    (!reg || r[i].largest > reg->largest))
			reg = &r[i];
	if (!reg)
		SKIP(return, "no reusable region with free space");
	snprintf(name, sizeof(name), "%s", reg->name);

	/* lend it: page cache until it is half lent or memory runs low */
	fd = memfd_create("dcma-kill", 0);
	ASSERT_GE(fd, 0);
	memset(buf, 0x77, sizeof(buf));
	for (;;) {
		for (int i = 0; i < 1024; i++)
			ASSERT_EQ((ssize_t)sizeof(buf), write(fd, buf, sizeof(buf)));
		read_regions(after, MAX_REGIONS);
		a = find_region(after, n, name);
		if (a->lent >= reg->largest / 2 ||
		    meminfo_kb("MemAvailable") < total / 16)
			break;
	}
	TH_LOG("%s: %lu of %lu pages lent", name, a->lent, reg->pages);
	ASSERT_GT(a->lent, 0UL);

	for (tries = 0; tries < 10 && !interrupted; tries++, delay_us *= 2) {
		read_regions(r, MAX_REGIONS);
		reg = find_region(r, n, name);
		migrated0 = stat_of(name, "pages_migrated");
		failed0 = stat_of(name, "pages_failed");
		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			int k = open(KNOB, O_RDWR);

			snprintf(cmd, sizeof(cmd), "alloc %s %lu", name,
				 reg->largest * PAGE);
			if (write(pfd[1], "x", 1) != 1)
				_exit(2);
			/* killed in here, or it returns with a buffer */
			if (k < 0 || write(k, cmd, strlen(cmd)) < 0)
				_exit(3);
			_exit(0);
		}
		close(pfd[1]);
		ASSERT_EQ(1, read(pfd[0], out, 1));
		close(pfd[0]);
		usleep(delay_us);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));

		read_regions(after, MAX_REGIONS);
		a = find_region(after, n, name);
		if (a->buffers != reg->buffers) {
			/* too late: the allocation finished; give it back */
			unsigned long long bufs[MAX_BUFS];
			unsigned long pages[MAX_BUFS];
			int k, nb;

			TH_LOG("killed after %lu us: too late", delay_us);
			nb = owned_buffers(name, "-", bufs, pages, MAX_BUFS);
			for (k = 0; k < nb && k < MAX_BUFS; k++)
				if (pages[k] == reg->largest)
					break;
			ASSERT_LT(k, nb < MAX_BUFS ? nb : MAX_BUFS);
			ASSERT_EQ(0, knob_ref("put", bufs[k]));
			break;
		}
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
		if (stat_of(name, "pages_failed") - failed0 !=
		    (long)reg->largest)
			continue;	/* too early: the claim had not begun */
		interrupted = true;
		TH_LOG("killed after %lu us; %ld pages in use at the claim",
		       delay_us, stat_of(name, "pages_migrated") - migrated0);
		TH_LOG("%lu of %lu pages still lent after it", a->lent,
		       reg->pages);
		EXPECT_GT(stat_of(name, "pages_migrated") - migrated0, 0);
		/* nothing kept: the candidates went back */
		EXPECT_EQ(reg->used, a->used);
		EXPECT_EQ(reg->free, a->free);
		EXPECT_EQ(reg->largest, a->largest);
		EXPECT_EQ(reg->holes, a->holes);
	}
	ASSERT_TRUE(interrupted) {
		TH_LOG("no kill landed during the claim");
	}

	/* and the whole free space can still be taken, zeroed */
	snprintf(cmd, sizeof(cmd), "alloc %s %lu", name, reg->largest * PAGE);
	ASSERT_EQ(0, knob(cmd, out, sizeof(out)));
	n = sscanf(out, "%llx %lu %d", &phys, &bytes, &status);
	ASSERT_EQ(3, n);
	EXPECT_EQ(1, status);
	EXPECT_EQ(reg->largest * PAGE, bytes);
	ASSERT_EQ(0, knob_ref("put", phys));
	close(fd);
}

/* ------------------------------------------------------------------ */

/* The fault points of the debug kernels, each a fault_attr directory */
struct fault {
	const char *name, *dir;
	const char *extra[4];		/* "file=value" set with it */
};

static const struct fault faults[] = {
	{ "failslab", DEBUGFS "/failslab", { "ignore-gfp-wait=N" } },
	{ "fail_page_alloc", DEBUGFS "/fail_page_alloc",
	  { "ignore-gfp-wait=N", "ignore-gfp-highmem=N", "min-order=0" } },
	{ "fail_claim", DCMA_DIR "/fail_claim", { } },
};

#define FAULT_TIMES	100000000L

struct stress;

struct worker {
	struct stress *st;
	pthread_t thread;
	unsigned int seed;
	int fail_fd;			/* /proc/thread-self/make-it-fail */
	unsigned long long held[HELD];	/* buffers' addresses */
	int nr_held;
	char err[256];
};

struct stress {
	struct region r[MAX_REGIONS];
	int n;
	int idx[NR_USED];		/* used_regions[] in r[] */
	bool faults;			/* workers fail their calls */
	atomic_bool stop;
	atomic_long ops, errnos, allocs[NR_USED];
	int nr_workers;
	struct worker w[MAX_WORKERS];
	char *stacks;
};

static unsigned int rnd(struct worker *w)
{
	w->seed ^= w->seed << 13;
	w->seed ^= w->seed >> 17;
	w->seed ^= w->seed << 5;
	return w->seed;
}

static void fault_window(struct worker *w, bool on)
{
	if (w->st->faults && w->fail_fd >= 0 &&
	    pwrite(w->fail_fd, on ? "1" : "0", 1, 0) != 1)
		snprintf(w->err, sizeof(w->err), "make-it-fail: %s",
			 strerror(errno));
}

/*
 * One knob command with the worker's faults on for its write() alone:
 * 0 or -errno, the result in @out
 */
static int wknob(struct worker *w, const char *cmd, char *out, size_t len)
{
	int fd = open(KNOB, O_RDWR), ret = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	fault_window(w, true);
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	fault_window(w, false);
	if (!ret && out) {
		n = read(fd, out, len - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	return ret;
}

/* Which of used_regions[] holds [phys, phys + bytes), or -1 */
static int region_at(struct stress *st, unsigned long long phys,
		     unsigned long bytes)
{
	for (int i = 0; i < NR_USED; i++) {
		struct region *r = &st->r[st->idx[i]];

		if (phys >= r->base && phys + bytes <= r->base + r->pages * PAGE)
			return i;
	}
	return -1;
}

/* Record the worker's first failure; returns -1 */
static int wfail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * An errno the workers may see: no room (or a claim that stayed busy)
 * always; with faults injected, any errno, since that is what a failure
 * must be
 */
static bool errno_ok(struct worker *w, int ret)
{
	atomic_fetch_add(&w->st->errnos, 1);
	return ret == -ENOMEM || (w->st->faults && ret < 0 && ret > -4096);
}

static int op_alloc(struct worker *w)
{
	struct stress *st = w->st;
	int i = rnd(w) % NR_USED, zeroed, ret, at;
	struct region *r = &st->r[st->idx[i]];
	unsigned long pages = 1 + rnd(w) % (r->pages / 16), bytes;
	unsigned long long phys;
	char cmd[96], out[64];

	if (w->nr_held == HELD)
		return 0;
	snprintf(cmd, sizeof(cmd), "alloc %s %lu %lu", r->name, pages * PAGE,
		 rnd(w) % 4 ? 0UL : PAGE << (rnd(w) % 5));
	ret = wknob(w, cmd, out, sizeof(out));
	if (ret) {
		if (!errno_ok(w, ret))
			return wfail(w, "%s: %s", cmd, strerror(-ret));
		return 0;
	}
	if (sscanf(out, "%llx %lu %d", &phys, &bytes, &zeroed) != 3)
		return wfail(w, "%s: result \"%s\"", cmd, out);
	at = region_at(st, phys, bytes);
	if (at != i || bytes != pages * PAGE || !zeroed)
		return wfail(w, "%s: %llx %lu bytes, zeroed %d: not a fresh buffer of %s",
			     cmd, phys, bytes, zeroed, r->name);
	atomic_fetch_add(&st->allocs[i], 1);
	w->held[w->nr_held++] = phys;
	return 0;
}

/* get, fill, put on a held buffer, or its last put */
static int op_held(struct worker *w, bool last)
{
	char cmd[64];
	int k, ret;

	if (!w->nr_held)
		return 0;
	k = rnd(w) % w->nr_held;
	if (last) {
		snprintf(cmd, sizeof(cmd), "put 0x%llx", w->held[k]);
		ret = wknob(w, cmd, NULL, 0);
		if (ret && !(w->st->faults && errno_ok(w, ret)))
			return wfail(w, "%s: %s", cmd, strerror(-ret));
		if (!ret)
			w->held[k] = w->held[--w->nr_held];
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "get 0x%llx", w->held[k]);
	ret = wknob(w, cmd, NULL, 0);
	if (ret && !(w->st->faults && errno_ok(w, ret)))
		return wfail(w, "%s: %s", cmd, strerror(-ret));
	if (ret)
		return 0;
	snprintf(cmd, sizeof(cmd), "fill 0x%llx", w->held[k]);
	ret = wknob(w, cmd, NULL, 0);
	if (ret && !(w->st->faults && errno_ok(w, ret)))
		return wfail(w, "%s: %s", cmd, strerror(-ret));
	snprintf(cmd, sizeof(cmd), "put 0x%llx", w->held[k]);
	while ((ret = wknob(w, cmd, NULL, 0)))
		if (!w->st->faults || !errno_ok(w, ret))
			return wfail(w, "%s: %s", cmd, strerror(-ret));
	return 0;
}

/*
 * A DMA API buffer of dcma-test.0 (bound to tiny, failing when it is
 * full) or dcma-test.3 (the driver rule's tiny; unplugged now and then,
 * which frees its buffers as a driver's remove would), freed at once
 */
static int op_dma(struct worker *w)
{
	static const char *const verbs[] = {
		"dma_alloc", "dma_alloc_pages", "dma_alloc_nomap"
	};
	bool may_unplug = rnd(w) % 2;
	const char *dev = may_unplug ? "dcma-test.3" : "dcma-test.0";
	unsigned long pages = 1 + rnd(w) % 16, bytes;
	const char *verb = verbs[rnd(w) % 3];
	unsigned long long dma;
	char cmd[96], out[64];
	int zeroed, ret, at;

	snprintf(cmd, sizeof(cmd), "%s %s %lu", verb, dev, pages * PAGE);
	ret = wknob(w, cmd, out, sizeof(out));
	if (ret) {
		/* the knob's 16 slots are all taken; dcma-test.3 unplugged */
		if (ret == -ENOSPC || (ret == -ENODEV && may_unplug))
			return 0;
		if (!errno_ok(w, ret))
			return wfail(w, "%s: %s", cmd, strerror(-ret));
		return 0;
	}
	if (sscanf(out, "%llx %lu %d", &dma, &bytes, &zeroed) != 3)
		return wfail(w, "%s: result \"%s\"", cmd, out);
	/* from tiny, or under a fallback policy from the page allocator */
	at = region_at(w->st, dma, bytes);
	if ((at >= 0 && strcmp(used_regions[at], "tiny")) || !zeroed)
		return wfail(w, "%s: %llx, zeroed %d: not a fresh buffer of tiny",
			     cmd, dma, zeroed);
	if (at >= 0)
		atomic_fetch_add(&w->st->allocs[at], 1);
	snprintf(cmd, sizeof(cmd), "dma_free %s 0x%llx", dev, dma);
	while ((ret = wknob(w, cmd, NULL, 0))) {
		/* an unplug freed it, or another worker's same address */
		if (may_unplug && (ret == -ENOENT || ret == -ENODEV))
			return 0;
		if (!w->st->faults || !errno_ok(w, ret))
			return wfail(w, "%s: %s", cmd, strerror(-ret));
	}
	return 0;
}

/* A heap buffer of one of the regions: mapped, checked, written, closed */
static int op_heap(struct worker *w)
{
	struct stress *st = w->st;
	int i = rnd(w) % NR_USED, fd, ret = 0;
	struct dma_heap_allocation_data data = {
		.len = (1 + rnd(w) % 16) * PAGE,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[128];
	unsigned char *p;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", used_regions[i]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wfail(w, "%s: %s", path, strerror(errno));
	fault_window(w, true);
	if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &data))
		ret = -errno;
	fault_window(w, false);
	close(fd);
	if (ret) {
		if (!errno_ok(w, ret))
			return wfail(w, "%s: alloc: %s", path, strerror(-ret));
		return 0;
	}
	atomic_fetch_add(&st->allocs[i], 1);
	fault_window(w, true);
	p = mmap(NULL, data.len, PROT_READ | PROT_WRITE, MAP_SHARED, data.fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	fault_window(w, false);
	if (!ret) {
		for (size_t j = 0; j < data.len; j += 64)
			if (p[j])
				return wfail(w, "%s: stale byte at %zu", path, j);
		memset(p, 0xc3, data.len);
		munmap(p, data.len);
	} else if (!errno_ok(w, ret)) {
		return wfail(w, "%s: mmap: %s", path, strerror(-ret));
	}
	close(data.fd);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->fail_fd = open("/proc/thread-self/make-it-fail", O_WRONLY);
	while (!atomic_load(&w->st->stop) && !w->err[0]) {
		switch (rnd(w) % 8) {
		case 0: case 1:
			op_alloc(w);
			break;
		case 2:
			op_held(w, false);
			break;
		case 3: case 4:
			op_held(w, true);
			break;
		case 5: case 6:
			op_dma(w);
			break;
		default:
			op_heap(w);
			break;
		}
		atomic_fetch_add(&w->st->ops, 1);
	}
	/* give back what is left, with no fault */
	while (w->nr_held) {
		char cmd[64];
		int ret;

		snprintf(cmd, sizeof(cmd), "put 0x%llx",
			 w->held[--w->nr_held]);
		ret = knob(cmd, NULL, 0);
		if (ret && !w->err[0])
			snprintf(w->err, sizeof(w->err), "%s: %s", cmd,
				 strerror(-ret));
	}
	if (w->fail_fd >= 0)
		close(w->fail_fd);
	return NULL;
}

static const char *const pool_targets[] = { "0", "128", "512", "1024" };

/*
 * Pool targets and test devices; page cache.  Returns at the stop.
 * Leaves the devices plugged; the caller restores the target.
 */
static void *chaos_main(void *arg)
{
	struct stress *st = arg;
	unsigned int seed = 0x9e3779b9;
	bool out[2] = { false, false };
	char path[128], dev[32];

	snprintf(path, sizeof(path), "/sys/kernel/mm/dcma/%s/pool_pages",
		 POOLED);
	while (!atomic_load(&st->stop)) {
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 2) {
			write_file(path, pool_targets[(seed >> 8) % 4]);
		} else {
			int d = (seed >> 8) % 2;

			snprintf(dev, sizeof(dev), "%s dcma-test.%d",
				 out[d] ? "plug" : "unplug", d + 2);
			if (!knob(dev, NULL, 0))
				out[d] = !out[d];
		}
		usleep(20000);
	}
	for (int d = 0; d < 2; d++) {
		snprintf(dev, sizeof(dev), "plug dcma-test.%d", d + 2);
		if (out[d])
			knob(dev, NULL, 0);
	}
	return NULL;
}

/* Page cache: shmem to a quarter of memory left, then dropped; again */
static void *filler_main(void *arg)
{
	static char chunk[1 << 16];
	struct stress *st = arg;
	long total = meminfo_kb("MemTotal");
	int fd;

	memset(chunk, 0x3c, sizeof(chunk));
	while (!atomic_load(&st->stop)) {
		fd = memfd_create("dcma-stress", 0);
		if (fd < 0)
			break;
		while (!atomic_load(&st->stop) &&
		       meminfo_kb("MemAvailable") > total / 4)
			for (int i = 0; i < 16; i++)
				if (write(fd, chunk, sizeof(chunk)) < 0)
					break;
		close(fd);
		write_file("/proc/sys/vm/drop_caches", "1");
	}
	return NULL;
}

/* What must be the same at the end */
struct snapshot {
	struct region r[MAX_REGIONS];
	int n;
	long allocs[NR_USED], frees[NR_USED], pool[NR_USED];
	struct page_flags pf[NR_USED];
	long cma_free, cma_lists, cma_buddy;
	int reports;
};

static void snap(struct stress *st, struct snapshot *s)
{
	s->reports = reports();
	/* after everything the rest reads with has been touched */
	settled_cma_free(&s->cma_free, &s->cma_lists, &s->cma_buddy);
	s->n = read_regions(s->r, MAX_REGIONS);
	for (int i = 0; i < NR_USED; i++) {
		struct region *r = find_region(s->r, s->n, used_regions[i]);

		s->allocs[i] = stat_of(used_regions[i], "allocs");
		s->frees[i] = stat_of(used_regions[i], "frees");
		s->pool[i] = stat_of(used_regions[i], "pool_pages");
		memset(&s->pf[i], 0xff, sizeof(s->pf[i]));
		if (r)
			page_flags(r, &s->pf[i]);
	}
}

/*
 * The page allocator's view of a reusable region at rest (per-CPU lists
 * drained): each page is free (buddy), lent (on the LRU) or dcma's, in a
 * buffer or in the pool; a page that is none of these is lost.  An
 * exclusive region's pages all stay reserved.  Returns the pages that do
 * not add up, or 0.
 */
static long unaccounted(struct snapshot *s, int i)
{
	const struct region *r = find_region(s->r, s->n, used_regions[i]);
	const struct page_flags *pf = &s->pf[i];

	if (!r)
		return -1;
	if (!strcmp(r->mode, "exclusive"))
		return (long)(r->pages - pf->reserved) + pf->lru + pf->buddy;
	return (long)r->pages - (long)(pf->buddy + pf->lru) -
	       (long)r->used - s->pool[i];
}

/* @region's pool at @target pages again, within @secs */
static bool pool_settles(const char *region, long target, int secs)
{
	for (int i = 0; i < secs * 10; i++) {
		if (stat_of(region, "pool_pages") == target)
			return true;
		usleep(100000);
	}
	return false;
}

static long fault_read(const struct fault *f, const char *file)
{
	char path[160];
	long v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, file);
	fp = fopen(path, "r");
	if (fp) {
		if (fscanf(fp, "%ld", &v) != 1)
			v = -1;
		fclose(fp);
	}
	return v;
}

static int fault_set(const struct fault *f, const char *file, const char *v)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", f->dir, file);
	return write_file(path, v);
}

FIXTURE(stress) {
	struct stress st;
	long target0;
	unsigned int secs;
};

FIXTURE_SETUP(stress)
{
	struct stress *st = &self->st;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (access(KNOB, W_OK))
		SKIP(return, KNOB " is missing (CONFIG_DCMA_DEBUG?)");
	if (access("/dev/dma_heap", R_OK))
		SKIP(return, "no /dev/dma_heap (CONFIG_DCMA_HEAPS?)");
	st->n = read_regions(st->r, MAX_REGIONS);
	for (int i = 0; i < NR_USED; i++) {
		struct region *r = find_region(st->r, st->n, used_regions[i]);

		if (!r)
			SKIP(return, "no region %s in this boot", used_regions[i]);
		st->idx[i] = r - st->r;
	}
	st->nr_workers = cpus < 1 ? 1 : cpus > MAX_WORKERS ? MAX_WORKERS : cpus;
	st->stacks = mmap(NULL, (size_t)(MAX_WORKERS + 2) * STACK_SIZE,
			  PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, st->stacks);
	self->target0 = sysfs_counter(POOLED, "pool_pages");
	ASSERT_GE(self->target0, 0);
	/* a pool on POOLED, none on UNPOOLED */
	ASSERT_EQ(0, write_file("/sys/kernel/mm/dcma/" POOLED "/pool_pages",
				"512"));
	ASSERT_EQ(0, write_file("/sys/kernel/mm/dcma/" UNPOOLED "/pool_pages",
				"0"));
	ASSERT_TRUE(pool_settles(POOLED, 512, 30));
	ASSERT_TRUE(pool_settles(UNPOOLED, 0, 30));
	self->secs = access(DEBUGFS "/kmemleak", F_OK) ? 6 : 30;
}

FIXTURE_TEARDOWN(stress)
{
	char v[32];

	snprintf(v, sizeof(v), "%ld", self->target0);
	write_file("/sys/kernel/mm/dcma/" POOLED "/pool_pages", v);
	if (self->st.stacks)
		munmap(self->st.stacks, (size_t)(MAX_WORKERS + 2) * STACK_SIZE);
}

/* One phase: the load for @secs, then the end state against @before */
static void run_phase(struct __test_metadata *_metadata, struct stress *st,
		      const char *name, unsigned int secs)
{
	struct snapshot before, after;
	pthread_t chaos, filler;
	pthread_attr_t attr;
	long ops0 = atomic_load(&st->ops), errnos0 = atomic_load(&st->errnos);
	long allocs[NR_USED];
	int i, failed;

	snap(st, &before);	/* once to touch what it reads with */
	snap(st, &before);
	for (i = 0; i < NR_USED; i++)
		allocs[i] = atomic_load(&st->allocs[i]);
	atomic_store(&st->stop, false);
	pthread_attr_init(&attr);
	for (i = 0; i < st->nr_workers + 2; i++) {
		ASSERT_EQ(0, pthread_attr_setstack(&attr, st->stacks +
						   (size_t)i * STACK_SIZE,
						   STACK_SIZE));
		if (i < st->nr_workers) {
			struct worker *w = &st->w[i];

			memset(w, 0, sizeof(*w));
			w->st = st;
			w->seed = 0x2545f491 * (i + 1) + (unsigned int)ops0;
			ASSERT_EQ(0, pthread_create(&w->thread, &attr,
						    worker_main, w));
		} else {
			ASSERT_EQ(0, pthread_create(i == st->nr_workers ?
						    &chaos : &filler, &attr,
						    i == st->nr_workers ?
						    chaos_main : filler_main,
						    st));
		}
	}
	sleep(secs);
	atomic_store(&st->stop, true);
	for (i = 0; i < st->nr_workers; i++)
		pthread_join(st->w[i].thread, NULL);
	pthread_join(chaos, NULL);
	pthread_join(filler, NULL);
	pthread_attr_destroy(&attr);

	for (i = 0, failed = 0; i < st->nr_workers; i++)
		if (st->w[i].err[0]) {
			TH_LOG("%s: worker %d: %s", name, i, st->w[i].err);
			failed++;
		}
	EXPECT_EQ(0, failed);
	ASSERT_EQ(0, write_file("/sys/kernel/mm/dcma/" POOLED "/pool_pages",
				"512"));
	EXPECT_TRUE(pool_settles(POOLED, 512, 30)) {
		TH_LOG("%s: pool at %ld pages, target 512", name,
		       stat_of(POOLED, "pool_pages"));
	}
	EXPECT_TRUE(pool_settles(UNPOOLED, 0, 30)) {
		TH_LOG("%s: %s keeps %ld pages in a pool", name, UNPOOLED,
		       stat_of(UNPOOLED, "pool_pages"));
	}
	snap(st, &after);

	for (i = 0; i < NR_USED; i++) {
		struct region *b = find_region(before.r, before.n, used_regions[i]);
		struct region *a = find_region(after.r, after.n, used_regions[i]);
		long done = atomic_load(&st->allocs[i]) - allocs[i];

		ASSERT_NE(NULL, a);
		EXPECT_EQ(b->used, a->used) TH_LOG("%s: %s used", name, b->name);
		EXPECT_EQ(b->free, a->free) TH_LOG("%s: %s free", name, b->name);
		EXPECT_EQ(b->largest, a->largest)
			TH_LOG("%s: %s largest", name, b->name);
		EXPECT_EQ(b->buffers, a->buffers)
			TH_LOG("%s: %s buffers", name, b->name);
		EXPECT_EQ(b->holes, a->holes) TH_LOG("%s: %s holes", name, b->name);
		EXPECT_EQ(0, unaccounted(&before, i))
			TH_LOG("%s: %s pages unaccounted for before", name, b->name);
		EXPECT_EQ(0, unaccounted(&after, i)) {
			TH_LOG("%s: %s: %lu pages, %lu buddy, %lu lru, %lu reserved",
			       name, b->name, a->pages, after.pf[i].buddy,
			       after.pf[i].lru, after.pf[i].reserved);
			TH_LOG("%s: %s: %lu used, %ld in the pool", name,
			       b->name, a->used, after.pool[i]);
		}
		/*
		 * Under faults a call can fail after dcma's part succeeded
		 * (a dma-buf that cannot be exported, a mapping that cannot
		 * be made): dcma then counts an allocation and its free that
		 * the test never saw.
		 */
		if (st->faults) {
			EXPECT_LE(done, after.allocs[i] - before.allocs[i])
				TH_LOG("%s: %s allocations dcma counted", name, b->name);
		} else {
			EXPECT_EQ(done, after.allocs[i] - before.allocs[i])
				TH_LOG("%s: %s allocations dcma counted", name, b->name);
		}
		EXPECT_EQ(after.allocs[i] - before.allocs[i],
			  after.frees[i] - before.frees[i])
			TH_LOG("%s: %s frees dcma counted", name, b->name);
		TH_LOG("%s: %s: %ld allocations", name, b->name, done);
	}
	/*
	 * Free CMA memory as a whole moves with everyone's page cache, and
	 * claims move other users' pages out of the regions for good; but
	 * at rest every free page of a CMA area (by its page flags) must be
	 * on the page allocator's CMA free lists, not lost on another list
	 * (an isolation left behind), and CmaFree must count exactly those.
	 */
	EXPECT_EQ(before.cma_buddy, before.cma_lists);
	EXPECT_EQ(before.cma_lists, before.cma_free);
	EXPECT_EQ(after.cma_buddy, after.cma_lists);
	EXPECT_EQ(after.cma_lists, after.cma_free);
	EXPECT_EQ(before.reports, after.reports);
	TH_LOG("%s: %ld ops in %u s, %ld errnos", name,
	       atomic_load(&st->ops) - ops0, secs,
	       atomic_load(&st->errnos) - errnos0);
	TH_LOG("%s: CMA free before: %ld kB by kpageflags, %ld kB on the lists, CmaFree %ld kB",
	       name, before.cma_buddy, before.cma_lists, before.cma_free);
	TH_LOG("%s: CMA free after: %ld kB by kpageflags, %ld kB on the lists, CmaFree %ld kB",
	       name, after.cma_buddy, after.cma_lists, after.cma_free);
}

TEST_F_TIMEOUT(stress, load, 1800)
{
	run_phase(_metadata, &self->st, "load", self->secs);
}

/* The load with each fault point failing the workers' calls in turn */
TEST_F_TIMEOUT(stress, faults, 3600)
{
	int have = 0;

	for (size_t i = 0; i < ARRAY_SIZE(faults); i++) {
		const struct fault *f = &faults[i];
		long injected;
		char times[32];

		if (access(f->dir, F_OK)) {
			TH_LOG("%s: not in this kernel", f->name);
			continue;
		}
		have++;
		snprintf(times, sizeof(times), "%ld", FAULT_TIMES);
		ASSERT_EQ(0, fault_set(f, "task-filter", "Y"));
		ASSERT_EQ(0, fault_set(f, "verbose", "0"));
		ASSERT_EQ(0, fault_set(f, "interval", "1"));
		ASSERT_EQ(0, fault_set(f, "times", times));
		for (int j = 0; j < 4 && f->extra[j]; j++) {
			char file[64];
			const char *eq = strchr(f->extra[j], '=');

			snprintf(file, sizeof(file), "%.*s",
				 (int)(eq - f->extra[j]), f->extra[j]);
			ASSERT_EQ(0, fault_set(f, file, eq + 1));
		}
		ASSERT_EQ(0, fault_set(f, "probability", "10"));
		self->st.faults = true;
		run_phase(_metadata, &self->st, f->name, self->secs);
		self->st.faults = false;
		ASSERT_EQ(0, fault_set(f, "probability", "0"));
		injected = FAULT_TIMES - fault_read(f, "times");
		TH_LOG("%s: %ld faults injected", f->name, injected);
		EXPECT_GT(injected, 0);
	}
	if (!have)
		SKIP(return, "no fault injection in this kernel (CONFIG_FAULT_INJECTION_DEBUG_FS)");
}

TEST_HARNESS_MAIN
