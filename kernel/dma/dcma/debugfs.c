// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: debugfs.
 *
 * /sys/kernel/debug/dcma/
 *   regions          one row per region
 *   map              the dcma_map= rules and every bound device
 *   <region>/
 *     buffers        every live buffer (root only)
 *     occupancy      a text map of the region
 *     stats          allocation counters and a latency histogram
 *   test             (CONFIG_DCMA_DEBUG, root only) drive the region API:
 *                    debug.c
 *   fail_claim/      (CONFIG_FAIL_DCMA_CLAIM) the claims' fault point:
 *                    buffer.c
 *
 * See Documentation/admin-guide/mm/dcma.rst for the format of each file.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/seq_file.h>

#include "dcma.h"

static int regions_show_one(struct dcma_region *r, void *data)
{
	struct seq_file *m = data;
	phys_addr_t base = dcma_region_base(r);
	unsigned long pages = dcma_region_size(r) >> PAGE_SHIFT, used, frag;
	struct dcma_region_state st;

	/* lent pages (reusable regions): a racy walk, good enough for people */
	dcma_region_snapshot(r, &st, true);
	used = st.active ? pages - st.alloc.free_pages : 0;
	/* how much of the free space no single request can use */
	frag = st.alloc.free_pages ?
	       100 - div64_ul(100ULL * st.alloc.largest_free, st.alloc.free_pages) : 0;
	seq_printf(m, "%-16s %pa %10lu %-5s %-9s %10lu %10lu %10lu %8lu %6lu %10lu %5lu\n",
		   dcma_region_name(r), &base, pages, st.allocator,
		   !st.active ? "inactive" :
		   dcma_region_reusable(r) ? "reusable" : "exclusive",
		   used, st.alloc.free_pages, st.alloc.largest_free,
		   st.nr_buffers, st.alloc.free_holes, st.lent, frag);
	return 0;
}

static int regions_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%-16s %-18s %10s %-5s %-9s %10s %10s %10s %8s %6s %10s %5s\n",
		   "# name", "base", "pages", "alloc", "mode", "used", "free",
		   "largest", "buffers", "holes", "lent", "frag%");
	return dcma_walk_regions(regions_show_one, m);
}
DEFINE_SHOW_ATTRIBUTE(regions);

static int map_show(struct seq_file *m, void *v)
{
	dcma_map_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(map);

static int buffers_show_one(const struct dcma_buffer *b, void *data)
{
	phys_addr_t phys = dcma_buffer_phys(b);
	/* "<device>/<kind>": device names have no '/' */
	const char *kind = strchr(b->owner, '/');
	struct seq_file *m = data;

	seq_printf(m, "%pa %10lu %8u %10u %-24.*s %s\n", &phys,
		   b->nr_pages, refcount_read(&b->ref),
		   jiffies_to_msecs(jiffies - b->allocated),
		   kind ? (int)(kind - b->owner) : (int)strlen(b->owner),
		   b->owner, kind ? kind + 1 : "-");
	return 0;
}

static int buffers_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%-18s %10s %8s %10s %-24s %s\n", "# phys", "pages",
		   "refs", "age_ms", "owner", "kind");
	return dcma_walk_buffers(m->private, buffers_show_one, m);
}
DEFINE_SHOW_ATTRIBUTE(buffers);

static int stats_show(struct seq_file *m, void *v)
{
	struct dcma_region *r = m->private;
	struct dcma_region_state st;
	int i;

	dcma_region_snapshot(r, &st, false);
	for (i = 0; i < DCMA_LATENCY; i++)
		seq_printf(m, "%s %ld\n", dcma_stat_names[i],
			   dcma_region_stat(r, i));
	seq_printf(m, "pool_pages %lu\n", st.pool_pages);
	seq_printf(m, "pool_target %lu\n", st.pool_target);
	for (i = 0; i < DCMA_LATENCY_BUCKETS - 1; i++)
		seq_printf(m, "latency_us_le_%u %ld\n", dcma_latency_bounds_us[i],
			   dcma_region_stat(r, DCMA_LATENCY + i));
	seq_printf(m, "latency_us_gt_%u %ld\n", dcma_latency_bounds_us[i - 1],
		   dcma_region_stat(r, DCMA_LATENCY + i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

#define DCMA_MAP_COLS		64
#define DCMA_MAP_CHARS		1024

/*
 * One character per run of pages, at most DCMA_MAP_CHARS, DCMA_MAP_COLS
 * per line: '#' every page in buffers, '+' some, 'o' none but some lent
 * (in use by movable pages; reusable regions), '.' all free and unused.
 * The lent pages are read without locks.
 */
static int occupancy_show(struct seq_file *m, void *v)
{
	struct dcma_region *r = m->private;
	unsigned long nr = dcma_region_size(r) >> PAGE_SHIFT;
	unsigned long per, chunks, c, in, lent;
	unsigned long *in_buffer, *free;

	per = DIV_ROUND_UP(nr, DCMA_MAP_CHARS);
	chunks = DIV_ROUND_UP(nr, per);
	in_buffer = bitmap_zalloc(nr, GFP_KERNEL);
	free = bitmap_zalloc(nr, GFP_KERNEL);
	if (!in_buffer || !free) {
		bitmap_free(in_buffer);
		bitmap_free(free);
		return -ENOMEM;
	}
	dcma_region_pages(r, in_buffer, free);

	seq_printf(m, "# %lu pages, %lu per character: '#' in buffers, '+' partly, 'o' lent, '.' free\n",
		   nr, per);
	for (c = 0; c < chunks; c++) {
		unsigned long first = c * per, len = min(per, nr - first);
		unsigned long i;

		in = 0;
		lent = 0;
		for (i = first; i < first + len; i++) {
			if (test_bit(i, in_buffer))
				in++;
			else if (!test_bit(i, free))
				lent++;
		}
		if (c % DCMA_MAP_COLS == 0)
			seq_printf(m, "%s%08lx ", c ? "\n" : "", first);
		seq_putc(m, in == len ? '#' : in ? '+' : lent ? 'o' : '.');
	}
	seq_putc(m, '\n');
	bitmap_free(in_buffer);
	bitmap_free(free);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(occupancy);

/*
 * debugfs failures are ignored on purpose: the files are for people, and
 * dcma works without them.
 */
static int __init dcma_debugfs_add_region(struct dcma_region *r, void *root)
{
	struct dcma_region_state st;
	struct dentry *dir;

	dcma_region_snapshot(r, &st, false);
	if (!st.active)
		return 0;
	dir = debugfs_create_dir(dcma_region_name(r), root);
	debugfs_create_file("buffers", 0400, dir, r, &buffers_fops);
	debugfs_create_file("stats", 0444, dir, r, &stats_fops);
	debugfs_create_file("occupancy", 0444, dir, r, &occupancy_fops);
	return 0;
}

static int __init dcma_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("dcma", NULL);

	debugfs_create_file("regions", 0444, root, NULL, &regions_fops);
	debugfs_create_file("map", 0444, root, NULL, &map_fops);
	dcma_walk_regions(dcma_debugfs_add_region, root);
	return 0;
}

/* debugfs registers itself at core_initcall, after the regions activate */
late_initcall(dcma_debugfs_init);
