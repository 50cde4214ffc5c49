// SPDX-License-Identifier: GPL-2.0
/*
 * Devices bound to dcma regions, seen from userspace: unchanged drivers
 * (virtio-blk, nvme, e1000e, the edu sample) draw their coherent buffers
 * from the regions their device is bound to, by dcma_map= or the device
 * tree, and still work; a device no rule names is left alone; the rules'
 * policies, kinds, the DMA mask and device removal behave as documented;
 * every malformed rule is reported once.
 *
 * debugfs "map" tells which devices are bound, each region's "buffers"
 * which device owns what.  The test knob's devices (dcma-test.N) cover
 * what real drivers cannot be made to do on demand.  Tests whose devices
 * are absent skip.
 */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "dcma_util.h"

#define MAX_BUFS	512
#define IO_SIZE		(1UL << 20)

struct buffer {
	unsigned long long phys;
	unsigned long pages;
	unsigned int refs;
	char owner[64], kind[32];
	const struct region *region;
};

static struct region regions[MAX_REGIONS];
static int nr_regions;
static struct buffer bufs[MAX_BUFS];

/* Every live buffer of every region; the count, or -errno. */
static int read_buffers(void)
{
	char path[128], line[256];
	unsigned long age;
	int n = 0;
	FILE *f;

	nr_regions = read_regions(regions, MAX_REGIONS);
	for (int i = 0; i < nr_regions; i++) {
		if (!strcmp(regions[i].mode, "inactive"))
			continue;
		snprintf(path, sizeof(path), DCMA_DIR "/%s/buffers",
			 regions[i].name);
		f = fopen(path, "r");
		if (!f)
			return -errno;
		while (n < MAX_BUFS && fgets(line, sizeof(line), f)) {
			struct buffer *b = &bufs[n];

			if (line[0] == '#')
				continue;
			if (sscanf(line, "%llx %lu %u %lu %63s %31s", &b->phys,
				   &b->pages, &b->refs, &age, b->owner,
				   b->kind) != 6)
				continue;
			b->region = &regions[i];
			n++;
		}
		fclose(f);
	}
	return n;
}

/* Whether @b was allocated for @dev, for any kind. */
static bool owner_is(const struct buffer *b, const char *dev)
{
	return !strcmp(b->owner, dev);
}

/* Buffers owned by @dev (for any kind); the one at @phys in *@at. */
static int owned_by(int n, const char *dev, unsigned long long phys,
		    struct buffer **at)
{
	int count = 0;

	if (at)
		*at = NULL;
	for (int i = 0; i < n; i++) {
		if (!owner_is(&bufs[i], dev))
			continue;
		count++;
		if (at && bufs[i].phys == phys)
			*at = &bufs[i];
	}
	return count;
}

static bool map_has(const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(DCMA_DIR "/map", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, needle, strlen(needle));
	if (f)
		fclose(f);
	return found;
}

static bool in_list(const char *regs, const char *name)
{
	char needle[40];

	snprintf(needle, sizeof(needle), ",%.31s,", name);
	return strstr(regs, needle);
}

static const struct region *region_at(unsigned long long phys)
{
	for (int i = 0; i < nr_regions; i++)
		if (phys >= regions[i].base &&
		    phys < regions[i].base + regions[i].pages * PAGE)
			return &regions[i];
	return NULL;
}

/* The device a sysfs link resolves to: its last path component. */
static bool link_name(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];

	if (!realpath(path, target))
		return false;
	snprintf(out, len, "%s", basename(target));
	return true;
}

/*
 * The device doing a block device's DMA: nvme0n1 -> nvme0 -> its PCI
 * function; vda -> virtio0 -> the virtio transport.
 */
static bool dma_device(const char *blk, char *out, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/block/%s/device/device", blk);
	if (!strncmp(blk, "nvme", 4))
		return link_name(path, out, len);
	snprintf(path, sizeof(path), "/sys/block/%s/device/..", blk);
	return link_name(path, out, len);
}

/*
 * The binding of @dev in debugfs agrees with its buffers: a bound device
 * owns buffers, all inside its regions; an unbound one owns none.
 * Returns whether it is bound.
 */
static bool check_ownership(struct __test_metadata *_metadata, const char *dev)
{
	char regs[512];
	bool bound = bound_regions(dev, NULL, regs, sizeof(regs));
	int n = read_buffers(), owned;

	ASSERT_GE(n, 0);
	owned = owned_by(n, dev, 0, NULL);
	TH_LOG("%s: %s%s, %d buffers in regions", dev,
	       bound ? "bound to " : "not bound", bound ? regs : "", owned);
	if (!bound) {
		EXPECT_EQ(0, owned);
		return false;
	}
	EXPECT_GT(owned, 0);
	for (int i = 0; i < n; i++)
		if (owner_is(&bufs[i], dev))
			EXPECT_TRUE(in_list(regs, bufs[i].region->name));
	return true;
}

