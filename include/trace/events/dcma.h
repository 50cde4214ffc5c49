/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dcma tracepoints: allocations (start, finish with error and retries),
 * migration retries, releases, references taken and dropped, bindings,
 * and what importers and userspace do with dma-buf heap buffers.
 * Enable them under /sys/kernel/tracing/events/dcma/.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dcma

#if !defined(_TRACE_DCMA_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DCMA_H

#include <linux/tracepoint.h>
#include <linux/types.h>

TRACE_EVENT(dcma_alloc_start,

	TP_PROTO(const char *region, const char *owner, unsigned long nr_pages,
		 unsigned long align),

	TP_ARGS(region, owner, nr_pages, align),

	TP_STRUCT__entry(
		__string(region, region)
		__string(owner, owner)
		__field(unsigned long, nr_pages)
		__field(unsigned long, align)
	),

	TP_fast_assign(
		__assign_str(region);
		__assign_str(owner);
		__entry->nr_pages = nr_pages;
		__entry->align = align;
	),

	TP_printk("region=%s owner=%s pages=%lu align=%lu",
		  __get_str(region), __get_str(owner), __entry->nr_pages,
		  __entry->align)
);

TRACE_EVENT(dcma_alloc_finish,

	TP_PROTO(const char *region, const char *owner, unsigned long pfn,
		 unsigned long nr_pages, int err, int retries, u64 ns),

	TP_ARGS(region, owner, pfn, nr_pages, err, retries, ns),

	TP_STRUCT__entry(
		__string(region, region)
		__string(owner, owner)
		__field(unsigned long, pfn)
		__field(unsigned long, nr_pages)
		__field(int, err)
		__field(int, retries)
		__field(u64, ns)
	),

	TP_fast_assign(
		__assign_str(region);
		__assign_str(owner);
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
		__entry->err = err;
		__entry->retries = retries;
		__entry->ns = ns;
	),

	TP_printk("region=%s owner=%s pfn=%#lx pages=%lu err=%d retries=%d ns=%llu",
		  __get_str(region), __get_str(owner), __entry->pfn,
		  __entry->nr_pages, __entry->err, __entry->retries,
		  __entry->ns)
);

TRACE_EVENT(dcma_migrate_retry,

	TP_PROTO(const char *region, unsigned long pfn, unsigned long nr_pages,
		 int err),

	TP_ARGS(region, pfn, nr_pages, err),

	TP_STRUCT__entry(
		__string(region, region)
		__field(unsigned long, pfn)
		__field(unsigned long, nr_pages)
		__field(int, err)
	),

	TP_fast_assign(
		__assign_str(region);
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
		__entry->err = err;
	),

	TP_printk("region=%s pfn=%#lx pages=%lu err=%d", __get_str(region),
		  __entry->pfn, __entry->nr_pages, __entry->err)
);

/* The pool worker claimed @nr_pages pages at @pfn ahead of demand. */
TRACE_EVENT(dcma_pool_fill,

	TP_PROTO(const char *region, unsigned long pfn, unsigned long nr_pages),

	TP_ARGS(region, pfn, nr_pages),

	TP_STRUCT__entry(
		__string(region, region)
		__field(unsigned long, pfn)
		__field(unsigned long, nr_pages)
	),

	TP_fast_assign(
		__assign_str(region);
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
	),

	TP_printk("region=%s pfn=%#lx pages=%lu", __get_str(region),
		  __entry->pfn, __entry->nr_pages)
);

DECLARE_EVENT_CLASS(dcma_buffer,

	TP_PROTO(const char *region, unsigned long pfn, unsigned long nr_pages,
		 unsigned int refs),

	TP_ARGS(region, pfn, nr_pages, refs),

	TP_STRUCT__entry(
		__string(region, region)
		__field(unsigned long, pfn)
		__field(unsigned long, nr_pages)
		__field(unsigned int, refs)
	),

	TP_fast_assign(
		__assign_str(region);
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
		__entry->refs = refs;
	),

	TP_printk("region=%s pfn=%#lx pages=%lu refs=%u", __get_str(region),
		  __entry->pfn, __entry->nr_pages, __entry->refs)
);

/* a reference taken; @refs is the count after it */
DEFINE_EVENT(dcma_buffer, dcma_get,
	TP_PROTO(const char *region, unsigned long pfn, unsigned long nr_pages,
		 unsigned int refs),
	TP_ARGS(region, pfn, nr_pages, refs)
);

/* a reference dropped; @refs is the count after it */
DEFINE_EVENT(dcma_buffer, dcma_put,
	TP_PROTO(const char *region, unsigned long pfn, unsigned long nr_pages,
		 unsigned int refs),
	TP_ARGS(region, pfn, nr_pages, refs)
);

/* the last reference went: the range is back in its region */
DEFINE_EVENT(dcma_buffer, dcma_release,
	TP_PROTO(const char *region, unsigned long pfn, unsigned long nr_pages,
		 unsigned int refs),
	TP_ARGS(region, pfn, nr_pages, refs)
);

TRACE_EVENT(dcma_bind,

	TP_PROTO(const char *dev, const char *rules),

	TP_ARGS(dev, rules),

	TP_STRUCT__entry(
		__string(dev, dev)
		__string(rules, rules)
	),

	TP_fast_assign(
		__assign_str(dev);
		__assign_str(rules);
	),

	TP_printk("dev=%s rules=%s", __get_str(dev), __get_str(rules))
);

/*
 * an operation on a dma-buf heap buffer: "attach", "map", "unmap" and
 * "detach" by the importing device @dev; "begin_cpu", "end_cpu", "vmap",
 * "vunmap" and "mmap" with @dev "-"
 */
TRACE_EVENT(dcma_heap_op,

	TP_PROTO(const char *op, unsigned long pfn, unsigned long nr_pages,
		 const char *dev),

	TP_ARGS(op, pfn, nr_pages, dev),

	TP_STRUCT__entry(
		__string(op, op)
		__field(unsigned long, pfn)
		__field(unsigned long, nr_pages)
		__string(dev, dev)
	),

	TP_fast_assign(
		__assign_str(op);
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
		__assign_str(dev);
	),

	TP_printk("op=%s pfn=%#lx pages=%lu dev=%s", __get_str(op),
		  __entry->pfn, __entry->nr_pages, __get_str(dev))
);

#endif /* _TRACE_DCMA_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
