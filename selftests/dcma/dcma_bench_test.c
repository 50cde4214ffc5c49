// SPDX-License-Identifier: GPL-2.0
/*
 * A smoke run of the benchmark (CONFIG_DCMA_BENCH): every command gives
 * well-formed figures for both dcma and mainline CMA, bad commands and bad
 * pool targets are refused, and a region's pool fills up and serves
 * allocations.  The figures themselves are not judged; "make bench" does
 * that.  Runs in the benchmark boots ("dcma.bench=1" on the command line),
 * which have its devices ("linux,dcma-bench" device-tree nodes, or "cma="
 * and dcma_map= rules for dcma-bench.0 and .2), the dcma regions
 * bench-a (reusable) and bench-x (exclusive), bench-r (2 MiB, with
 * "pool=2M") and the refused bench-bad; skipped elsewhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../kselftest_harness.h"
#include "dcma_util.h"

#define BENCH		DCMA_DIR "/bench"
#define POOL(r)	"/sys/kernel/mm/dcma/" r "/pool_pages"

static char out[65536];

/* One command; 0 and the results in out[], or -errno */
static int bench(const char *cmd)
{
	ssize_t n;
	int fd;

	fd = open(BENCH, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return 0;
}

/* The "result" line of scenario @scen for @dev ("dcma" or "mainline") */
static const char *find_result(const char *scen, const char *dev)
{
	char key[64];

	snprintf(key, sizeof(key), "result scen=%s dev=%s ", scen, dev);
	return strstr(out, key);
}

/* A field "name=value" of a line, or -1 */
static long long field(const char *line, const char *name)
{
	char key[32];
	const char *p, *end = line ? strchr(line, '\n') : NULL;

	if (!line)
		return -1;
	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(line, key);
	if (!p || (end && p > end))
		return -1;
	return strtoll(p + strlen(key), NULL, 10);
}

/* The cdf line for @dev has 51 non-decreasing points */
static int cdf_ok(const char *scen, const char *dev)
{
	char key[64];
	const char *p;
	long long prev = -1, v;
	int n = 0;
	char *end;

	snprintf(key, sizeof(key), "cdf scen=%s dev=%s ", scen, dev);
	p = strstr(out, key);
	if (p)
		p = strstr(p, "ns=");
	if (!p)
		return 0;
	p += 3;
	for (;;) {
		v = strtoll(p, &end, 10);
		if (end == p || v < prev)
			return 0;
		prev = v;
		n++;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return n == 51;
}

FIXTURE(bench) {
	bool skip;
};

/*
 * SKIP() in the setup does not keep this harness from running the body, so
 * each test checks self->skip itself
 */
#define NO_BENCH	"not a benchmark boot (no dcma.bench=1)"

FIXTURE_SETUP(bench)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char cmdline[4096] = "";
	struct stat st;

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	/* only the benchmark boots ("dcma.bench=1") have its devices */
	self->skip = !strstr(cmdline, "dcma.bench=1");
	if (self->skip)
		return;
	ASSERT_EQ(0, stat(BENCH, &st)) TH_LOG("no %s (CONFIG_DCMA_BENCH)", BENCH);
	ASSERT_EQ(0, bench("idle 4096 1"))
		TH_LOG("the benchmark devices are missing or unbound");
}

FIXTURE_TEARDOWN(bench) {}

TEST_F(bench, pairs)
{
	static const char * const scens[] = { "idle", "pressure", "pinned" };
	static const char * const cmds[] = {
		"idle 65536 5", "pressure 65536 3 0", "pinned 65536 3",
	};
	const char *dcma, *ml;

	if (self->skip)
		SKIP(return, NO_BENCH);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, bench(cmds[i])) TH_LOG("%s", cmds[i]);
		dcma = find_result(scens[i], "dcma");
		ml = find_result(scens[i], "mainline");
		ASSERT_NE(NULL, dcma) TH_LOG("%s: no dcma line in:\n%s", cmds[i], out);
		ASSERT_NE(NULL, ml) TH_LOG("%s: no mainline line", cmds[i]);
		EXPECT_EQ(0, field(dcma, "fail")) TH_LOG("%s", dcma);
		EXPECT_EQ(field(dcma, "n"), field(ml, "n"));
		EXPECT_GT(field(dcma, "p50"), 0);
		EXPECT_LE(field(dcma, "p50"), field(dcma, "p99"));
		EXPECT_LE(field(dcma, "p99"), field(dcma, "max"));
		EXPECT_GT(field(dcma, "floor_p50"), 0);
		EXPECT_TRUE(cdf_ok(scens[i], "dcma"));
		EXPECT_TRUE(cdf_ok(scens[i], "mainline"));
	}
}

