// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: a dma-buf heap per region.
 *
 * Every active region is offered to userspace as /dev/dma_heap/<region>,
 * so camera and display stacks can allocate contiguous buffers from a
 * named region with DMA_HEAP_IOCTL_ALLOC and share them as dma-bufs.  A
 * heap buffer is an ordinary dcma buffer (owner "dma-heap" in debugfs);
 * the dma-buf holds its one reference and drops it when released.
 *
 * The buffer is one physically contiguous range in the kernel's linear
 * map: importers get a one-entry sg_table, mmap() maps the range
 * directly, and vmap() is the linear address.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/dcma.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <trace/events/dcma.h>

/**
 * struct dcma_heap_buffer - a heap allocation
 * @phys: the dcma buffer's physical address, for dcma_put_owned()
 * @page: its first page
 * @size: its size in bytes
 * @lock: protects @attachments and @vmap_cnt
 * @attachments: the importers' dcma_heap_attachments
 * @vmap_cnt: vmap() calls not yet undone
 */
struct dcma_heap_buffer {
	phys_addr_t phys;
	struct page *page;
	size_t size;
	struct mutex lock;	/* see @lock above */
	struct list_head attachments;
	int vmap_cnt;
};

/**
 * struct dcma_heap_attachment - an importer of a heap buffer
 * @dev: the importing device
 * @table: the one-entry sg_table it maps
 * @list: in the buffer's @attachments
 * @mapped: @table is mapped for @dev
 */
struct dcma_heap_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head list;
	bool mapped;
};

/* The dcma_heap_op tracepoint for @hb, by @dev or by no device */
static void dcma_heap_trace(const char *op, struct dcma_heap_buffer *hb,
			    struct device *dev)
{
	trace_dcma_heap_op(op, page_to_pfn(hb->page), hb->size >> PAGE_SHIFT,
			   dev ? dev_name(dev) : "-");
}

static int dcma_heap_attach(struct dma_buf *dmabuf,
			    struct dma_buf_attachment *attachment)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;
	struct dcma_heap_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table(&a->table, 1, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	sg_set_page(a->table.sgl, hb->page, hb->size, 0);
	a->dev = attachment->dev;
	INIT_LIST_HEAD(&a->list);
	attachment->priv = a;

	mutex_lock(&hb->lock);
	list_add(&a->list, &hb->attachments);
	mutex_unlock(&hb->lock);
	dcma_heap_trace("attach", hb, a->dev);
	return 0;
}

static void dcma_heap_detach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attachment)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;
	struct dcma_heap_attachment *a = attachment->priv;

	mutex_lock(&hb->lock);
	list_del(&a->list);
	mutex_unlock(&hb->lock);
	dcma_heap_trace("detach", hb, a->dev);
	sg_free_table(&a->table);
	kfree(a);
}

static struct sg_table *dcma_heap_map(struct dma_buf_attachment *attachment,
				      enum dma_data_direction dir)
{
	struct dcma_heap_attachment *a = attachment->priv;
	int ret;

	ret = dma_map_sgtable(attachment->dev, &a->table, dir, 0);
	if (ret)
		return ERR_PTR(-ENOMEM);
	a->mapped = true;
	dcma_heap_trace("map", attachment->dmabuf->priv, a->dev);
	return &a->table;
}

static void dcma_heap_unmap(struct dma_buf_attachment *attachment,
			    struct sg_table *table,
			    enum dma_data_direction dir)
{
	struct dcma_heap_attachment *a = attachment->priv;

	a->mapped = false;
	dma_unmap_sgtable(attachment->dev, table, dir, 0);
	dcma_heap_trace("unmap", attachment->dmabuf->priv, a->dev);
}

static int dcma_heap_begin_cpu(struct dma_buf *dmabuf,
			       enum dma_data_direction dir)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;
	struct dcma_heap_attachment *a;

	mutex_lock(&hb->lock);
	if (hb->vmap_cnt)
		invalidate_kernel_vmap_range(page_address(hb->page), hb->size);
	list_for_each_entry(a, &hb->attachments, list)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->table, dir);
	mutex_unlock(&hb->lock);
	dcma_heap_trace("begin_cpu", hb, NULL);
	return 0;
}

