// SPDX-License-Identifier: GPL-2.0
/*
 * dcma regions seen from userspace: the regions the boot asked for exist
 * (and the malformed ones were reported and skipped), allocations through
 * the root-only test knob land inside their region, aligned and disjoint,
 * references count, accounting returns to where it started, reusable
 * regions are really lent to the page cache and taken back, and exclusive
 * ones never are.
 *
 * Needs CONFIG_DCMA_DEBUG (the /sys/kernel/debug/dcma/test knob) and a boot
 * with regions; skips otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "dcma_util.h"

FIXTURE(dcma) {
	struct region r[MAX_REGIONS];
	int n;
};

FIXTURE_SETUP(dcma)
{
	if (access(DCMA_DIR "/regions", R_OK))
		SKIP(return, DCMA_DIR "/regions is missing (CONFIG_DCMA?)");
	if (access(KNOB, W_OK))
		SKIP(return, KNOB " is missing (CONFIG_DCMA_DEBUG?)");
	self->n = read_regions(self->r, MAX_REGIONS);
	ASSERT_GE(self->n, 0);
	if (!self->n)
		SKIP(return, "no dcma region (boot with dcma=...)");
}

FIXTURE_TEARDOWN(dcma)
{
}

/*
 * Every region of "dcma=" exists unless the kernel log says it was
 * skipped, with its token, and a skipped one does not exist.
 */
TEST_F(dcma, cmdline_regions)
{
	char cmdline[4096], *p, *tok, *save, needle[200];
	int present = 0, skipped = 0;
	const char *log;

	ASSERT_TRUE(read_cmdline(cmdline, sizeof(cmdline)));
	p = cmdline_value(cmdline, "dcma");
	if (!p)
		SKIP(return, "no dcma= on the command line");
	log = klog();
	ASSERT_NE(NULL, log);

	for (tok = strtok_r(p, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		bool parse_error, place_error;
		char name[64];
		char *hit;

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(tok, "="), tok);

		/* rejected by the parser, or when it was to be reserved */
		snprintf(needle, sizeof(needle), "skipped \"%s\" in dcma=: ", tok);
		hit = strstr(log, needle);
		parse_error = !!hit;
		if (!hit) {
			snprintf(needle, sizeof(needle), "dcma: region %s skipped: ",
				 name);
			hit = strstr(log, needle);
		}
		place_error = !parse_error && hit;
		if (hit) {
			TH_LOG("token \"%s\": %.*s", tok, (int)strcspn(hit, "\n"), hit);
			ASSERT_EQ(NULL, strstr(hit + 1, needle)) {
				TH_LOG("\"%s\" reported twice", tok);
			}
			skipped++;
		} else {
			TH_LOG("token \"%s\": region %s", tok, name);
		}
		if (place_error)
			ASSERT_EQ(NULL, find_region(self->r, self->n, name));
		/* a repeated name exists from its first token */
		if (hit)
			continue;
		ASSERT_NE(NULL, find_region(self->r, self->n, name)) {
			TH_LOG("region %s is missing", name);
		}
		present++;
	}
	TH_LOG("%d regions kept, %d tokens skipped", present, skipped);
	ASSERT_GT(present, 0);
}

/* A property of a reserved-memory node: its length, or -1 */
static ssize_t dt_read(const char *node, const char *prop, void *buf,
		       size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/device-tree/reserved-memory/%s/%s",
		 node, prop);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

