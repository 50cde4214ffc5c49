// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: devices bound to regions, and the DMA API on top of them.
 *
 * A device is bound to regions by the "dcma_map=" rules that match it
 * (parse.c has the grammar) and by its device-tree node's "memory-region"
 * phandles that point at dcma regions.  No driver asks for it: dcma
 * watches the platform, AMBA and PCI buses and binds each device when it
 * is added (and again when a driver binds or unbinds, for the rules that
 * match driver names), so hotplugged and late devices are covered too.
 * A device that goes away loses its binding; its buffers stay valid until
 * their last reference goes.
 *
 * A binding is an ordered list of rules: first the command line's, in
 * their order (the command line overrides the firmware), then one rule per
 * kind from the device tree, whose "memory-region-names" name the kinds
 * ("default", or no names at all, for the DMA API).  A request with a kind
 * takes the first rule whose kind pattern matches it and tries that rule's
 * regions in order.  The DMA API's requests have no kind.
 *
 * The DMA hook: dma-direct asks dma_alloc_from_dcma() first, so
 * dma_alloc_coherent(), dma_alloc_attrs() and dma_alloc_pages() of a bound
 * device draw from its regions, and dma_free_contiguous() gives dcma its
 * pages back through dma_release_from_dcma(), which drops the
 * allocation's reference; dma-direct does not clear a buffer a second
 * time when dma_zeroed_by_dcma() says it is dcma's.  Like the per-device
 * coherent pools' hooks in kernel/dma/coherent.c, the allocation hook
 * answers once: not dcma's (the normal path goes on), dcma's with a
 * buffer, or dcma's and failed (the request fails).  A region beyond the
 * device's coherent DMA mask is skipped with a one-time warning.  When
 * every region is full, the rule's policy decides: fail, or go on down
 * the normal path.  Non-blocking requests never reach dcma: they keep
 * going to the atomic pool or the page allocator, as before.
 *
 * Bindings live in a hash table keyed by the device, written under
 * dcma_bind_lock and read under RCU, so the allocation path takes no lock
 * but a region's own.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/amba/bus.h>
#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/export.h>
#include <linux/glob.h>
#include <linux/hashtable.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "dcma.h"

#include <trace/events/dcma.h>

/**
 * struct dcma_rule - a rule ready to match
 * @spec: as parsed; for a device-tree rule only @spec.kind is used
 * @regions: the regions that exist, in order
 * @nr_regions: entries in @regions
 * @from_dt: made from a device node's "memory-region"
 */
struct dcma_rule {
	struct dcma_rule_spec spec;
	struct dcma_region *regions[DCMA_RULE_REGIONS];
	int nr_regions;
	bool from_dt;
};

/**
 * struct dcma_binding - the rules one device is bound by
 * @node: in dcma_bindings, under dcma_bind_lock; read under RCU
 * @rcu: frees the binding after the readers are gone
 * @dev: the device
 * @rules: the rules that match it, in the order they are tried
 * @nr_rules: entries in @rules
 * @dt_rules: the device-tree rules, owned by the binding
 * @dma_rule: the DMA API's rule (the first for kind ""), or NULL; worked
 *	out once, when the binding is made, for the allocation path
 * @warned: regions (by index) already reported beyond the DMA mask
 * @said_fallback: the device was told it falls back to the normal path
 */
struct dcma_binding {
	struct hlist_node node;
	struct rcu_head rcu;
	struct device *dev;
	const struct dcma_rule *rules[DCMA_MAX_RULES];
	int nr_rules;
	struct dcma_rule *dt_rules;
	const struct dcma_rule *dma_rule;
	unsigned long warned;
	unsigned long said_fallback;
};

static struct dcma_rule_spec dcma_map_specs[DCMA_MAX_RULES] __initdata;
static int dcma_map_count __initdata;

/* The command line's rules; written once at postcore_initcall_sync */
static struct dcma_rule dcma_rules[DCMA_MAX_RULES];
static int dcma_nr_rules;
static bool dcma_driver_rules;