static int dcma_heap_end_cpu(struct dma_buf *dmabuf,
			     enum dma_data_direction dir)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;
	struct dcma_heap_attachment *a;

	mutex_lock(&hb->lock);
	if (hb->vmap_cnt)
		flush_kernel_vmap_range(page_address(hb->page), hb->size);
	list_for_each_entry(a, &hb->attachments, list)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->table, dir);
	mutex_unlock(&hb->lock);
	dcma_heap_trace("end_cpu", hb, NULL);
	return 0;
}

static int dcma_heap_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;
	unsigned long pages = hb->size >> PAGE_SHIFT;

	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;
	dcma_heap_trace("mmap", hb, NULL);
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(hb->page) + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int dcma_heap_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;

	/* regions are in the linear map (dcma refuses no-map nodes) */
	mutex_lock(&hb->lock);
	hb->vmap_cnt++;
	mutex_unlock(&hb->lock);
	dcma_heap_trace("vmap", hb, NULL);
	iosys_map_set_vaddr(map, page_address(hb->page));
	return 0;
}

static void dcma_heap_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;

	mutex_lock(&hb->lock);
	hb->vmap_cnt--;
	mutex_unlock(&hb->lock);
	dcma_heap_trace("vunmap", hb, NULL);
	iosys_map_clear(map);
}

static void dcma_heap_release(struct dma_buf *dmabuf)
{
	struct dcma_heap_buffer *hb = dmabuf->priv;

	dcma_put_owned(hb->phys, "dma-heap");
	kfree(hb);
}

static const struct dma_buf_ops dcma_heap_buf_ops = {
	.attach = dcma_heap_attach,
	.detach = dcma_heap_detach,
	.map_dma_buf = dcma_heap_map,
	.unmap_dma_buf = dcma_heap_unmap,
	.begin_cpu_access = dcma_heap_begin_cpu,
	.end_cpu_access = dcma_heap_end_cpu,
	.mmap = dcma_heap_mmap,
	.vmap = dcma_heap_vmap,
	.vunmap = dcma_heap_vunmap,
	.release = dcma_heap_release,
};

static struct dma_buf *dcma_heap_allocate(struct dma_heap *heap,
					  unsigned long len,
					  u32 fd_flags,
					  u64 heap_flags)
{
	struct dcma_region *r = dma_heap_get_drvdata(heap);
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dcma_heap_buffer *hb;
	struct dcma_buffer *buf;
	struct dma_buf *dmabuf;

	hb = kzalloc(sizeof(*hb), GFP_KERNEL);
	if (!hb)
		return ERR_PTR(-ENOMEM);
	/* the buffer's first reference is the dma-buf's alone */
	buf = dcma_region_alloc_owned(r, len, 0, GFP_KERNEL | __GFP_NOWARN,
				      "dma-heap");
	if (IS_ERR(buf)) {
		kfree(hb);
		return ERR_CAST(buf);
	}
	hb->phys = dcma_buffer_phys(buf);
	hb->page = dcma_buffer_page(buf);
	hb->size = dcma_buffer_size(buf);
	mutex_init(&hb->lock);
	INIT_LIST_HEAD(&hb->attachments);

	exp_info.exp_name = dma_heap_get_name(heap);
	exp_info.ops = &dcma_heap_buf_ops;
	exp_info.size = hb->size;
	exp_info.flags = fd_flags;
	exp_info.priv = hb;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		dcma_put_owned(hb->phys, "dma-heap");
		kfree(hb);
	}
	return dmabuf;
}

static const struct dma_heap_ops dcma_heap_ops = {
	.allocate = dcma_heap_allocate,
};

static int __init dcma_heap_add(struct dcma_region *r, void *unused)
{
	struct dma_heap_export_info info = {
		.name = dcma_region_name(r),
		.ops = &dcma_heap_ops,
		.priv = r,
	};
	struct dma_heap *heap;

	if (!dcma_region_find(info.name))
		return 0;
	heap = dma_heap_add(&info);
	if (IS_ERR(heap))
		pr_err("region %s: no dma-buf heap (%ld)\n", info.name,
		       PTR_ERR(heap));
	return 0;
}

/* After the dma-heap class (subsys_initcall) and the regions. */
static int __init dcma_heaps_init(void)
{
	return dcma_walk_regions(dcma_heap_add, NULL);
}
device_initcall(dcma_heaps_init);