TEST_F(bench, churn)
{
	const char *dcma, *ml, *lines[2];
	unsigned int i;

	if (self->skip)
		SKIP(return, NO_BENCH);
	ASSERT_EQ(0, bench("churn 300 7"));
	dcma = find_result("churn", "dcma");
	ml = find_result("churn", "mainline");
	ASSERT_NE(NULL, dcma) TH_LOG("%s", out);
	ASSERT_NE(NULL, ml);
	EXPECT_GT(field(dcma, "allocs"), 0);
	EXPECT_LE(field(dcma, "fit_fails"), field(dcma, "fits"));
	EXPECT_GE(field(ml, "success_permille"), 0);
	EXPECT_LE(field(ml, "success_permille"), 1000);
	/*
	 * A request that fits at its alignment fits in a free run, and one
	 * that fits in a free run fits in the free space.
	 */
	lines[0] = dcma;
	lines[1] = ml;
	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		EXPECT_GE(field(lines[i], "afits"), 0) TH_LOG("%s", lines[i]);
		EXPECT_LE(field(lines[i], "afits"), field(lines[i], "run_fits"));
		EXPECT_LE(field(lines[i], "run_fits"), field(lines[i], "fits"));
		EXPECT_GE(field(lines[i], "afit_fails"), 0);
		EXPECT_LE(field(lines[i], "afit_fails"),
			  field(lines[i], "run_fit_fails"));
	}
}

TEST_F(bench, concurrency)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char cmd[64];
	int t = cpus >= 2 ? 2 : 1;

	if (self->skip)
		SKIP(return, NO_BENCH);
	snprintf(cmd, sizeof(cmd), "conc 65536 5 %d", t);
	ASSERT_EQ(0, bench(cmd));
	EXPECT_EQ(5 * t, field(find_result("conc", "dcma"), "ops")) TH_LOG("%s", out);
	EXPECT_EQ(0, field(find_result("conc", "dcma"), "fails"));
	EXPECT_EQ(5 * t, field(find_result("conc", "mainline"), "ops"));
	snprintf(cmd, sizeof(cmd), "conc 65536 5 %ld", cpus + 1);
	EXPECT_EQ(-EINVAL, bench(cmd));
}

TEST_F(bench, parts)
{
	static const char * const keys[] = {
		"page_alloc_ns", "region_ns", "dma_dcma_ns", "dma_mainline_ns",
		"memset_ns",
	};
	const char *line;
	size_t i;

	if (self->skip)
		SKIP(return, NO_BENCH);
	ASSERT_EQ(0, bench("parts 4096 3"));
	line = strstr(out, "result scen=parts ");
	ASSERT_NE(NULL, line) TH_LOG("%s", out);
	EXPECT_EQ(4096, field(line, "size"));
	EXPECT_EQ(3, field(line, "n"));
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		EXPECT_GT(field(line, keys[i]), 0) TH_LOG("%s", line);
	EXPECT_EQ(0, field(line, "outside"));
	EXPECT_EQ(-EINVAL, bench("parts 4096"));
}

TEST_F(bench, bad_commands)
{
	if (self->skip)
		SKIP(return, NO_BENCH);
	EXPECT_EQ(-EINVAL, bench("idle 0 1"));
	EXPECT_EQ(-EINVAL, bench("idle 4096"));
	EXPECT_EQ(-EINVAL, bench("pressure 4096 1 101"));
	EXPECT_EQ(-EINVAL, bench("bogus 4096 1"));
	EXPECT_EQ(-EINVAL, bench("idle 4096 1 1"));
}

