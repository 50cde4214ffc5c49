// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: counters in sysfs, a stable ABI (Documentation/ABI/testing/
 * sysfs-kernel-mm-dcma), named as newest mainline names CMA's:
 *
 * /sys/kernel/mm/dcma/<region>/
 *   alloc_pages_success    pages handed out by successful allocations
 *   alloc_pages_fail       pages asked for by failed allocations
 *   release_pages_success  pages given back by last dcma_put()s
 *   total_pages            pages in the region
 *   available_pages        pages not held by any buffer
 *   pool_pages             (rw) pages of a reusable region kept claimed
 *                          ahead of demand; writing sets the target
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "dcma.h"

struct dcma_kobject {
	struct kobject kobj;
	struct dcma_region *region;
};

static struct dcma_region *dcma_from_kobj(struct kobject *kobj)
{
	return container_of(kobj, struct dcma_kobject, kobj)->region;
}

/* A counter of enum dcma_stat_item as a read-only attribute */
#define DCMA_COUNTER_ATTR(_name, _item)					\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n",				\
			  dcma_region_stat(dcma_from_kobj(kobj), _item));	\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

DCMA_COUNTER_ATTR(alloc_pages_success, DCMA_PAGES_ALLOCATED);
DCMA_COUNTER_ATTR(alloc_pages_fail, DCMA_PAGES_FAILED);
DCMA_COUNTER_ATTR(release_pages_success, DCMA_PAGES_RELEASED);

static ssize_t total_pages_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  (unsigned long)(dcma_region_size(dcma_from_kobj(kobj)) >>
					  PAGE_SHIFT));
}

static ssize_t available_pages_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct dcma_region_state st;

	dcma_region_snapshot(dcma_from_kobj(kobj), &st, false);
	return sysfs_emit(buf, "%lu\n", st.alloc.free_pages);
}

static ssize_t pool_pages_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  dcma_pool_target(dcma_from_kobj(kobj)));
}

static ssize_t pool_pages_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	unsigned long pages;
	int ret;

	ret = kstrtoul(buf, 0, &pages);
	if (ret)
		return ret;
	ret = dcma_pool_set(dcma_from_kobj(kobj), pages);
	return ret ?: count;
}

static struct kobj_attribute total_pages_attr = __ATTR_RO(total_pages);
static struct kobj_attribute pool_pages_attr = __ATTR_RW(pool_pages);
static struct kobj_attribute available_pages_attr = __ATTR_RO(available_pages);

static struct attribute *dcma_attrs[] = {
	&alloc_pages_success_attr.attr,
	&alloc_pages_fail_attr.attr,
	&release_pages_success_attr.attr,
	&total_pages_attr.attr,
	&available_pages_attr.attr,
	&pool_pages_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(dcma);

static void dcma_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct dcma_kobject, kobj));
}

static const struct kobj_type dcma_ktype = {
	.release = dcma_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = dcma_groups,
};

static int __init dcma_sysfs_add_region(struct dcma_region *r, void *root)
{
	struct dcma_region_state st;
	struct dcma_kobject *dk;
	int ret;

	dcma_region_snapshot(r, &st, false);
	if (!st.active)
		return 0;
	dk = kzalloc(sizeof(*dk), GFP_KERNEL);
	if (!dk)
		return -ENOMEM;
	dk->region = r;
	ret = kobject_init_and_add(&dk->kobj, &dcma_ktype, root, "%s",
				   dcma_region_name(r));
	if (ret) {
		pr_err("region %s: no sysfs directory (%d)\n",
		       dcma_region_name(r), ret);
		kobject_put(&dk->kobj);
	}
	return 0;
}

static int __init dcma_sysfs_init(void)
{
	struct kobject *root;

	root = kobject_create_and_add("dcma", mm_kobj);
	if (!root)
		return -ENOMEM;
	return dcma_walk_regions(dcma_sysfs_add_region, root);
}

/* after the regions' core_initcall */
subsys_initcall(dcma_sysfs_init);