/* dcma_bind_lock protects writes to dcma_bindings; readers use RCU */
static DEFINE_MUTEX(dcma_bind_lock);
static DEFINE_HASHTABLE(dcma_bindings, 6);
static atomic_t dcma_nr_bindings = ATOMIC_INIT(0);

static void __init dcma_map_error(const char *token, const char *reason,
				  void *data)
{
	pr_err("skipped \"%s\" in dcma_map=: %s\n", token, reason);
}

/* Like most parameters, a repeated "dcma_map=" replaces the earlier one */
static int __init dcma_map_param(char *str)
{
	static int seen __initdata;

	if (seen++ == 1)
		pr_warn("dcma_map= is given more than once; only the last one counts\n");
	dcma_map_count = dcma_parse_map(str ?: "", dcma_map_specs,
					DCMA_MAX_RULES, dcma_map_error, NULL);
	return 0;
}

early_param("dcma_map", dcma_map_param);

static const char *const dcma_match_prefix[] = {
	[DCMA_MATCH_NAME] = "",
	[DCMA_MATCH_DRIVER] = "driver:",
	[DCMA_MATCH_PCI] = "pci:",
};

/* "<prefix><glob>[/<kind>]", for messages and debugfs */
static void dcma_rule_pattern(const struct dcma_rule *rule, char *buf,
			      size_t len)
{
	if (rule->from_dt)
		snprintf(buf, len, "memory-region/%s",
			 rule->spec.kind[0] ? rule->spec.kind : "default");
	else
		snprintf(buf, len, "%s%s%s%s", dcma_match_prefix[rule->spec.match],
			 rule->spec.glob, rule->spec.kind[0] ? "/" : "",
			 rule->spec.kind);
}

/* "<region>,<region>...": the rule's regions in order; the length */
static size_t dcma_rule_regions(const struct dcma_rule *rule, char *buf,
				size_t len)
{
	size_t n = 0;
	int j;

	if (!len)
		return 0;
	buf[0] = '\0';
	for (j = 0; j < rule->nr_regions; j++)
		n += scnprintf(buf + n, len - n, "%s%s", j ? "," : "",
			       rule->regions[j]->name);
	return n;
}

/* Look the rules' regions up, once the regions are active. */
static void __init dcma_rules_compile(void)
{
	char pattern[DCMA_GLOB_LEN + DCMA_NAME_LEN + 8];
	struct dcma_rule *rule;
	struct dcma_region *r;
	int i, j;

	for (i = 0; i < dcma_map_count; i++) {
		rule = &dcma_rules[dcma_nr_rules];
		memset(rule, 0, sizeof(*rule));
		rule->spec = dcma_map_specs[i];
		dcma_rule_pattern(rule, pattern, sizeof(pattern));
		for (j = 0; j < rule->spec.nr_regions; j++) {
			r = dcma_region_find(rule->spec.regions[j]);
			if (!r) {
				pr_err("dcma_map= rule %s: no region \"%s\"; skipped\n",
				       pattern, rule->spec.regions[j]);
				continue;
			}
			rule->regions[rule->nr_regions++] = r;
		}
		if (!rule->nr_regions) {
			pr_err("dcma_map= rule %s skipped: none of its regions exists\n",
			       pattern);
			continue;
		}
		if (rule->spec.match == DCMA_MATCH_DRIVER)
			dcma_driver_rules = true;
		dcma_nr_rules++;
	}
}

static bool dcma_rule_matches(const struct dcma_rule *rule,
			      struct device *dev, const struct device_driver *drv)
{
	char ids[10];

	switch (rule->spec.match) {
	case DCMA_MATCH_NAME:
		return glob_match(rule->spec.glob, dev_name(dev));
	case DCMA_MATCH_DRIVER:
		return drv && glob_match(rule->spec.glob, drv->name);
	case DCMA_MATCH_PCI:
		if (!dev_is_pci(dev))
			return false;
		snprintf(ids, sizeof(ids), "%04x:%04x", to_pci_dev(dev)->vendor,
			 to_pci_dev(dev)->device);
		return glob_match(rule->spec.glob, ids);
	}
	return false;
}

