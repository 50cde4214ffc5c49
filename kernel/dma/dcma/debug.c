// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: the test knob, /sys/kernel/debug/dcma/test (CONFIG_DCMA_DEBUG),
 * and its test devices.  A tool for the kselftests, root only.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "dcma.h"

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

	if (!st)
		return -ENOMEM;
	file->private_data = st;
	return nonseekable_open(inode, file);
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

/* A second dma_free_pages() of a buffer freed already, at DMA address @dma */
static int dcma_test_dma_refree(struct platform_device *pdev, u64 dma)
{
	phys_addr_t phys = dma_to_phys(&pdev->dev, dma);

	if (!dcma_region_of(phys) || !PAGE_ALIGNED(phys))
		return -EINVAL;
	dma_free_pages(&pdev->dev, PAGE_SIZE, pfn_to_page(PHYS_PFN(phys)), dma,
		       DMA_BIDIRECTIONAL);
	return 0;
}

/* Free the test buffer of @pdev at DMA address @dma */
static int dcma_test_dma_free(struct platform_device *pdev, u64 dma)
{
	struct dcma_test_buf *tb;
	int i;

	for (i = 0; i < DCMA_TEST_BUFS; i++) {
		tb = &dcma_test_bufs[i];
		if (tb->pdev == pdev && tb->dma == dma) {
			dcma_test_buf_free(tb);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * A DMA API buffer of @size bytes for @pdev: "dma_alloc" and
 * "dma_alloc_atomic" through dma_alloc_coherent(), "dma_alloc_nomap"
 * without a kernel mapping, "dma_alloc_pages" through dma_alloc_pages().
 * The result is its DMA address, size and whether it reads all zeroes.
 */
static int dcma_test_dma_alloc(struct dcma_test_state *st,
			       struct platform_device *pdev, const char *verb,
			       u64 size)
{
	struct dcma_test_buf *tb;
	void *zeroed_cpu = NULL;
	int i;

	for (i = 0; i < DCMA_TEST_BUFS && dcma_test_bufs[i].pdev; i++)
		;
	if (i == DCMA_TEST_BUFS || !size || size > SZ_1G)
		return i == DCMA_TEST_BUFS ? -ENOSPC : -EINVAL;
	tb = &dcma_test_bufs[i];
	tb->page = NULL;
	tb->attrs = 0;
	if (!strcmp(verb, "dma_alloc_nomap")) {
		/* dma-direct's cookie is the first page */
		tb->attrs = DMA_ATTR_NO_KERNEL_MAPPING;
		tb->cpu = dma_alloc_attrs(&pdev->dev, size, &tb->dma, GFP_KERNEL |
					  __GFP_NOWARN, tb->attrs);
		zeroed_cpu = tb->cpu ? page_address(tb->cpu) : NULL;
	} else if (!strcmp(verb, "dma_alloc_pages")) {
		tb->page = dma_alloc_pages(&pdev->dev, size, &tb->dma,
					   DMA_BIDIRECTIONAL,
					   GFP_KERNEL | __GFP_NOWARN);
		tb->cpu = tb->page ? page_address(tb->page) : NULL;
	} else {
		tb->cpu = dma_alloc_coherent(&pdev->dev, size, &tb->dma,
					     (strcmp(verb, "dma_alloc") ?
					      GFP_ATOMIC : GFP_KERNEL) |
					     __GFP_NOWARN);
	}
	if (!tb->cpu)
		return -ENOMEM;
	tb->pdev = pdev;
	tb->size = size;
	snprintf(st->result, sizeof(st->result), "%pad %zu %d\n", &tb->dma,
		 tb->size, !memchr_inv(zeroed_cpu ?: tb->cpu, 0, tb->size));
	return 0;
}

static int dcma_test_dma(struct dcma_test_state *st, char *verb, char *args)
{
	char *name = strsep(&args, " "), *arg = strsep(&args, " "), *kind;
	int id = dcma_test_dev(name), ret;
	struct platform_device *pdev;
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
	if (!strcmp(verb, "dma_refree"))
		return dcma_test_dma_refree(pdev, val);
	if (!strcmp(verb, "dma_free"))
		return dcma_test_dma_free(pdev, val);
	return dcma_test_dma_alloc(st, pdev, verb, val);
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
};

/* after debugfs.c's late_initcall (link order): the directory exists */
static int __init dcma_debug_init(void)
{
	struct platform_device *pdev;
	struct dentry *dir;
	int id;

	/* no directory, no knob: not at the debugfs root instead */
	dir = debugfs_lookup("dcma", NULL);
	if (dir)
		debugfs_create_file("test", 0600, dir, NULL, &dcma_test_fops);
	dput(dir);
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
	return 0;
}
late_initcall(dcma_debug_init);
