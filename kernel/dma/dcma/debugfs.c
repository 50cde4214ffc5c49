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
 *   test             (CONFIG_DCMA_DEBUG, root only) drive the region API
 *
 * See Documentation/admin-guide/mm/dcma.rst for the format of each file.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/kstrtox.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "dcma.h"

static struct dentry *dcma_debugfs_root;

/*
 * Pages of a reusable region that someone else uses right now: neither
 * free in the buddy allocator nor in a dcma buffer.  A racy scan without
 * the zone lock, good enough for people and tests (pages on per-cpu free
 * lists count as lent).
 */
static unsigned long dcma_region_lent(struct dcma_region *r,
				      unsigned long allocated)
{
	unsigned long in_use;

	if (!r->reusable || !r->active)
		return 0;
	/* pages outside the page allocator, less those in buffers or the reserve */
	in_use = dcma_range_in_use(r->base_pfn, r->nr_pages);
	allocated += READ_ONCE(r->reserve_pages);
	return in_use - min(in_use, allocated);
}

static int regions_show(struct seq_file *m, void *v)
{
	struct dcma_alloc_info info;
	unsigned long flags, nr_buffers, used, frag;
	int i;

	seq_printf(m, "%-16s %-18s %10s %-5s %-9s %10s %10s %10s %8s %6s %10s %5s\n",
		   "# name", "base", "pages", "alloc", "mode", "used", "free",
		   "largest", "buffers", "holes", "lent", "frag%");
	for (i = 0; i < dcma_region_count; i++) {
		struct dcma_region *r = &dcma_regions[i];
		phys_addr_t base = PFN_PHYS(r->base_pfn);

		/* one snapshot: the allocator's view and the buffer count */
		memset(&info, 0, sizeof(info));
		nr_buffers = 0;
		if (r->active) {
			spin_lock_irqsave(&r->lock, flags);
			r->ops->info(r->alloc_state, &info);
			nr_buffers = r->nr_buffers;
			spin_unlock_irqrestore(&r->lock, flags);
		}
		used = r->active ? r->nr_pages - info.free_pages : 0;
		/* how much of the free space no single request can use */
		frag = info.free_pages ? 100 - div64_ul(100ULL * info.largest_free,
							 info.free_pages) : 0;
		seq_printf(m, "%-16s %pa %10lu %-5s %-9s %10lu %10lu %10lu %8lu %6lu %10lu %5lu\n",
			   r->name, &base, r->nr_pages, r->ops->name,
			   !r->active ? "inactive" :
			   r->reusable ? "reusable" : "exclusive",
			   used, info.free_pages, info.largest_free, nr_buffers,
			   info.free_holes, dcma_region_lent(r, used), frag);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(regions);

static int map_show(struct seq_file *m, void *v)
{
	dcma_map_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(map);

static int buffers_show(struct seq_file *m, void *v)
{
	struct dcma_region *r = m->private;
	struct dcma_buffer *b;
	unsigned long flags;
	struct rb_node *n;
	const char *kind;
	phys_addr_t phys;

	seq_printf(m, "%-18s %10s %8s %10s %-24s %s\n", "# phys", "pages",
		   "refs", "age_ms", "owner", "kind");
	spin_lock_irqsave(&r->lock, flags);
	for (n = rb_first(&r->buffers); n; n = rb_next(n)) {
		b = rb_entry(n, struct dcma_buffer, node);
		phys = PFN_PHYS(b->pfn);
		/* "<device>/<kind>": device names have no '/' */
		kind = strchr(b->owner, '/');
		seq_printf(m, "%pa %10lu %8u %10u %-24.*s %s\n", &phys,
			   b->nr_pages, refcount_read(&b->ref),
			   jiffies_to_msecs(jiffies - b->allocated),
			   kind ? (int)(kind - b->owner) : (int)strlen(b->owner),
			   b->owner, kind ? kind + 1 : "-");
	}
	spin_unlock_irqrestore(&r->lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(buffers);

static int stats_show(struct seq_file *m, void *v)
{
	struct dcma_region *r = m->private;
	struct dcma_stats *s = &r->stats;
	int i;

	seq_printf(m, "allocs %ld\n", atomic_long_read(&s->allocs));
	seq_printf(m, "frees %ld\n", atomic_long_read(&s->frees));
	seq_printf(m, "pages_allocated %ld\n",
		   atomic_long_read(&s->pages_allocated));
	seq_printf(m, "pages_failed %ld\n", atomic_long_read(&s->pages_failed));
	seq_printf(m, "pages_released %ld\n",
		   atomic_long_read(&s->pages_released));
	seq_printf(m, "fails_nospace %ld\n",
		   atomic_long_read(&s->fails_nospace));
	seq_printf(m, "fails_busy %ld\n", atomic_long_read(&s->fails_busy));
	seq_printf(m, "fails_nomem %ld\n", atomic_long_read(&s->fails_nomem));
	seq_printf(m, "retries %ld\n", atomic_long_read(&s->retries));
	seq_printf(m, "pages_migrated %ld\n",
		   atomic_long_read(&s->pages_migrated));
	seq_printf(m, "pages_from_reserve %ld\n",
		   atomic_long_read(&s->pages_from_reserve));
	seq_printf(m, "pages_reserved %ld\n",
		   atomic_long_read(&s->pages_reserved));
	seq_printf(m, "reserve_pages %lu\n", READ_ONCE(r->reserve_pages));
	seq_printf(m, "reserve_target %lu\n", READ_ONCE(r->reserve_target));
	for (i = 0; i < DCMA_LATENCY_BUCKETS - 1; i++)
		seq_printf(m, "latency_us_le_%u %ld\n", dcma_latency_bounds_us[i],
			   atomic_long_read(&s->latency[i]));
	seq_printf(m, "latency_us_gt_%u %ld\n", dcma_latency_bounds_us[i - 1],
		   atomic_long_read(&s->latency[i]));
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
	unsigned long per, chunks, c, pfn, end, flags, order, in, lent, off;
	unsigned long *held;
	struct dcma_buffer *b;
	struct rb_node *n;
	struct page *page;

	per = DIV_ROUND_UP(r->nr_pages, DCMA_MAP_CHARS);
	chunks = DIV_ROUND_UP(r->nr_pages, per);
	off = BITS_TO_LONGS(r->nr_pages) * BITS_PER_LONG;
	held = bitmap_zalloc(off * 2, GFP_KERNEL);
	if (!held)
		return -ENOMEM;

	/*
	 * bits [0, nr_pages): in a buffer; [off, off + nr_pages): free, in
	 * the page allocator or the reserve
	 */
	spin_lock_irqsave(&r->lock, flags);
	for (n = rb_first(&r->buffers); n; n = rb_next(n)) {
		b = rb_entry(n, struct dcma_buffer, node);
		bitmap_set(held, b->pfn - r->base_pfn, b->nr_pages);
	}
	if (r->reserve)
		bitmap_copy(held + BITS_TO_LONGS(r->nr_pages), r->reserve,
			    r->nr_pages);
	spin_unlock_irqrestore(&r->lock, flags);
	for (pfn = r->base_pfn, end = pfn + r->nr_pages; pfn < end;) {
		page = pfn_to_page(pfn);
		order = 0;
		if (PageBuddy(page))
			order = min_t(unsigned long, READ_ONCE(page_private(page)),
				      MAX_ORDER - 1);
		if (PageBuddy(page) || !r->reusable)
			bitmap_set(held, off + pfn - r->base_pfn,
				   min(1UL << order, end - pfn));
		pfn += 1UL << order;
		cond_resched();
	}

	seq_printf(m, "# %lu pages, %lu per character: '#' in buffers, '+' partly, 'o' lent, '.' free\n",
		   r->nr_pages, per);
	for (c = 0; c < chunks; c++) {
		unsigned long first = c * per, len = min(per, r->nr_pages - first);
		unsigned long i;

		in = 0;
		lent = 0;
		for (i = first; i < first + len; i++) {
			if (test_bit(i, held))
				in++;
			else if (!test_bit(off + i, held))
				lent++;
		}
		if (c % DCMA_MAP_COLS == 0)
			seq_printf(m, "%s%08lx ", c ? "\n" : "", first);
		seq_putc(m, in == len ? '#' : in ? '+' : lent ? 'o' : '.');
	}
	seq_putc(m, '\n');
	bitmap_free(held);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(occupancy);

#ifdef CONFIG_DCMA_DEBUG
/*
 * The test knob: each open file takes one command per write and keeps the
 * last result for read():
 *
 *   alloc <region> <size> [<align>]   result: "<phys> <bytes> <zeroed>"
 *   get <phys>
 *   put <phys>
 *   fill <phys>                       write 0xa5 all over the live buffer
 *                                     at <phys>, as its owner would
 *   pin <phys>, unpin <phys>          take a page reference on the first
 *                                     page of the live buffer at <phys>,
 *                                     as a leaked get_page() would, and
 *                                     drop it again (at most 4 at a time)
 *   drain                             flush per-cpu free page lists, so
 *                                     that freed pages count as free
 *   dma_alloc <dev> <size>            dma_alloc_coherent() on a test device;
 *                                     result: "<dma address> <bytes> <zeroed>"
 *   dma_alloc_atomic <dev> <size>     the same with GFP_ATOMIC
 *   dma_alloc_pages <dev> <size>      dma_alloc_pages(); the same result
 *   dma_alloc_nomap <dev> <size>      dma_alloc_attrs() with
 *                                     DMA_ATTR_NO_KERNEL_MAPPING; the same
 *   dma_free <dev> <dma address>      dma_free_coherent() of such a buffer
 *   dma_refree <dev> <dma address>    dma_free_pages() of the first page
 *                                     of a dcma buffer freed already, as a
 *                                     driver's double free would
 *   dcma_alloc <dev> <kind|-> <size>  dcma_alloc(); result:
 *                                     "<phys> <bytes> <zeroed>"
 *   mask <dev> <bits>                 set a test device's coherent DMA mask
 *   unplug <dev>, plug <dev>          remove a test device, add it again
 *
 * The test devices are platform devices "dcma-test.0" to "dcma-test.3",
 * added at boot like any other device, so "dcma_map=" rules bind them.
 * <zeroed> is 1 when the buffer read back all zeroes.
 *
 * A failing command fails the write with its -errno.
 */
#define DCMA_TEST_CMD_MAX	96

struct dcma_test_state {
	char result[64];
};

static int dcma_test_open(struct inode *inode, struct file *file)
{
	struct dcma_test_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	file->private_data = st;
	return st ? 0 : -ENOMEM;
}

static int dcma_test_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/* Whether [phys, phys + size) of a live buffer reads all zeroes */
static int dcma_test_zeroed(phys_addr_t phys, size_t size)
{
	return !memchr_inv(phys_to_virt(phys), 0, size);
}

#define DCMA_TEST_PINS		4

/* dcma_test_pin_lock protects dcma_test_pins[], the pages pinned */
static DEFINE_MUTEX(dcma_test_pin_lock);
static struct page *dcma_test_pins[DCMA_TEST_PINS];

/* fill, pin and unpin on the buffer at @phys */
static int dcma_test_page_cmd(const char *verb, phys_addr_t phys)
{
	struct dcma_buffer *buf;
	int i, ret = 0;

	mutex_lock(&dcma_test_pin_lock);
	if (!strcmp(verb, "unpin")) {
		for (i = 0; i < DCMA_TEST_PINS; i++)
			if (dcma_test_pins[i] &&
			    page_to_phys(dcma_test_pins[i]) == phys)
				break;
		if (i == DCMA_TEST_PINS) {
			ret = -ENOENT;
		} else {
			put_page(dcma_test_pins[i]);
			dcma_test_pins[i] = NULL;
		}
		goto out_unlock;
	}
	buf = dcma_buffer_get(phys);
	if (!buf) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (!strcmp(verb, "fill")) {
		memset(phys_to_virt(phys), 0xa5, dcma_buffer_size(buf));
	} else {
		for (i = 0; i < DCMA_TEST_PINS && dcma_test_pins[i]; i++)
			;
		if (i == DCMA_TEST_PINS) {
			ret = -ENOSPC;
		} else {
			dcma_test_pins[i] = dcma_buffer_page(buf);
			get_page(dcma_test_pins[i]);
		}
	}
	dcma_put(phys);
out_unlock:
	mutex_unlock(&dcma_test_pin_lock);
	return ret;
}

static int dcma_test_alloc(struct dcma_test_state *st, char *args)
{
	char *name = strsep(&args, " "), *arg;
	struct dcma_buffer *buf;
	struct dcma_region *r;
	u64 size, align = 0;
	phys_addr_t phys;

	r = name ? dcma_region_find(name) : NULL;
	if (!r)
		return -ENODEV;
	arg = strsep(&args, " ");
	if (!arg || kstrtou64(arg, 0, &size))
		return -EINVAL;
	arg = strsep(&args, " ");
	if (arg && kstrtou64(arg, 0, &align))
		return -EINVAL;
	if (args)
		return -EINVAL;

	buf = dcma_region_alloc(r, size, align, GFP_KERNEL | __GFP_NOWARN);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	phys = dcma_buffer_phys(buf);
	snprintf(st->result, sizeof(st->result), "%pa %zu %d\n", &phys,
		 dcma_buffer_size(buf), dcma_test_zeroed(phys, dcma_buffer_size(buf)));
	return 0;
}

/*
 * dcma-test.0 to .2 have no driver; dcma-test.3 has the knob's own, so that
 * its removal goes through a driver's unbind as a real device's does.
 */
#define DCMA_TEST_DEVS		4
#define DCMA_TEST_DRV_ID	3
#define DCMA_TEST_BUFS		16

/* dcma_test_lock protects the test devices and their DMA buffers */
static DEFINE_MUTEX(dcma_test_lock);
static struct platform_device *dcma_test_devs[DCMA_TEST_DEVS];
static struct dcma_test_buf {
	struct platform_device *pdev;
	struct page *page;	/* from dma_alloc_pages() */
	void *cpu;
	dma_addr_t dma;
	size_t size;
	unsigned long attrs;
} dcma_test_bufs[DCMA_TEST_BUFS];

/*
 * The driver offers itself to every test device and takes dcma-test.3
 * only: the others see a probe that fails, and a driver that never bound.
 */
static int dcma_test_probe(struct platform_device *pdev)
{
	return pdev->id == DCMA_TEST_DRV_ID ? 0 : -ENODEV;
}

static struct platform_driver dcma_test_driver = {
	.probe = dcma_test_probe,
	.driver = {
		.name = "dcma-test",
		.suppress_bind_attrs = true,
	},
};

static struct platform_device *dcma_test_plug(int id)
{
	struct platform_device_info info = {
		.name = "dcma-test",
		.id = id,
		.dma_mask = DMA_BIT_MASK(32),
	};

	return platform_device_register_full(&info);
}

/* A test device by name, or by name of a removed one; under the lock */
static int dcma_test_dev(const char *name)
{
	int id;

	if (!name || strncmp(name, "dcma-test.", 10) || kstrtoint(name + 10, 10, &id) ||
	    id < 0 || id >= DCMA_TEST_DEVS)
		return -ENODEV;
	return id;
}

static void dcma_test_buf_free(struct dcma_test_buf *tb)
{
	if (tb->page)
		dma_free_pages(&tb->pdev->dev, tb->size, tb->page, tb->dma,
			       DMA_BIDIRECTIONAL);
	else
		dma_free_attrs(&tb->pdev->dev, tb->size, tb->cpu, tb->dma,
			       tb->attrs);
	tb->pdev = NULL;
}

static int dcma_test_dma(struct dcma_test_state *st, char *verb, char *args)
{
	char *name = strsep(&args, " "), *arg = strsep(&args, " "), *kind;
	struct platform_device *pdev;
	struct dcma_test_buf *tb;
	int id = dcma_test_dev(name), i, ret = 0;
	void *zeroed_cpu = NULL;
	phys_addr_t phys;
	u64 val;

	if (id < 0)
		return id;
	if (!strcmp(verb, "unplug") || !strcmp(verb, "plug"))
		return arg ? -EINVAL : 0;
	if (!arg)
		return -EINVAL;
	kind = arg;
	if (!strcmp(verb, "dcma_alloc"))
		arg = strsep(&args, " ");
	if (!arg || args || kstrtou64(arg, 0, &val))
		return -EINVAL;

	pdev = dcma_test_devs[id];
	if (!pdev)
		return -ENODEV;
	if (!strcmp(verb, "mask")) {
		if (val < 12 || val > 64)
			return -EINVAL;
		/* set, not negotiated: the tests want masks no memory meets */
		pdev->dev.coherent_dma_mask = DMA_BIT_MASK(val);
		return 0;
	}
	if (!strcmp(verb, "dcma_alloc")) {
		ret = dcma_alloc(&pdev->dev, strcmp(kind, "-") ? kind : NULL,
				 val, 0, &phys);
		if (ret)
			return ret;
		snprintf(st->result, sizeof(st->result), "%pa %llu %d\n", &phys,
			 PAGE_ALIGN(val), dcma_test_zeroed(phys, PAGE_ALIGN(val)));
		return 0;
	}
	if (!strcmp(verb, "dma_refree")) {
		/* a second dma_free_pages() of a buffer freed already */
		phys = dma_to_phys(&pdev->dev, val);
		if (!dcma_region_of(phys) || !PAGE_ALIGNED(phys))
			return -EINVAL;
		dma_free_pages(&pdev->dev, PAGE_SIZE,
			       pfn_to_page(PHYS_PFN(phys)), val,
			       DMA_BIDIRECTIONAL);
		return 0;
	}
	if (!strcmp(verb, "dma_free")) {
		for (i = 0; i < DCMA_TEST_BUFS; i++) {
			tb = &dcma_test_bufs[i];
			if (tb->pdev == pdev && tb->dma == val)
				break;
		}
		if (i == DCMA_TEST_BUFS)
			return -ENOENT;
		dcma_test_buf_free(tb);
		return 0;
	}
	/* dma_alloc */
	for (i = 0; i < DCMA_TEST_BUFS && dcma_test_bufs[i].pdev; i++)
		;
	if (i == DCMA_TEST_BUFS || !val || val > SZ_1G)
		return i == DCMA_TEST_BUFS ? -ENOSPC : -EINVAL;
	tb = &dcma_test_bufs[i];
	tb->page = NULL;
	tb->attrs = 0;
	if (!strcmp(verb, "dma_alloc_nomap")) {
		/* dma-direct's cookie is the first page */
		tb->attrs = DMA_ATTR_NO_KERNEL_MAPPING;
		tb->cpu = dma_alloc_attrs(&pdev->dev, val, &tb->dma, GFP_KERNEL |
					  __GFP_NOWARN, tb->attrs);
		zeroed_cpu = tb->cpu ? page_address(tb->cpu) : NULL;
	} else if (!strcmp(verb, "dma_alloc_pages")) {
		tb->page = dma_alloc_pages(&pdev->dev, val, &tb->dma,
					   DMA_BIDIRECTIONAL,
					   GFP_KERNEL | __GFP_NOWARN);
		tb->cpu = tb->page ? page_address(tb->page) : NULL;
	} else {
		tb->cpu = dma_alloc_coherent(&pdev->dev, val, &tb->dma,
					     (strcmp(verb, "dma_alloc") ?
					      GFP_ATOMIC : GFP_KERNEL) |
					     __GFP_NOWARN);
	}
	if (!tb->cpu)
		return -ENOMEM;
	tb->pdev = pdev;
	tb->size = val;
	snprintf(st->result, sizeof(st->result), "%pad %zu %d\n", &tb->dma,
		 tb->size, !memchr_inv(zeroed_cpu ?: tb->cpu, 0, tb->size));
	return ret;
}

/* dma_alloc, dma_free, dcma_alloc, mask, plug, unplug */
static int dcma_test_device_cmd(struct dcma_test_state *st, char *verb,
				char *args)
{
	struct platform_device *pdev;
	int id, i, ret;

	mutex_lock(&dcma_test_lock);
	ret = dcma_test_dma(st, verb, args);
	if (ret || (strcmp(verb, "unplug") && strcmp(verb, "plug")))
		goto out_unlock;
	id = dcma_test_dev(args);
	if (verb[0] == 'u') {
		if (!dcma_test_devs[id]) {
			ret = -ENODEV;
			goto out_unlock;
		}
		/* what a driver's remove would do */
		for (i = 0; i < DCMA_TEST_BUFS; i++)
			if (dcma_test_bufs[i].pdev == dcma_test_devs[id])
				dcma_test_buf_free(&dcma_test_bufs[i]);
		platform_device_unregister(dcma_test_devs[id]);
		dcma_test_devs[id] = NULL;
	} else {
		if (dcma_test_devs[id]) {
			ret = -EEXIST;
			goto out_unlock;
		}
		pdev = dcma_test_plug(id);
		if (IS_ERR(pdev))
			ret = PTR_ERR(pdev);
		else
			dcma_test_devs[id] = pdev;
	}
out_unlock:
	mutex_unlock(&dcma_test_lock);
	return ret;
}

static ssize_t dcma_test_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct dcma_test_state *st = file->private_data;
	char cmd[DCMA_TEST_CMD_MAX], *args, *verb;
	u64 phys;
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	args = strim(cmd);
	verb = strsep(&args, " ");
	st->result[0] = '\0';

	if (!strcmp(verb, "alloc") && args) {
		ret = dcma_test_alloc(st, args);
	} else if (!strcmp(verb, "drain") && !args) {
		lru_add_drain_all();
		drain_all_pages(NULL);
		ret = 0;
	} else if (args && (!strcmp(verb, "fill") || !strcmp(verb, "pin") ||
			    !strcmp(verb, "unpin"))) {
		ret = kstrtou64(args, 0, &phys);
		if (!ret)
			ret = dcma_test_page_cmd(verb, phys);
	} else if (args && (!strcmp(verb, "dma_alloc") ||
			    !strcmp(verb, "dma_alloc_atomic") ||
			    !strcmp(verb, "dma_alloc_pages") ||
			    !strcmp(verb, "dma_alloc_nomap") ||
			    !strcmp(verb, "dma_free") ||
			    !strcmp(verb, "dma_refree") ||
			    !strcmp(verb, "dcma_alloc") || !strcmp(verb, "mask") ||
			    !strcmp(verb, "plug") || !strcmp(verb, "unplug"))) {
		ret = dcma_test_device_cmd(st, verb, args);
	} else if ((!strcmp(verb, "get") || !strcmp(verb, "put")) && args) {
		ret = kstrtou64(args, 0, &phys);
		if (!ret)
			ret = verb[0] == 'g' ? dcma_get(phys) : dcma_put(phys);
	} else {
		ret = -EINVAL;
	}
	return ret ? ret : count;
}

static ssize_t dcma_test_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct dcma_test_state *st = file->private_data;

	return simple_read_from_buffer(ubuf, count, ppos, st->result,
				       strlen(st->result));
}

static const struct file_operations dcma_test_fops = {
	.owner = THIS_MODULE,
	.open = dcma_test_open,
	.release = dcma_test_release,
	.read = dcma_test_read,
	.write = dcma_test_write,
	.llseek = no_llseek,
};

static void dcma_debugfs_add_test(void)
{
	struct platform_device *pdev;
	int id;

	debugfs_create_file("test", 0600, dcma_debugfs_root, NULL,
			    &dcma_test_fops);
	if (platform_driver_register(&dcma_test_driver))
		pr_err("cannot register the test devices' driver\n");
	for (id = 0; id < DCMA_TEST_DEVS; id++) {
		pdev = dcma_test_plug(id);
		if (IS_ERR(pdev))
			pr_err("cannot add test device %d (%ld)\n", id,
			       PTR_ERR(pdev));
		else
			dcma_test_devs[id] = pdev;
	}
}
#else
static void dcma_debugfs_add_test(void)
{
}
#endif /* CONFIG_DCMA_DEBUG */

/*
 * debugfs failures are ignored on purpose: the files are for people, and
 * dcma works without them.
 */
static int __init dcma_debugfs_init(void)
{
	struct dentry *dir;
	int i;

	dcma_debugfs_root = debugfs_create_dir("dcma", NULL);
	debugfs_create_file("regions", 0444, dcma_debugfs_root, NULL,
			    &regions_fops);
	debugfs_create_file("map", 0444, dcma_debugfs_root, NULL, &map_fops);
	for (i = 0; i < dcma_region_count; i++) {
		struct dcma_region *r = &dcma_regions[i];

		if (!r->active)
			continue;
		dir = debugfs_create_dir(r->name, dcma_debugfs_root);
		debugfs_create_file("buffers", 0400, dir, r, &buffers_fops);
		debugfs_create_file("stats", 0444, dir, r, &stats_fops);
		debugfs_create_file("occupancy", 0444, dir, r, &occupancy_fops);
	}
#ifdef CONFIG_FAIL_DCMA_CLAIM
	fault_create_debugfs_attr("fail_claim", dcma_debugfs_root,
				  &dcma_fail_claim);
#endif
	dcma_debugfs_add_test();
	return 0;
}

/* debugfs registers itself at core_initcall, after the regions activate */
late_initcall(dcma_debugfs_init);