/*
 * The device tree's rules for @dev: one per kind, in the order the kinds
 * first appear in "memory-region-names", each with its regions in phandle
 * order.  Phandles to anything but a dcma region are left to the driver.
 * Returns the number of rules in *@rules (kcalloc'ed), or 0.
 */
static int dcma_dt_rules(struct device *dev, struct dcma_rule **rules)
{
	struct device_node *np = dev->of_node, *target;
	struct dcma_rule *out = NULL, *rule;
	struct reserved_mem *rmem;
	struct dcma_region *r;
	const char *kind;
	int n, i, j, nr = 0;

	*rules = NULL;
	if (!np)
		return 0;
	n = of_count_phandle_with_args(np, "memory-region", NULL);
	for (i = 0; i < n; i++) {
		target = of_parse_phandle(np, "memory-region", i);
		if (!target)
			continue;
		rmem = of_reserved_mem_lookup(target);
		of_node_put(target);
		r = rmem ? dcma_region_of(rmem->base) : NULL;
		if (!r || !r->from_dt)
			continue;

		if (of_property_read_string_index(np, "memory-region-names", i,
						  &kind) ||
		    !strcmp(kind, "default"))
			kind = "";
		if (*kind && !dcma_name_valid(kind, strlen(kind))) {
			dev_err(dev, "memory-region-names entry %d \"%s\" cannot name a dcma kind; entry skipped\n",
				i, kind);
			continue;
		}

		if (!out) {
			out = kcalloc(n, sizeof(*out), GFP_KERNEL);
			if (!out)
				return 0;
		}
		for (j = 0; j < nr; j++)
			if (!strcmp(out[j].spec.kind, kind))
				break;
		rule = &out[j];
		if (j == nr) {
			nr++;
			rule->from_dt = true;
			strscpy(rule->spec.kind, kind, sizeof(rule->spec.kind));
		}
		if (rule->nr_regions == DCMA_RULE_REGIONS) {
			dev_err(dev, "more than %d dcma regions for one kind; memory-region %d skipped\n",
				DCMA_RULE_REGIONS, i);
			continue;
		}
		rule->regions[rule->nr_regions++] = r;
	}
	*rules = out;
	return nr;
}

static struct dcma_binding *dcma_binding_lookup(struct device *dev)
{
	struct dcma_binding *b;

	hash_for_each_possible_rcu(dcma_bindings, b, node, (unsigned long)dev,
				   lockdep_is_held(&dcma_bind_lock))
		if (b->dev == dev)
			return b;
	return NULL;
}

/*
 * The first rule of @b for @kind, or NULL; under rcu_read_lock(), or
 * before @b is published
 */
static const struct dcma_rule *dcma_rule_for(const struct dcma_binding *b,
					     const char *kind)
{
	int i;

	for (i = 0; i < b->nr_rules; i++) {
		const char *pattern = b->rules[i]->spec.kind;

		if (*kind ? *pattern && glob_match(pattern, kind) :
			    !*pattern || !strcmp(pattern, "*"))
			return b->rules[i];
	}
	return NULL;
}

static void dcma_binding_free(struct dcma_binding *b)
{
	kfree(b->dt_rules);
	kfree(b);
}

static void dcma_binding_free_rcu(struct rcu_head *rcu)
{
	dcma_binding_free(container_of(rcu, struct dcma_binding, rcu));
}

static bool dcma_binding_same(const struct dcma_binding *a,
			      const struct dcma_binding *b)
{
	int i;

	if (a->nr_rules != b->nr_rules)
		return false;
	for (i = 0; i < a->nr_rules; i++) {
		if (a->rules[i]->from_dt != b->rules[i]->from_dt)
			return false;
		if (!a->rules[i]->from_dt && a->rules[i] != b->rules[i])
			return false;
		if (a->rules[i]->from_dt &&
		    memcmp(a->rules[i]->regions, b->rules[i]->regions,
			   sizeof(a->rules[i]->regions)))
			return false;
	}
	return true;
}