static unsigned long checksum(const unsigned char *p, size_t len)
{
	unsigned long sum = 5381;

	while (len--)
		sum = sum * 33 + *p++;
	return sum;
}

FIXTURE(dev) {
};

FIXTURE_SETUP(dev)
{
	if (access(DCMA_DIR "/map", R_OK))
		SKIP(return, DCMA_DIR "/map is missing (CONFIG_DCMA?)");
	if (read_buffers() < 0)
		SKIP(return, "cannot read the buffers (not root?)");
}

FIXTURE_TEARDOWN(dev)
{
}

/*
 * Every rule of dcma_map= is in debugfs "map", or the kernel log says
 * once why it was skipped.
 */
TEST_F(dev, map_rules_reported)
{
	char cmdline[4096], *p, *tok, *save, needle[256], map[8192];
	const char *log = klog();
	int skipped = 0, kept = 0;
	size_t n;
	FILE *f;

	ASSERT_NE(NULL, log);
	ASSERT_TRUE(read_cmdline(cmdline, sizeof(cmdline)));
	p = cmdline_value(cmdline, "dcma_map");
	if (!p)
		SKIP(return, "no dcma_map= on the command line");
	f = fopen(DCMA_DIR "/map", "r");
	ASSERT_NE(NULL, f);
	n = fread(map, 1, sizeof(map) - 1, f);
	map[n] = '\0';
	fclose(f);

	for (tok = strtok_r(p, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char pattern[128];
		int hits;

		snprintf(needle, sizeof(needle), "skipped \"%s\" in dcma_map=: ", tok);
		hits = count_in(log, needle);
		snprintf(pattern, sizeof(pattern), "%.*s", (int)strcspn(tok, "="), tok);
		if (!hits) {
			snprintf(needle, sizeof(needle),
				 "dcma_map= rule %s skipped: ", pattern);
			hits = count_in(log, needle);
		}
		if (hits) {
			EXPECT_EQ(1, hits) {
				TH_LOG("\"%s\" reported %d times", tok, hits);
			}
			skipped++;
			continue;
		}
		snprintf(needle, sizeof(needle), "rule %s ", pattern);
		EXPECT_NE(NULL, strstr(map, needle)) {
			TH_LOG("rule \"%s\" is neither in map nor reported", tok);
		}
		kept++;
	}
	TH_LOG("%d rules kept, %d reported and skipped", kept, skipped);
	ASSERT_GT(kept, 0);
}

/*
 * Block devices (virtio-blk, nvme): a bound one draws its queues from its
 * regions, an unbound one from nowhere in dcma; either way 1 MiB written
 * with O_DIRECT reads back the same.
 */
TEST_F(dev, block_devices)
{
	int checked = 0, bound = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir("/sys/block");
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		unsigned char *out, *in;
		char dev[64], path[300];
		int fd, rnd;

		if (strncmp(de->d_name, "vd", 2) && strncmp(de->d_name, "nvme", 4))
			continue;
		ASSERT_TRUE(dma_device(de->d_name, dev, sizeof(dev)));
		bound += check_ownership(_metadata, dev);

		ASSERT_EQ(0, posix_memalign((void **)&out, PAGE, IO_SIZE));
		ASSERT_EQ(0, posix_memalign((void **)&in, PAGE, IO_SIZE));
		rnd = open("/dev/urandom", O_RDONLY);
		ASSERT_GE(rnd, 0);
		ASSERT_EQ(IO_SIZE, read(rnd, out, IO_SIZE));
		close(rnd);
		memset(in, 0, IO_SIZE);
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		fd = open(path, O_RDWR | O_DIRECT);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(IO_SIZE, pwrite(fd, out, IO_SIZE, IO_SIZE));
		ASSERT_EQ(0, fsync(fd));
		ASSERT_EQ(IO_SIZE, pread(fd, in, IO_SIZE, IO_SIZE));
		close(fd);
		TH_LOG("%s: wrote %#lx, read %#lx", de->d_name,
		       checksum(out, IO_SIZE), checksum(in, IO_SIZE));
		EXPECT_EQ(0, memcmp(out, in, IO_SIZE));
		free(out);
		free(in);
		checked++;
	}
	closedir(dir);
	if (!checked)
		SKIP(return, "no virtio or nvme disk");
	TH_LOG("%d disks, %d bound", checked, bound);
}