TEST_F(bench, pool)
{
	long before, hits;
	int i;

	if (self->skip)
		SKIP(return, NO_BENCH);
	EXPECT_EQ(-EINVAL, write_file(POOL("bench-a"), "many"));
	EXPECT_EQ(-EINVAL, write_file(POOL("bench-a"), "99999999"));
	EXPECT_EQ(-EOPNOTSUPP, write_file(POOL("bench-x"), "512"));

	ASSERT_EQ(0, write_file(POOL("bench-a"), "1000"));
	/* claimed in the background */
	for (i = 0; i < 100 && stat_of("bench-a", "pool_pages") < 1000; i++)
		usleep(100000);
	EXPECT_GE(stat_of("bench-a", "pool_pages"), 1000);
	EXPECT_GE(stat_of("bench-a", "pool_target"), 1000);

	before = stat_of("bench-a", "pages_from_pool");
	ASSERT_EQ(0, bench("idle 65536 4"));
	hits = stat_of("bench-a", "pages_from_pool") - before;
	EXPECT_EQ(4 * 16, hits) TH_LOG("%ld pages came from the pool", hits);
	/* puts refill it: still full */
	EXPECT_GE(stat_of("bench-a", "pool_pages"), 1000);

	ASSERT_EQ(0, write_file(POOL("bench-a"), "0"));
	for (i = 0; i < 100 && stat_of("bench-a", "pool_pages") > 0; i++)
		usleep(100000);
	EXPECT_EQ(0, stat_of("bench-a", "pool_pages"));
}

/*
 * "pool=" on the command line: bench-r fills its pool at boot, and
 * bench-bad (exclusive) is refused with one message naming the problem
 */
TEST_F(bench, boot_pool)
{
	const char *log;
	char want[256];
	int i;

	if (self->skip)
		SKIP(return, NO_BENCH);
	ASSERT_TRUE(cmdline_has("dcma=")) TH_LOG("no dcma= on the command line");
	for (i = 0; i < 100 && stat_of("bench-r", "pool_pages") < 512; i++)
		usleep(100000);
	EXPECT_EQ(512, stat_of("bench-r", "pool_target"));
	EXPECT_EQ(512, stat_of("bench-r", "pool_pages"));

	log = klog();
	ASSERT_NE(NULL, log);
	snprintf(want, sizeof(want),
		 "skipped \"bench-bad=4M,exclusive,pool=1M\" in dcma=: pool on an exclusive region");
	EXPECT_NE(NULL, strstr(log, want)) TH_LOG("no \"%s\" in the log", want);
	/* and nothing of it was created */
	EXPECT_EQ(NULL, strstr(log, "region bench-bad:"));
	EXPECT_EQ(-1, stat_of("bench-bad", "pool_pages"));
}

/*
 * The camera-open benchmark's tool: two opens of vivid.0 reach a frame,
 * with the buffers where they belong (its dcma region where a rule binds
 * it, as on x86_64; mainline's default area where none does, as on
 * arm64), and well-formed figures
 */
TEST_F_TIMEOUT(bench, camera, 300)
{
	const char *dev, *r;
	char regs[8];
	FILE *p;
	size_t n;

	if (self->skip)
		SKIP(return, NO_BENCH);
	dev = bound_regions("vivid.0", NULL, regs, sizeof(regs)) ? "dcma" :
								   "mainline";
	p = popen("./dcma_camera_bench idle 2 1920x1080 2>&1", "r");
	ASSERT_NE(NULL, p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	EXPECT_EQ(0, pclose(p)) TH_LOG("%s", out);
	r = find_result("camera-idle", dev);
	ASSERT_NE(NULL, r) TH_LOG("no %s line in:\n%s", dev, out);
	TH_LOG("%.*s", (int)strcspn(r, "\n"), r);
	EXPECT_EQ(2, field(r, "n"));
	EXPECT_EQ(0, field(r, "fail"));
	EXPECT_EQ(0, field(r, "outside"));
	EXPECT_EQ(1920 * 1080 * 2, field(r, "size"));
	EXPECT_GT(field(r, "alloc_p50"), 0);
	EXPECT_LE(field(r, "alloc_p50"), field(r, "p50"));
	EXPECT_LE(field(r, "p50"), field(r, "p99"));
	EXPECT_LE(field(r, "p99"), field(r, "max"));
	EXPECT_TRUE(cdf_ok("camera-idle", dev));
}

TEST_HARNESS_MAIN