static void dcma_binding_report(const struct dcma_binding *b)
{
	char line[160], pattern[DCMA_GLOB_LEN + DCMA_NAME_LEN + 8];
	const struct dcma_rule *rule;
	size_t len = 0;
	int i;

	for (i = 0; i < b->nr_rules && len < sizeof(line); i++) {
		rule = b->rules[i];
		dcma_rule_pattern(rule, pattern, sizeof(pattern));
		len += scnprintf(line + len, sizeof(line) - len, "%s%s=",
				 i ? "; " : "", pattern);
		len += dcma_rule_regions(rule, line + len, sizeof(line) - len);
	}
	dev_info(b->dev, "bound to dcma regions: %s\n", line);
	trace_dcma_bind(dev_name(b->dev), line);
}

/*
 * Work out @dev's binding, with @drv its driver (NULL before bind and
 * after unbind), and put it in place of the old one.
 */
static void dcma_bind(struct device *dev, const struct device_driver *drv)
{
	struct dcma_binding *b, *old;
	int i, nr_dt;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return;
	b->dev = dev;
	for (i = 0; i < dcma_nr_rules; i++)
		if (dcma_rule_matches(&dcma_rules[i], dev, drv))
			b->rules[b->nr_rules++] = &dcma_rules[i];
	nr_dt = dcma_dt_rules(dev, &b->dt_rules);
	for (i = 0; i < nr_dt && b->nr_rules < DCMA_MAX_RULES; i++)
		b->rules[b->nr_rules++] = &b->dt_rules[i];
	b->dma_rule = dcma_rule_for(b, "");

	mutex_lock(&dcma_bind_lock);
	old = dcma_binding_lookup(dev);
	if (old && dcma_binding_same(old, b)) {
		mutex_unlock(&dcma_bind_lock);
		dcma_binding_free(b);
		return;
	}
	if (old) {
		hash_del_rcu(&old->node);
		atomic_dec(&dcma_nr_bindings);
		call_rcu(&old->rcu, dcma_binding_free_rcu);
		if (!b->nr_rules) {
			dev_info(dev, "no longer bound to dcma regions\n");
			trace_dcma_bind(dev_name(dev), "");
		}
	}
	if (b->nr_rules) {
		hash_add_rcu(dcma_bindings, &b->node, (unsigned long)dev);
		atomic_inc(&dcma_nr_bindings);
		dcma_binding_report(b);
	}
	mutex_unlock(&dcma_bind_lock);
	if (!b->nr_rules)
		dcma_binding_free(b);
}

static void dcma_unbind(struct device *dev)
{
	struct dcma_binding *b;

	mutex_lock(&dcma_bind_lock);
	b = dcma_binding_lookup(dev);
	if (b) {
		trace_dcma_bind(dev_name(dev), "");
		hash_del_rcu(&b->node);
		atomic_dec(&dcma_nr_bindings);
		call_rcu(&b->rcu, dcma_binding_free_rcu);
	}
	mutex_unlock(&dcma_bind_lock);
}