/* e1000e: DHCP over QEMU's user networking, rings from its region. */
TEST_F(dev, network)
{
	struct dirent *de;
	int checked = 0;
	DIR *dir;

	dir = opendir("/sys/class/net");
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		char dev[64], path[300], cmd[300], drv[64], regs[512], needle[100];
		bool bound;

		if (strncmp(de->d_name, "eth", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/device", de->d_name);
		ASSERT_TRUE(link_name(path, dev, sizeof(dev)));
		snprintf(cmd, sizeof(cmd),
			 "ip link set %.15s up && udhcpc -i %.15s -n -q -t 10 -T 1 -s /bin/true >/dev/null 2>&1",
			 de->d_name, de->d_name);
		EXPECT_EQ(0, system(cmd)) {
			TH_LOG("%s: no DHCP lease", de->d_name);
		}
		bound = check_ownership(_metadata, dev);
		snprintf(cmd, sizeof(cmd), "ip link set %s down", de->d_name);
		EXPECT_EQ(0, system(cmd));
		checked++;
		/* a driver: rule binds from the driver's bind to its unbind */
		snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver",
			 de->d_name);
		if (!bound || !link_name(path, drv, sizeof(drv)) ||
		    !bound_regions(dev, NULL, regs, sizeof(regs)))
			continue;
		snprintf(needle, sizeof(needle), "rule driver:%s ", drv);
		if (!map_has(needle))
			continue;
		snprintf(cmd, sizeof(cmd),
			 "echo %s > /sys/bus/pci/drivers/%s/unbind", dev, drv);
		ASSERT_EQ(0, system(cmd));
		EXPECT_FALSE(bound_regions(dev, NULL, regs, sizeof(regs)));
		snprintf(cmd, sizeof(cmd),
			 "echo %s > /sys/bus/pci/drivers/%s/bind", dev, drv);
		ASSERT_EQ(0, system(cmd));
		EXPECT_TRUE(bound_regions(dev, NULL, regs, sizeof(regs)));
		TH_LOG("%s: unbound with %s's unbind, bound again with its bind",
		       dev, drv);
	}
	closedir(dir);
	if (!checked)
		SKIP(return, "no network device");
}