static bool dt_string(const char *node, const char *prop, char *buf, size_t len)
{
	ssize_t n = dt_read(node, prop, buf, len - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* A size property of a reserved-memory node (1 or 2 big-endian cells) */
static bool dt_size(const char *node, const char *prop, unsigned long long *val)
{
	unsigned char buf[8];
	ssize_t n = dt_read(node, prop, buf, sizeof(buf));

	if (n != 4 && n != 8)
		return false;
	*val = 0;
	for (int i = 0; i < n; i++)
		*val = *val << 8 | buf[i];
	return true;
}

/*
 * Every "linux,dcma" reserved-memory node is a region named after its
 * label or node name, except a malformed one (no-map, a bad label, a
 * pool larger than the region), which the kernel log reports as
 * skipped; a region's "linux,dcma-pool" is its pool target.  With "dcma.shared_dma_pool=1" the
 * reusable "shared-dma-pool" nodes other than the default CMA area are
 * regions too.
 */
TEST_F(dcma, dt_regions)
{
	bool takeover = cmdline_has("dcma.shared_dma_pool=1");
	char compat[128], name[64], needle[300];
	unsigned long long pool_size;
	const char *log;
	int found = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/proc/device-tree/reserved-memory");
	if (!dir)
		SKIP(return, "no device tree reserved-memory");
	log = klog();
	ASSERT_NE(NULL, log);

	while ((de = readdir(dir))) {
		bool dcma_node, pool, skipped;

		if (!dt_string(de->d_name, "compatible", compat, sizeof(compat)))
			continue;
		dcma_node = !strcmp(compat, "linux,dcma");
		pool = !strcmp(compat, "shared-dma-pool") &&
		       dt_string(de->d_name, "reusable", name, sizeof(name)) &&
		       !dt_string(de->d_name, "linux,cma-default", name, sizeof(name));
		if (!dcma_node && !(pool && takeover))
			continue;
		found++;
		if (!dt_string(de->d_name, "label", name, sizeof(name)))
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(de->d_name, "@"), de->d_name);
		snprintf(needle, sizeof(needle),
			 "reserved-memory node %s skipped: ", de->d_name);
		skipped = strstr(log, needle);
		if (!skipped) {
			snprintf(needle, sizeof(needle), "dcma: region %s skipped: ",
				 name);
			skipped = strstr(log, needle);
		}
		TH_LOG("node %s (%s): %s%s", de->d_name, compat,
		       skipped ? "skipped, " : "region ", skipped ? "as reported" : name);
		if (dt_string(de->d_name, "no-map", compat, sizeof(compat)))
			EXPECT_TRUE(skipped);
		/* a skipped node makes no region, any other node does */
		EXPECT_EQ(skipped, !find_region(self->r, self->n, name));
		/* and "linux,dcma-pool" is its pool, in pages */
		if (!skipped && dt_size(de->d_name, "linux,dcma-pool", &pool_size))
			EXPECT_EQ((long)(pool_size / PAGE),
				  sysfs_counter(name, "pool_pages"))
				TH_LOG("region %s", name);
	}
	closedir(dir);
	if (!found)
		SKIP(return, "no linux,dcma node in the device tree");
}

/* CmaTotal is mainline's areas plus dcma's reusable regions. */
TEST_F(dcma, cma_total_agrees)
{
	unsigned long pages = 0;
	struct dirent *de;
	long long count;
	DIR *dir;

	for (int i = 0; i < self->n; i++)
		if (!strcmp(self->r[i].mode, "reusable"))
			pages += self->r[i].pages;
	dir = opendir("/sys/kernel/debug/cma");
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		count = cma_area_read(de->d_name, "count");
		ASSERT_GE(count, 0) TH_LOG("cma area %s: no count", de->d_name);
		pages += count;
	}
	if (dir)
		closedir(dir);
	ASSERT_EQ((long)(pages * PAGE / 1024), meminfo_kb("CmaTotal"));
}

/* Allocations land inside the region, aligned, and never overlap. */
TEST_F(dcma, alloc_inside_aligned_disjoint)
{
	static const unsigned long sizes[] = { 1, 3, 16, 5, 64, 2, 33 };
	static const unsigned long aligns[] = { 0, 1, 4, 16, 1, 256, 8 };

	for (int i = 0; i < self->n; i++) {
		struct region *r = &self->r[i], *now;
		unsigned long long phys[64];
		unsigned long bytes[64], total = 0;
		struct region after[MAX_REGIONS];
		long cma0;
		int k, m = 0, ret;

		ASSERT_EQ(0, knob("drain", NULL, 0));
		cma0 = meminfo_kb("CmaFree");

		for (k = 0; k < 64; k++) {
			unsigned long size = sizes[k % 7] * PAGE;
			unsigned long align = aligns[k % 7] * PAGE;

			ret = knob_alloc(r->name, size, align, &phys[m], &bytes[m]);
			if (ret) {
				ASSERT_EQ(-ENOMEM, ret);
				break;
			}
			ASSERT_EQ(size, bytes[m]);
			ASSERT_GE(phys[m], r->base);
			ASSERT_LE(phys[m] + bytes[m], r->base + r->pages * PAGE);
			if (align)
				ASSERT_EQ(0, phys[m] % align);
			for (int j = 0; j < m; j++)
				ASSERT_TRUE(phys[m] + bytes[m] <= phys[j] ||
					    phys[j] + bytes[j] <= phys[m]);
			total += bytes[m];
			m++;
		}
		ASSERT_EQ(self->n, read_regions(after, MAX_REGIONS));
		now = find_region(after, self->n, r->name);
		ASSERT_NE(NULL, now);
		ASSERT_EQ(r->used + total / PAGE, now->used);
		ASSERT_EQ(r->buffers + m, now->buffers);
		TH_LOG("%s: %d buffers, %lu pages, CmaFree %ld -> %ld kB",
		       r->name, m, total / PAGE, cma0, meminfo_kb("CmaFree"));

		for (int j = 0; j < m; j++)
			ASSERT_EQ(0, knob_ref("put", phys[j]));
		ASSERT_EQ(self->n, read_regions(after, MAX_REGIONS));
		now = find_region(after, self->n, r->name);
		ASSERT_EQ(r->used, now->used);
		ASSERT_EQ(r->free, now->free);
		ASSERT_EQ(r->buffers, now->buffers);
		ASSERT_EQ(r->holes, now->holes);
		/*
		 * the pages are back; allow for this process's own faults,
		 * and for a pool's worker, which refills the pool and
		 * gives the puts' surplus back in the background.  More
		 * free than before is no leak: the claims migrated pages
		 * that were lent out of the region.
		 */
		for (int t = 0; t < 50; t++) {
			ASSERT_EQ(0, knob("drain", NULL, 0));
			if (cma0 - meminfo_kb("CmaFree") <= 256)
				break;
			usleep(100000);
		}
		ASSERT_LE(cma0 - meminfo_kb("CmaFree"), 256) {
			TH_LOG("CmaFree %ld kB before, %ld kB after", cma0,
			       meminfo_kb("CmaFree"));
		}
	}
}