static int dcma_bus_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct device *dev = data;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		dcma_bind(dev, NULL);
		break;
	case BUS_NOTIFY_BIND_DRIVER:
		if (dcma_driver_rules)
			dcma_bind(dev, dev->driver);
		break;
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
	case BUS_NOTIFY_UNBOUND_DRIVER:
		if (dcma_driver_rules)
			dcma_bind(dev, NULL);
		break;
	/*
	 * device_del() sends DEL_DEVICE before it releases the driver, whose
	 * UNBOUND_DRIVER above binds the device by its other rules again;
	 * REMOVED_DEVICE comes last, so no binding outlives the device.
	 */
	case BUS_NOTIFY_DEL_DEVICE:
	case BUS_NOTIFY_REMOVED_DEVICE:
		dcma_unbind(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block dcma_platform_nb = {
	.notifier_call = dcma_bus_notify,
};

#ifdef CONFIG_ARM_AMBA
static struct notifier_block dcma_amba_nb = {
	.notifier_call = dcma_bus_notify,
};
#endif

#ifdef CONFIG_PCI
static struct notifier_block dcma_pci_nb = {
	.notifier_call = dcma_bus_notify,
};
#endif

static int __init dcma_bind_existing(struct device *dev, void *data)
{
	dcma_bind(dev, READ_ONCE(dev->driver));
	return 0;
}

static void __init dcma_watch_bus(const struct bus_type *bus,
				  struct notifier_block *nb)
{
	int ret = bus_register_notifier(bus, nb);

	if (ret) {
		pr_err("cannot watch the %s bus (%d); its devices stay unbound\n",
		       bus->name, ret);
		return;
	}
	bus_for_each_dev(bus, NULL, NULL, dcma_bind_existing);
}

/*
 * After the buses register (postcore) and before the device tree's
 * platform devices (arch_initcall_sync) and PCI enumeration: devices that
 * exist already are bound by the scan in dcma_watch_bus().
 */
static int __init dcma_bind_init(void)
{
	dcma_rules_compile();
	dcma_watch_bus(&platform_bus_type, &dcma_platform_nb);
#ifdef CONFIG_ARM_AMBA
	dcma_watch_bus(&amba_bustype, &dcma_amba_nb);
#endif
#ifdef CONFIG_PCI
	dcma_watch_bus(&pci_bus_type, &dcma_pci_nb);
#endif
	return 0;
}
postcore_initcall_sync(dcma_bind_init);

static bool dcma_region_within_mask(struct device *dev,
				    const struct dcma_region *r)
{
	phys_addr_t last = PFN_PHYS(r->base_pfn + r->nr_pages) - 1;
	u64 limit = min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit);
	dma_addr_t dma = force_dma_unencrypted(dev) ?
			 phys_to_dma_unencrypted(dev, last) :
			 phys_to_dma(dev, last);

	return limit && dma <= limit;
}

/**
 * struct dcma_choice - what a request of a bound device may use
 * @regions: the regions within the device's DMA mask, in order, by their
 *	index in dcma_regions[] (small, so the choice is cheap to set up)
 * @nr_regions: entries in @regions
 * @fallback: the rule lets a request go down the normal path when full
 * @bound: the device has a rule for the kind
 */
struct dcma_choice {
	u8 regions[DCMA_RULE_REGIONS];
	int nr_regions;
	bool fallback;
	bool bound;
};

/*
 * The regions a request of @dev for @kind may use.  A region beyond the
 * device's DMA mask is left out with a one-time warning.  A device left
 * with no region at all says so once; its rule's policy still decides
 * (fallback: the normal path; fail: the request fails), so that memory
 * never spills where the rule says it must not.
 */
static void dcma_choose(struct device *dev, const char *kind,
			struct dcma_choice *c)
{
	struct dcma_binding *b;
	const struct dcma_rule *rule;
	struct dcma_region *r;
	int i;

	BUILD_BUG_ON(U8_MAX + 1 < DCMA_MAX_REGIONS);
	/* @c->regions is read up to @c->nr_regions alone */
	c->nr_regions = 0;
	c->fallback = false;
	c->bound = false;
	if (!atomic_read(&dcma_nr_bindings))
		return;
	rcu_read_lock();
	b = dcma_binding_lookup(dev);
	rule = !b ? NULL : *kind ? dcma_rule_for(b, kind) : b->dma_rule;
	if (!rule)
		goto out_unlock;
	c->bound = true;
	c->fallback = rule->spec.fallback;
	for (i = 0; i < rule->nr_regions; i++) {
		r = rule->regions[i];
		if (dcma_region_within_mask(dev, r)) {
			c->regions[c->nr_regions++] = r - dcma_regions;
			continue;
		}
		if (!test_and_set_bit(r - dcma_regions, &b->warned))
			dev_warn(dev, "dcma region %s ends beyond the DMA mask %#llx; skipped\n",
				 r->name, min_not_zero(dev->coherent_dma_mask,
						       dev->bus_dma_limit));
	}
	if (!c->nr_regions && !test_and_set_bit(0, &b->said_fallback))
		dev_warn(dev, "no dcma region of %s is within its DMA mask; %s\n",
			 *kind ? kind : "the DMA API's rule",
			 c->fallback ? "using the normal DMA path" :
			 "failing its requests (rule policy \"fail\")");
out_unlock:
	rcu_read_unlock();
}