/* The edu driver's buffer @name of @dev, mmap()ed; MAP_FAILED on error */
static void *map_buffer(const char *drv, const char *dev, const char *name,
			size_t size)
{
	char path[300];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%.63s/%s", drv, dev, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

static int read_dma_bits(void)
{
	int bits = 0;
	FILE *f = fopen("/sys/module/dcma_edu/parameters/dma_bits", "r");

	if (f) {
		if (fscanf(f, "%d", &bits) != 1)
			bits = 0;
		fclose(f);
	}
	return bits;
}

/*
 * The edu sample: its two buffers come from its regions, within its DMA
 * mask (a listed region beyond it is skipped, and the log says so once),
 * the device's copies check out, and the buffers mmap()ed through
 * dma_mmap_coherent() hold what the device copied.
 */
TEST_F(dev, edu)
{
	const char *drv = "/sys/bus/pci/drivers/dcma_edu";
	unsigned long long src, dst, size, mask;
	char path[300], line[128], regs[512], needle[200];
	struct dirent *de;
	const char *log;
	int checked = 0;
	DIR *dir;

	dir = opendir(drv);
	if (!dir)
		SKIP(return, "no dcma_edu driver");
	mask = (1ULL << read_dma_bits()) - 1;
	while ((de = readdir(dir))) {
		struct buffer *sb, *db;
		unsigned char *sm, *dm;
		int fd, n;
		FILE *f;

		if (strncmp(de->d_name, "0000:", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s/buffers", drv, de->d_name);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(line, sizeof(line), f));
		n = sscanf(line, "src %llx %llu", &src, &size);
		ASSERT_EQ(2, n);
		ASSERT_NE(NULL, fgets(line, sizeof(line), f));
		n = sscanf(line, "dst %llx", &dst);
		ASSERT_EQ(1, n);
		fclose(f);

		ASSERT_TRUE(check_ownership(_metadata, de->d_name));
		bound_regions(de->d_name, NULL, regs, sizeof(regs));
		n = read_buffers();
		owned_by(n, de->d_name, src, &sb);
		ASSERT_NE(NULL, sb);
		owned_by(n, de->d_name, dst, &db);
		ASSERT_NE(NULL, db);
		EXPECT_LE(src + size - 1, mask);
		EXPECT_LE(dst + size - 1, mask);
		TH_LOG("src %#llx in %s, dst %#llx in %s", src, sb->region->name,
		       dst, db->region->name);

		/* a listed region beyond the mask: skipped, said once */
		log = klog();
		ASSERT_NE(NULL, log);
		for (int i = 0; i < nr_regions; i++) {
			const struct region *r = &regions[i];

			if (!in_list(regs, r->name) ||
			    r->base + r->pages * PAGE - 1 <= mask)
				continue;
			snprintf(needle, sizeof(needle),
				 "%.63s: dcma region %.31s ends beyond the DMA mask",
				 de->d_name, r->name);
			EXPECT_EQ(1, count_in(log, needle)) {
				TH_LOG("no single warning for %s", r->name);
			}
			EXPECT_NE(r, sb->region);
			EXPECT_NE(r, db->region);
		}

		snprintf(path, sizeof(path), "%s/%s/check", drv, de->d_name);
		fd = open(path, O_WRONLY);
		ASSERT_GE(fd, 0);
		EXPECT_EQ(1, write(fd, "1", 1)) {
			TH_LOG("the device's copies did not check out: %s",
			       strerror(errno));
		}
		close(fd);

		sm = map_buffer(drv, de->d_name, "src", size);
		ASSERT_NE(MAP_FAILED, sm);
		dm = map_buffer(drv, de->d_name, "dst", size);
		ASSERT_NE(MAP_FAILED, dm);
		/* the device copied 2 KiB at the start: src == dst there */
		EXPECT_EQ(0, memcmp(sm, dm, 2048));
		/* and the random bytes it copied are not the zeroes after */
		EXPECT_NE(checksum(dm, 2048), checksum(dm + 2048, 2048));
		munmap(sm, size);
		munmap(dm, size);
		checked++;
	}
	closedir(dir);
	if (!checked)
		SKIP(return, "no edu device");
}

/*
 * dma_alloc (or another @verb) on a test device: its DMA address, or 0
 * with errno set.  The buffer must come zeroed.
 */
static unsigned long long test_dma_verb(const char *verb, const char *dev,
					unsigned long size)
{
	unsigned long long dma;
	unsigned long bytes;
	char cmd[96], out[64];
	int ret, zeroed;

	snprintf(cmd, sizeof(cmd), "%s %s %lu", verb, dev, size);
	ret = knob(cmd, out, sizeof(out));
	if (ret || sscanf(out, "%llx %lu %d", &dma, &bytes, &zeroed) != 3) {
		errno = ret ? -ret : EPROTO;
		return 0;
	}
	if (!zeroed) {
		errno = EILSEQ;
		return 0;
	}
	return dma;
}

static unsigned long long test_dma_alloc(const char *dev, unsigned long size)
{
	return test_dma_verb("dma_alloc", dev, size);
}

static int test_cmd(const char *fmt, const char *dev, unsigned long long arg)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), fmt, dev, arg);
	return knob(cmd, NULL, 0);
}

/*
 * The rules' policies: dcma-test.0 ("fail") gets its region or nothing;
 * dcma-test.1 ("fallback") goes on down the normal path when its region
 * is full; dcma-test.2, which no rule names, never touches dcma.
 */
TEST_F(dev, policies)
{
	unsigned long long a, b, c, d;
	const struct region *tiny;
	char regs[256];

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "-", regs, sizeof(regs)) ||
	    !bound_regions("dcma-test.1", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.0 and .1 are not bound (dcma_map=)");

	a = test_dma_alloc("dcma-test.0", 65536);
	ASSERT_NE(0, a);
	read_buffers();
	tiny = region_at(a);
	ASSERT_NE(NULL, tiny);
	ASSERT_TRUE(in_list(regs, tiny->name));
	/* more than the region holds: fails under "fail" */
	EXPECT_EQ(0, test_dma_alloc("dcma-test.0", tiny->pages * PAGE * 2));
	EXPECT_EQ(ENOMEM, errno);
	/* and goes on to the page allocator under "fallback" */
	b = test_dma_alloc("dcma-test.1", tiny->pages * PAGE * 2);
	ASSERT_NE(0, b);
	EXPECT_EQ(NULL, region_at(b));
	c = test_dma_alloc("dcma-test.1", 8192);
	ASSERT_NE(0, c);
	EXPECT_EQ(tiny, region_at(c));
	/* dma_alloc_pages() draws from the region too */
	d = test_dma_verb("dma_alloc_pages", "dcma-test.0", 16384);
	ASSERT_NE(0, d);
	EXPECT_EQ(tiny, region_at(d));
	EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", d));
	/* non-blocking requests never reach dcma */
	d = test_dma_verb("dma_alloc_atomic", "dcma-test.0", 16384);
	ASSERT_NE(0, d);
	EXPECT_EQ(NULL, region_at(d));
	EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", d));
	/* an unbound device: the normal path */
	d = test_dma_alloc("dcma-test.2", 65536);
	ASSERT_NE(0, d);
	EXPECT_EQ(NULL, region_at(d));
	EXPECT_FALSE(bound_regions("dcma-test.2", NULL, regs, sizeof(regs)));

	EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", a));
	EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.1", b));
	EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.1", c));
	EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.2", d));
	EXPECT_EQ(0, owned_by(read_buffers(), "dcma-test.0", 0, NULL));
	EXPECT_EQ(0, owned_by(read_buffers(), "dcma-test.1", 0, NULL));
}