/* References count; the last put frees; unknown addresses change nothing. */
TEST_F(dcma, get_put)
{
	struct region *r = &self->r[0], after[MAX_REGIONS];
	unsigned long long phys;
	unsigned long bytes;

	ASSERT_EQ(0, knob_alloc(r->name, 2 * PAGE, 0, &phys, &bytes));
	ASSERT_EQ(0, knob_ref("get", phys));
	ASSERT_EQ(0, knob_ref("put", phys));
	ASSERT_EQ(0, knob_ref("put", phys));	/* last: freed */
	ASSERT_EQ(-ENOENT, knob_ref("put", phys));
	ASSERT_EQ(-ENOENT, knob_ref("get", phys));
	ASSERT_EQ(-ENOENT, knob_ref("get", phys + PAGE));
	ASSERT_EQ(-ENOENT, knob_ref("put", 0x1000));
	ASSERT_EQ(self->n, read_regions(after, MAX_REGIONS));
	ASSERT_EQ(r->used, find_region(after, self->n, r->name)->used);
}

/* Malformed knob commands fail with a clear errno and change nothing. */
TEST_F(dcma, knob_bad_input)
{
	char big[200], cmd[96];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_EQ(-EINVAL, knob("frobnicate", NULL, 0));
	ASSERT_EQ(-EINVAL, knob("alloc", NULL, 0));
	ASSERT_EQ(-ENODEV, knob("alloc no-such-region 4096", NULL, 0));
	ASSERT_EQ(-EINVAL, knob(big, NULL, 0));
	ASSERT_EQ(-EINVAL, knob("put zero", NULL, 0));
	snprintf(cmd, sizeof(cmd), "alloc %s 0", self->r[0].name);
	ASSERT_EQ(-EINVAL, knob(cmd, NULL, 0));
	snprintf(cmd, sizeof(cmd), "alloc %s 4096 12288", self->r[0].name);
	ASSERT_EQ(-EINVAL, knob(cmd, NULL, 0));
	snprintf(cmd, sizeof(cmd), "alloc %s 4096 0 extra", self->r[0].name);
	ASSERT_EQ(-EINVAL, knob(cmd, NULL, 0));
}