/*
 * Try @c's regions in order; a buffer, or NULL when all are full.  With
 * @dma_ref, the buffer's first reference is the DMA API's, which only
 * dma_release_from_dcma() drops.
 */
static struct dcma_buffer *dcma_choice_alloc(struct device *dev,
					     const char *kind,
					     const struct dcma_choice *c,
					     size_t size, size_t align,
					     gfp_t gfp, bool dma_ref)
{
	const char *owner = dev_name(dev);
	char name[DCMA_OWNER_LEN];
	struct dcma_buffer *buf;
	int i;

	if (*kind) {
		snprintf(name, sizeof(name), "%s/%s", owner, kind);
		owner = name;
	}
	for (i = 0; i < c->nr_regions; i++) {
		buf = __dcma_region_alloc(&dcma_regions[c->regions[i]], size,
					  align, gfp | __GFP_NOWARN, owner,
					  dma_ref);
		if (!IS_ERR(buf))
			return buf;
	}
	return NULL;
}

/**
 * dma_alloc_from_dcma() - the DMA API's allocation for a bound device
 * @dev: the device
 * @size: bytes, page aligned
 * @gfp: the request's flags
 * @page: where the buffer's first page goes
 *
 * Called by dma-direct before it tries the device's CMA area and the page
 * allocator.  The buffer is aligned like a CMA allocation: to its size's
 * page order, at most CONFIG_CMA_ALIGNMENT.  Only the device's regions
 * within its coherent DMA mask are tried.
 *
 * Context: Any context; a request that may block may sleep while pages
 * migrate, one that may not never reaches dcma.
 * Return: true if the request was dcma's to answer: *@page is the buffer,
 * or NULL when the device's regions are full (or none is within its DMA
 * mask) and its rule's policy is "fail", so the caller must fail the
 * request.  false if @dev is not bound for the DMA API, @gfp does not allow
 * blocking, or the regions could not serve it under the "fallback" policy:
 * the caller goes on down its normal path and *@page is left alone.
 */
bool dma_alloc_from_dcma(struct device *dev, size_t size, gfp_t gfp,
			 struct page **page)
{
	struct dcma_buffer *buf = NULL;
	struct dcma_choice c;
	size_t align;

	if (!gfpflags_allow_blocking(gfp))
		return false;
	dcma_choose(dev, "", &c);
	if (!c.bound)
		return false;
	if (c.nr_regions) {
		align = PAGE_SIZE << min_t(unsigned int, get_order(size),
					   CONFIG_CMA_ALIGNMENT);
		buf = dcma_choice_alloc(dev, "", &c, size, align, gfp, true);
	}
	if (buf) {
		*page = dcma_buffer_page(buf);
		return true;
	}
	if (c.fallback)
		return false;
	if (c.nr_regions)
		dev_warn_ratelimited(dev, "dcma regions full for %zu bytes; failing (rule policy \"fail\")\n",
				     size);
	*page = NULL;
	return true;
}

/**
 * dma_release_from_dcma() - give a DMA API allocation back
 * @dev: the device
 * @page: the allocation's first page
 * @size: its size
 *
 * Called by dma_free_contiguous(), which every dma-direct free of a
 * contiguous allocation reaches (with a kernel mapping or without): a
 * page inside a region is a dcma buffer whatever the device's binding is
 * now.  Drops the DMA
 * API's reference, exactly once: a buffer still held through dcma_get()
 * lives on until its last dcma_put(), and a second free of the same buffer
 * warns and changes nothing.
 *
 * Context: Any context but hard interrupts.
 * Return: true if @page was dcma's (the caller must not free it), false if
 * it was not and goes the normal way.
 */
bool dma_release_from_dcma(struct device *dev, struct page *page, size_t size)
{
	phys_addr_t phys = page_to_phys(page);
	struct dcma_region *r = dcma_region_of(phys);

	if (!r)
		return false;
	__dcma_put_owned(r, phys, dev_name(dev));
	return true;
}