/* dcma_alloc(): kinds pick the rule; an unknown kind or device fails. */
TEST_F(dev, kinds)
{
	char regs[256], out[64], *end;
	unsigned long long phys;
	struct buffer *b;

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "scratch", regs, sizeof(regs)) ||
	    !strcmp(regs, ","))
		SKIP(return, "dcma-test.0 has no \"scratch\" kind (dcma_map=)");

	ASSERT_EQ(0, knob("dcma_alloc dcma-test.0 scratch 65536", out, sizeof(out)));
	phys = strtoull(out, &end, 16);
	ASSERT_TRUE(end != out);
	owned_by(read_buffers(), "dcma-test.0", phys, &b);
	ASSERT_NE(NULL, b);
	EXPECT_STREQ("dcma-test.0", b->owner);
	EXPECT_STREQ("scratch", b->kind);
	EXPECT_TRUE(in_list(regs, b->region->name));
	EXPECT_EQ(0, knob_ref("put", phys));

	EXPECT_EQ(-ENODEV, knob("dcma_alloc dcma-test.0 nosuch 4096", NULL, 0));
	EXPECT_EQ(-ENODEV, knob("dcma_alloc dcma-test.2 - 4096", NULL, 0));
	EXPECT_EQ(-EINVAL, knob("dcma_alloc dcma-test.0 - 0", NULL, 0));
}

/*
 * Lifetime: a buffer held by dcma_get() outlives dma_free_coherent() and
 * its device; the device is unbound while away and bound again when it
 * comes back.
 */
TEST_F(dev, outlives_device)
{
	unsigned long long a;
	struct buffer *b;
	char regs[256];

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.0 is not bound (dcma_map=)");

	a = test_dma_alloc("dcma-test.0", 16384);
	ASSERT_NE(0, a);
	ASSERT_EQ(0, knob_ref("get", a));
	ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", a));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(1, b->refs);

	ASSERT_EQ(0, test_cmd("unplug %s", "dcma-test.0", 0));
	EXPECT_FALSE(bound_regions("dcma-test.0", NULL, regs, sizeof(regs)));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	EXPECT_NE(NULL, b);
	ASSERT_EQ(0, test_cmd("plug %s", "dcma-test.0", 0));
	EXPECT_TRUE(bound_regions("dcma-test.0", NULL, regs, sizeof(regs)));

	EXPECT_EQ(0, knob_ref("put", a));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	EXPECT_EQ(NULL, b);
	EXPECT_EQ(-ENOENT, knob_ref("put", a));
}

/*
 * A device with a driver bound, removed: device_del() unbinds it from dcma
 * before it releases the driver, whose unbind then finds the device's
 * by-name rule again.  No binding may outlive the device (debugfs map
 * would print a freed device's name, and a new device at the same address
 * would inherit its rules).  The knob's driver takes dcma-test.3 only, so
 * dcma-test.2, which no rule names but the driver rule did while its probe
 * ran, shows that a failed probe leaves no binding either.
 */