/* The sysfs counters move exactly as this test's allocations say. */
TEST_F(dcma, sysfs_counters)
{
	const char *name = self->r[0].name;
	unsigned long long phys, phys2;
	long ok0, fail0, rel0, avail0;
	unsigned long bytes;

	ok0 = sysfs_counter(name, "alloc_pages_success");
	fail0 = sysfs_counter(name, "alloc_pages_fail");
	rel0 = sysfs_counter(name, "release_pages_success");
	avail0 = sysfs_counter(name, "available_pages");
	ASSERT_GE(ok0, 0);
	ASSERT_EQ((long)self->r[0].pages, sysfs_counter(name, "total_pages"));
	ASSERT_EQ((long)self->r[0].free, avail0);

	ASSERT_EQ(0, knob_alloc(name, 4 * PAGE, 0, &phys, &bytes));
	ASSERT_EQ(ok0 + 4, sysfs_counter(name, "alloc_pages_success"));
	ASSERT_EQ(avail0 - 4, sysfs_counter(name, "available_pages"));
	/* the whole region cannot fit beside those 4 pages */
	ASSERT_EQ(-ENOMEM, knob_alloc(name, self->r[0].pages * PAGE, 0, &phys2,
				      &bytes));
	ASSERT_EQ(fail0 + (long)self->r[0].pages,
		  sysfs_counter(name, "alloc_pages_fail"));
	ASSERT_EQ(0, knob_ref("get", phys));
	ASSERT_EQ(0, knob_ref("put", phys));
	ASSERT_EQ(rel0, sysfs_counter(name, "release_pages_success"));
	ASSERT_EQ(0, knob_ref("put", phys));
	ASSERT_EQ(rel0 + 4, sysfs_counter(name, "release_pages_success"));
	ASSERT_EQ(avail0, sysfs_counter(name, "available_pages"));
}

/* @path is a regular file of root's with exactly @mode. */
static void expect_mode(struct __test_metadata *_metadata, const char *path,
			mode_t mode)
{
	struct stat st;

	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
	EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s is not a file", path);
	EXPECT_EQ(0U, st.st_uid) TH_LOG("%s is not root's", path);
	EXPECT_EQ(mode, st.st_mode & 07777)
		TH_LOG("%s: mode %o, want %o", path, st.st_mode & 07777, mode);
}

/*
 * Only root reads the buffers or drives the test knob.  debugfs is mounted
 * 0700, which would deny every non-root open whatever the files' modes,
 * so the files' modes are read with stat(), and debugfs is remounted 0755
 * while a non-root child tries them: it must open the world-readable
 * regions file (so the directories let it through) and be refused the
 * others by their own modes.
 */