/**
 * dma_zeroed_by_dcma() - whether dma-direct's buffer came zeroed from dcma
 * @page: the first page of the buffer __dma_direct_alloc_pages() returned
 *
 * Every dcma buffer starts zeroed (buffer.c, dcma_scrub()), so dma-direct
 * need not clear it a second time.  As for dma_release_from_dcma(), a page
 * inside a region is a dcma buffer's: the page allocator lends a reusable
 * region's pages to movable allocations alone, which no DMA buffer is.
 *
 * Context: Any context.
 * Return: true if @page is in a dcma region, so its buffer is zeroed.
 */
bool dma_zeroed_by_dcma(struct page *page)
{
	return dcma_region_of(page_to_phys(page));
}

/**
 * dcma_alloc() - allocate a buffer from a device's regions, by kind
 * @dev: a device bound to regions
 * @kind: the kind of buffer, as the device's rules name it, or NULL for
 *	the DMA API's rule
 * @size: bytes, rounded up to whole pages
 * @align: alignment of the physical address in bytes, a power of two, or 0
 * @phys: where the buffer's physical address goes
 *
 * The first rule of @dev whose kind pattern matches @kind gives the
 * regions, tried in order.  The buffer is zeroed and has one reference;
 * dcma_put() on its address drops it, and dcma_get() takes more.  There
 * is no fallback: the request fails when the regions are full.
 *
 * Context: Process context (may sleep while pages migrate).
 * Return: 0 with the buffer's physical address in *@phys, or -ENODEV when
 * no rule of @dev serves @kind or none of its regions is within the DMA
 * mask, -EINVAL for a bad @size or @align, -ENOMEM when the regions are
 * full; *@phys is then left alone.
 */
int dcma_alloc(struct device *dev, const char *kind, size_t size,
	       size_t align, phys_addr_t *phys)
{
	struct dcma_buffer *buf;
	struct dcma_choice c;

	might_sleep();
	if (!size || (align && !is_power_of_2(align)))
		return -EINVAL;
	kind = kind ?: "";
	dcma_choose(dev, kind, &c);
	if (!c.nr_regions)
		return -ENODEV;
	buf = dcma_choice_alloc(dev, kind, &c, size, align, GFP_KERNEL, false);
	if (!buf)
		return -ENOMEM;
	*phys = dcma_buffer_phys(buf);
	return 0;
}
EXPORT_SYMBOL_GPL(dcma_alloc);

/* debugfs "map": the rules, then every bound device */
void dcma_map_show(struct seq_file *m)
{
	char pattern[DCMA_GLOB_LEN + DCMA_NAME_LEN + 8];
	char regions[DCMA_RULE_REGIONS * DCMA_NAME_LEN];
	const struct dcma_rule *rule;
	struct dcma_binding *b;
	int i, bkt;

	seq_puts(m, "# rule pattern regions policy\n");
	for (i = 0; i < dcma_nr_rules; i++) {
		rule = &dcma_rules[i];
		dcma_rule_pattern(rule, pattern, sizeof(pattern));
		dcma_rule_regions(rule, regions, sizeof(regions));
		seq_printf(m, "rule %s %s %s\n", pattern, regions,
			   rule->spec.fallback ? "fallback" : "fail");
	}
	seq_puts(m, "# device name kind source regions policy\n");
	mutex_lock(&dcma_bind_lock);
	hash_for_each(dcma_bindings, bkt, b, node) {
		for (i = 0; i < b->nr_rules; i++) {
			rule = b->rules[i];
			dcma_rule_regions(rule, regions, sizeof(regions));
			seq_printf(m, "device %s %s %s %s %s\n", dev_name(b->dev),
				   rule->spec.kind[0] ? rule->spec.kind : "-",
				   rule->from_dt ? "dt" : "cmdline", regions,
				   rule->spec.fallback ? "fallback" : "fail");
		}
	}
	mutex_unlock(&dcma_bind_lock);
}