TEST_F(dev, removed_with_driver)
{
	const char *drv = "/sys/bus/platform/devices/dcma-test.3/driver";
	char regs[256];

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!map_has("rule driver:dcma-test "))
		SKIP(return, "no driver:dcma-test rule (dcma_map=)");

	EXPECT_EQ(0, access("/sys/bus/platform/devices/dcma-test.2", F_OK));
	EXPECT_NE(0, access("/sys/bus/platform/devices/dcma-test.2/driver", F_OK));
	EXPECT_FALSE(bound_regions("dcma-test.2", NULL, regs, sizeof(regs)))
		TH_LOG("dcma-test.2 (probe failed) keeps the rules %s", regs);

	for (int round = 0; round < 2; round++) {
		ASSERT_EQ(0, access(drv, F_OK)) TH_LOG("dcma-test.3 has no driver");
		ASSERT_TRUE(bound_regions("dcma-test.3", "-", regs, sizeof(regs)));
		EXPECT_TRUE(in_list(regs, "tiny")) TH_LOG("by driver: %s", regs);
		ASSERT_TRUE(bound_regions("dcma-test.3", "scratch", regs, sizeof(regs)));
		EXPECT_TRUE(in_list(regs, "carve")) TH_LOG("by name: %s", regs);

		ASSERT_EQ(0, test_cmd("unplug %s", "dcma-test.3", 0));
		EXPECT_NE(0, access(drv, F_OK));
		EXPECT_FALSE(bound_regions("dcma-test.3", NULL, regs, sizeof(regs)))
			TH_LOG("removed dcma-test.3 is still bound: %s", regs);
		ASSERT_EQ(0, test_cmd("plug %s", "dcma-test.3", 0));
	}
}

/* "alloc" on the knob: the buffer's address and whether it read zero */
static int alloc_zeroed(const char *region, unsigned long long *phys,
			int *zeroed)
{
	char cmd[96], out[64];
	unsigned long bytes;
	int ret;

	snprintf(cmd, sizeof(cmd), "alloc %s 65536", region);
	ret = knob(cmd, out, sizeof(out));
	if (!ret && sscanf(out, "%llx %lu %d", phys, &bytes, zeroed) != 3)
		ret = -EPROTO;
	return ret;
}

/*
 * No stale data: a buffer written all over and freed comes back zeroed to
 * the next owner of its range on every path: the DMA API with and without
 * a kernel mapping, dma_alloc_pages() and dcma_alloc() on an exclusive
 * region, and the region layer on an exclusive region, on a reusable one
 * whose freed pages went to the page allocator, and on one whose pool
 * kept them.  The second allocation must land where the first one was,
 * or the check would prove nothing.
 */
TEST_F(dev, no_stale_data)
{
	static const char *const verbs[] = {
		"dma_alloc", "dma_alloc_nomap", "dma_alloc_pages",
	};
	const char *picked[3] = { NULL, NULL, NULL };
	unsigned long long a, b;
	char cmd[96], out[64], regs[256];
	unsigned long bytes;
	int zeroed, n;

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.0 is not bound (dcma_map=)");

	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		a = test_dma_verb(verbs[i], "dcma-test.0", 65536);
		ASSERT_NE(0, a) TH_LOG("%s: %s", verbs[i], strerror(errno));
		ASSERT_EQ(0, knob_ref("fill", a));
		ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", a));
		b = test_dma_verb(verbs[i], "dcma-test.0", 65536);
		ASSERT_NE(0, b) TH_LOG("%s after a fill: %s", verbs[i],
				       errno == EILSEQ ? "stale data" : strerror(errno));
		EXPECT_EQ(a, b) TH_LOG("%s: another range, nothing proved", verbs[i]);
		ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", b));
	}

	for (int round = 0; round < 2; round++) {
		ASSERT_EQ(0, knob("dcma_alloc dcma-test.0 scratch 65536", out,
				  sizeof(out)));
		n = sscanf(out, "%llx %lu %d", &b, &bytes, &zeroed);
		ASSERT_EQ(3, n);
		EXPECT_EQ(1, zeroed) TH_LOG("dcma_alloc(), round %d: stale data", round);
		if (round)
			EXPECT_EQ(a, b) TH_LOG("dcma_alloc(): another range");
		ASSERT_EQ(0, knob_ref("fill", b));
		ASSERT_EQ(0, knob_ref("put", b));
		a = b;
	}

	/* the region layer: exclusive, reusable given back, reusable kept */
	n = read_regions(regions, MAX_REGIONS);
	for (int i = 0; i < n; i++) {
		struct region *r = &regions[i];
		int k = strcmp(r->mode, "reusable") ? 0 :
			sysfs_counter(r->name, "pool_pages") > 0 ? 2 : 1;

		if (!picked[k] && r->free >= 64 && !r->used)
			picked[k] = r->name;
	}
	for (int k = 0; k < 3; k++) {
		if (!picked[k]) {
			TH_LOG("no idle %s region to try", k == 2 ? "reusable region with a pool" :
			       k ? "reusable" : "exclusive");
			continue;
		}
		snprintf(cmd, sizeof(cmd), "%s", picked[k]);
		ASSERT_EQ(0, alloc_zeroed(cmd, &a, &zeroed));
		EXPECT_EQ(1, zeroed);
		ASSERT_EQ(0, knob_ref("fill", a));
		ASSERT_EQ(0, knob_ref("put", a));
		ASSERT_EQ(0, alloc_zeroed(cmd, &b, &zeroed));
		EXPECT_EQ(1, zeroed) TH_LOG("region %s: stale data", cmd);
		EXPECT_EQ(a, b) TH_LOG("region %s: another range", cmd);
		ASSERT_EQ(0, knob_ref("put", b));
		TH_LOG("region %s: a filled buffer came back zeroed", cmd);
	}
}