TEST_F(dcma, non_root_denied)
{
	char path[256];
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), DCMA_DIR "/%s/buffers", self->r[0].name);
	expect_mode(_metadata, KNOB, 0600);
	expect_mode(_metadata, path, 0400);
	expect_mode(_metadata, DCMA_DIR "/regions", 0444);

	ASSERT_EQ(0, mount(NULL, DEBUGFS, NULL, MS_REMOUNT, "mode=0755"))
		TH_LOG("remount debugfs: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(DCMA_DIR "/regions", O_RDONLY);
		if (fd < 0)
			_exit(5);
		close(fd);
		if (open(KNOB, O_RDWR) >= 0 || errno != EACCES)
			_exit(3);
		if (open(path, O_RDONLY) >= 0 || errno != EACCES)
			_exit(4);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ASSERT_EQ(0, mount(NULL, DEBUGFS, NULL, MS_REMOUNT, "mode=0700"));
	ASSERT_GE(pid, 0);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_NE(5, WEXITSTATUS(status))
		TH_LOG("non-root cannot open the world-readable regions file");
	EXPECT_NE(3, WEXITSTATUS(status)) TH_LOG("non-root opened the knob");
	EXPECT_NE(4, WEXITSTATUS(status)) TH_LOG("non-root opened %s", path);
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/*
 * A repeated dcma= or dcma_map= keeps only its last value, as most
 * parameters do, and the log says so once: nothing of an earlier one
 * exists (the arm64-takeover boot's first dcma= declares "dropped").
 */
TEST_F(dcma, repeated_params)
{
	char cmdline[4096], map[8192];
	int regions, rules;
	const char *log;
	size_t n;
	FILE *f;

	ASSERT_TRUE(read_cmdline(cmdline, sizeof(cmdline)));
	regions = cmdline_count(cmdline, "dcma");
	rules = cmdline_count(cmdline, "dcma_map");
	if (regions < 2 && rules < 2)
		SKIP(return, "neither dcma= nor dcma_map= is repeated");
	log = klog();
	ASSERT_NE(NULL, log);
	EXPECT_EQ(regions > 1,
		  count_in(log, "dcma= is given more than once; only the last one counts"));
	EXPECT_EQ(rules > 1,
		  count_in(log, "dcma_map= is given more than once; only the last one counts"));
	EXPECT_EQ(NULL, find_region(self->r, self->n, "dropped"));
	f = fopen(DCMA_DIR "/map", "r");
	ASSERT_NE(NULL, f);
	n = fread(map, 1, sizeof(map) - 1, f);
	map[n] = '\0';
	fclose(f);
	EXPECT_EQ(NULL, strstr(map, "dropped"));
}

/*
 * Fill memory with page cache until a reusable region is lent out; then
 * take that whole region (its pages migrate away), and check that an
 * exclusive region was never lent.  The fill takes seconds on a plain
 * kernel but minutes on the debug kernels (KASAN, kmemleak, DEBUG_VM)
 * under TCG, hence the timeout; it stops as soon as one region is an
 * eighth lent, and still is once the per-CPU free lists are drained.
 */
TEST_F_TIMEOUT(dcma, reusable_lent_and_taken_back, 600)
{
	struct region now[MAX_REGIONS], *reusable = NULL, *lent = NULL;
	struct region *drained;
	long total_kb = meminfo_kb("MemTotal");
	char chunk[1 << 16];
	unsigned long long phys;
	unsigned long bytes, chunks = 0;
	struct timespec t0, t1;
	int fd, i, n = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < self->n; i++)
		if (!strcmp(self->r[i].mode, "reusable") && !self->r[i].used)
			reusable = &self->r[i];
	if (!reusable)
		SKIP(return, "no idle reusable region");

	/* shmem page cache, without tmpfs's size limit */
	memset(chunk, 0x5a, sizeof(chunk));
	fd = memfd_create("dcma-fill", 0);
	ASSERT_GE(fd, 0);
	while (meminfo_kb("MemAvailable") > total_kb / 16) {
		for (i = 0; i < 64; i++)
			ASSERT_EQ((ssize_t)sizeof(chunk),
				  write(fd, chunk, sizeof(chunk)));
		chunks += 64;
		/* an eighth of a region in use by the page cache is no noise */
		n = read_regions(now, MAX_REGIONS);
		for (i = 0; i < n; i++)
			if (!strcmp(now[i].mode, "reusable") && !now[i].used &&
			    now[i].lent >= now[i].pages / 8)
				lent = find_region(self->r, self->n, now[i].name);
		if (!lent)
			continue;
		/*
		 * Free pages on the per-CPU lists are not in the buddy lists,
		 * so they count as lent until drained; a small region can
		 * have an eighth of its pages there.  Still lent once drained
		 * is lent to the page cache.
		 */
		ASSERT_EQ(0, knob("drain", NULL, 0));
		n = read_regions(now, MAX_REGIONS);
		drained = find_region(now, n, lent->name);
		if (drained && drained->lent >= drained->pages / 8)
			break;
		lent = NULL;
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%lu MiB of page cache in %ld s", chunks * sizeof(chunk) >> 20,
	       (long)(t1.tv_sec - t0.tv_sec));
	n = read_regions(now, MAX_REGIONS);
	ASSERT_NE(NULL, lent) {
		TH_LOG("no reusable region was an eighth lent before memory ran low");
	}
	/*
	 * The page allocator's view, not dcma's lent column: the lent region
	 * holds page cache (on the LRU once the per-CPU batches are drained),
	 * and no page of an exclusive region ever left memblock's reserved
	 * pages for the page allocator.
	 */
	ASSERT_EQ(0, knob("drain", NULL, 0));
	for (i = 0; i < n; i++) {
		struct page_flags pf;

		ASSERT_EQ(0, page_flags(&now[i], &pf));
		TH_LOG("%s (%s): %lu of %lu pages lent; "
		       "kpageflags: %lu lru, %lu buddy, %lu reserved",
		       now[i].name, now[i].mode, now[i].lent, now[i].pages,
		       pf.lru, pf.buddy, pf.reserved);
		if (!strcmp(now[i].name, lent->name))
			EXPECT_GT(pf.lru, 0UL);
		if (strcmp(now[i].mode, "exclusive"))
			continue;
		EXPECT_EQ(0UL, pf.lru);
		EXPECT_EQ(0UL, pf.buddy);
		EXPECT_EQ(now[i].pages, pf.reserved);
	}

	/* the whole region, its lent pages migrated out first */
	ASSERT_EQ(0, knob_alloc(lent->name, lent->pages * PAGE, 0, &phys, &bytes));
	ASSERT_EQ(lent->base, phys);
	ASSERT_EQ(0, knob_ref("get", phys));
	read_regions(now, MAX_REGIONS);
	ASSERT_EQ(0UL, find_region(now, n, lent->name)->lent);
	ASSERT_EQ(0, knob_ref("put", phys));
	ASSERT_EQ(0, knob_ref("put", phys));
	close(fd);
	read_regions(now, MAX_REGIONS);
	ASSERT_EQ(0UL, find_region(now, n, lent->name)->used);
}

TEST_HARNESS_MAIN