/*
 * A page still referenced by someone else when its buffer is freed (a
 * leaked get_page()) keeps the range from the next owner, with one
 * warning, until it is let go; then the range is the region's again.
 */
TEST_F(dev, held_page_not_recycled)
{
	const char *warning = "is still in use after its last put";
	unsigned long long a, b, c = 0;
	char regs[256];
	const char *log;
	int before;

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.0 is not bound (dcma_map=)");
	log = klog();
	ASSERT_NE(NULL, log);
	before = count_in(log, warning);

	a = test_dma_alloc("dcma-test.0", 65536);
	ASSERT_NE(0, a);
	ASSERT_EQ(0, knob_ref("pin", a));
	ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", a));
	log = klog();
	ASSERT_NE(NULL, log);
	EXPECT_EQ(before + 1, count_in(log, warning));

	b = test_dma_alloc("dcma-test.0", 65536);
	ASSERT_NE(0, b);
	EXPECT_NE(a, b) TH_LOG("the held range went to a new owner");
	ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", b));

	ASSERT_EQ(0, knob_ref("unpin", a));
	for (int i = 0; i < 50 && c != a; i++) {
		usleep(100 * 1000);
		c = test_dma_alloc("dcma-test.0", 65536);
		ASSERT_NE(0, c);
		ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", c));
	}
	EXPECT_EQ(a, c) TH_LOG("the range did not come back once let go");
}

/*
 * References nobody else can drop: the DMA API's reference goes exactly
 * once (a second dma_free_pages() of the same buffer warns and leaves the
 * reference a dcma_get() took), and a dcma_put() with only the DMA API's
 * reference left is refused, so the buffer its device may still be
 * writing stays live until the driver frees it.
 */
TEST_F(dev, references_misuse)
{
	const char *twice = "freed twice", *extra = "one put too many";
	unsigned long long a;
	int n_twice, n_extra;
	char regs[256];
	const char *log;
	struct buffer *b;

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.0 is not bound (dcma_map=)");
	log = klog();
	ASSERT_NE(NULL, log);
	n_twice = count_in(log, twice);
	n_extra = count_in(log, extra);

	/* a double free, with another holder's reference */
	a = test_dma_verb("dma_alloc_pages", "dcma-test.0", 65536);
	ASSERT_NE(0, a);
	ASSERT_EQ(0, knob_ref("get", a));
	ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", a));
	ASSERT_EQ(0, test_cmd("dma_refree %s 0x%llx", "dcma-test.0", a));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	ASSERT_NE(NULL, b) TH_LOG("the second free dropped the holder's reference");
	EXPECT_EQ(1, b->refs);
	EXPECT_EQ(0, knob_ref("put", a));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	EXPECT_EQ(NULL, b);
	EXPECT_EQ(-ENOENT, knob_ref("put", a));

	/* someone else's put too many */
	a = test_dma_alloc("dcma-test.0", 65536);
	ASSERT_NE(0, a);
	EXPECT_EQ(-EINVAL, knob_ref("put", a));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	ASSERT_NE(NULL, b) TH_LOG("a stray put freed the DMA API's buffer");
	EXPECT_EQ(1, b->refs);
	ASSERT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.0", a));
	owned_by(read_buffers(), "dcma-test.0", a, &b);
	EXPECT_EQ(NULL, b);

	log = klog();
	ASSERT_NE(NULL, log);
	EXPECT_EQ(n_twice + 1, count_in(log, twice));
	EXPECT_EQ(n_extra + 1, count_in(log, extra));
}

/* A device whose mask no region meets falls back, and says so once. */
TEST_F(dev, mask_beyond_regions)
{
	const char *said =
		"dcma-test.1: no dcma region of the DMA API's rule is within its DMA mask";
	unsigned long long a;
	const char *log;
	char regs[256];

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.1", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.1 is not bound (dcma_map=)");

	ASSERT_EQ(0, test_cmd("mask %s %llu", "dcma-test.1", 20));
	for (int i = 0; i < 2; i++) {
		a = test_dma_alloc("dcma-test.1", 4096);
		if (a)
			EXPECT_EQ(0, test_cmd("dma_free %s 0x%llx", "dcma-test.1", a));
	}
	ASSERT_EQ(0, test_cmd("mask %s %llu", "dcma-test.1", 32));
	log = klog();
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, count_in(log, said));
	EXPECT_EQ(0, owned_by(read_buffers(), "dcma-test.1", 0, NULL));
}

/*
 * Under "fail", a device none of whose regions is within its DMA mask
 * gets nothing from the page allocator either: its requests fail, and the
 * log says so once.  The mask is the widest that leaves out dcma-test.0's
 * regions; on x86_64 the page allocator has memory below it.
 */
TEST_F(dev, mask_beyond_regions_fail)
{
	const char *said =
		"dcma-test.0: no dcma region of the DMA API's rule is within its DMA mask; failing";
	unsigned long long a, end = ~0ULL;
	char regs[256], *name, *save;
	const char *log;
	int bits, n;

	if (access(KNOB, W_OK))
		SKIP(return, "no test knob (CONFIG_DCMA_DEBUG)");
	if (!bound_regions("dcma-test.0", "-", regs, sizeof(regs)))
		SKIP(return, "dcma-test.0 is not bound (dcma_map=)");
	ASSERT_TRUE(bound_regions("dcma-test.0", "-", regs, sizeof(regs)));
	n = read_regions(regions, MAX_REGIONS);
	for (name = strtok_r(regs, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		struct region *r = find_region(regions, n, name);

		ASSERT_NE(NULL, r);
		if (r->base + r->pages * PAGE < end)
			end = r->base + r->pages * PAGE;
	}
	bits = 63 - __builtin_clzll(end - 1);
	ASSERT_GE(bits, 12);

	ASSERT_EQ(0, test_cmd("mask %s %llu", "dcma-test.0", bits));
	a = test_dma_alloc("dcma-test.0", 4096);
	if (a)
		test_cmd("dma_free %s 0x%llx", "dcma-test.0", a);
	ASSERT_EQ(0, test_cmd("mask %s %llu", "dcma-test.0", 32));
	EXPECT_EQ(0, a) TH_LOG("a %d-bit mask got 0x%llx from outside dcma", bits, a);
	log = klog();
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, count_in(log, said));
}

/*
 * PCI hot removal and rescan of the edu device: a buffer held by
 * dcma_get() outlives the driver's remove and the device; the device
 * comes back bound, and its driver draws from its regions again.
 */
TEST_F(dev, pci_remove_rescan)
{
	const char *drv = "/sys/bus/pci/drivers/dcma_edu";
	unsigned long long src = 0, size;
	char path[300], line[128], regs[512], pci[64] = "";
	struct dirent *de;
	struct buffer *b;
	DIR *dir;
	FILE *f;
	int fd, n;

	dir = opendir(drv);
	if (!dir)
		SKIP(return, "no dcma_edu driver");
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "0000:", 5))
			snprintf(pci, sizeof(pci), "%.63s", de->d_name);
	closedir(dir);
	if (!pci[0] || access(KNOB, W_OK))
		SKIP(return, "no edu device or no test knob");

	snprintf(path, sizeof(path), "%s/%s/buffers", drv, pci);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	n = sscanf(line, "src %llx %llu", &src, &size);
	ASSERT_EQ(2, n);
	fclose(f);
	ASSERT_EQ(0, knob_ref("get", src));

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", pci);
	fd = open(path, O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, write(fd, "1", 1));
	close(fd);
	EXPECT_FALSE(bound_regions(pci, NULL, regs, sizeof(regs)));
	EXPECT_EQ(1, owned_by(read_buffers(), pci, src, &b));
	ASSERT_NE(NULL, b);
	EXPECT_EQ(1, b->refs);
	EXPECT_EQ(0, knob_ref("put", src));
	EXPECT_EQ(0, owned_by(read_buffers(), pci, 0, NULL));

	fd = open("/sys/bus/pci/rescan", O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, write(fd, "1", 1));
	close(fd);
	EXPECT_TRUE(bound_regions(pci, NULL, regs, sizeof(regs)));
	EXPECT_EQ(2, owned_by(read_buffers(), pci, 0, NULL));
	TH_LOG("%s back, bound to %s", pci, regs);
}

TEST_HARNESS_MAIN
