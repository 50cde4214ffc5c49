// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: regions from the device tree.
 *
 * A child of /reserved-memory with compatible "linux,dcma" declares a
 * region (Documentation/devicetree/bindings/reserved-memory/linux,dcma.yaml):
 *
 *	reserved-memory {
 *		#address-cells = <2>;
 *		#size-cells = <2>;
 *		ranges;
 *
 *		camera_mem: camera@48000000 {
 *			compatible = "linux,dcma";
 *			reg = <0x0 0x48000000 0x0 0x4000000>;
 *			reusable;
 *			linux,dcma-allocator = "bf";
 *			linux,dcma-pool = <0x0 0x1000000>;
 *		};
 *	};
 *
 * The region is named after the "label" property, or else after the node
 * name without its unit address ("camera").  "reusable" lends the pages
 * while free; without it the region is exclusive.  "linux,dcma-pool"
 * (a size, #size-cells cells) keeps that much of a reusable region claimed
 * ahead of demand, as "pool=" on the command line.  "no-map" is refused:
 * dcma hands out buffers through the kernel's linear map.  "size",
 * "alignment" and "alloc-ranges" work as for any reserved-memory node
 * (a reusable region needs at least pageblock alignment).
 *
 * With CONFIG_DCMA_SHARED_DMA_POOL (or "dcma.shared_dma_pool=1"), dcma also
 * takes the reusable "shared-dma-pool" nodes that mainline CMA would
 * otherwise turn into per-device areas, so that an existing board's device
 * tree gets dcma regions unchanged; the default CMA area
 * ("linux,cma-default") stays mainline's.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/init.h>
#include <linux/kstrtox.h>
#include <linux/of_fdt.h>
#include <linux/of_reserved_mem.h>
#include <linux/string.h>

#include "dcma.h"

static bool dcma_take_shared_dma_pool __initdata =
	IS_ENABLED(CONFIG_DCMA_SHARED_DMA_POOL);

static int __init dcma_shared_dma_pool_param(char *str)
{
	if (!str || kstrtobool(str, &dcma_take_shared_dma_pool))
		pr_err("dcma.shared_dma_pool=%s: expected 0 or 1\n", str ?: "");
	return 0;
}

early_param("dcma.shared_dma_pool", dcma_shared_dma_pool_param);

/* A NUL-terminated string property of at most @max bytes, or NULL. */
static const char * __init dcma_fdt_string(unsigned long node,
					   const char *prop, int max,
					   bool *bad)
{
	const char *s;
	int len;

	s = of_get_flat_dt_prop(node, prop, &len);
	if (!s)
		return NULL;
	if (len < 1 || len > max || s[len - 1] || strlen(s) != len - 1) {
		*bad = true;
		return NULL;
	}
	return s;
}

/*
 * A device whose node names a dcma region in "memory-region" is bound when
 * it is added (bind.c), so a driver's of_reserved_mem_device_init() has
 * nothing left to do, and succeeds: drivers written for mainline's
 * per-device CMA keep probing when dcma takes their pool over.
 */
static int dcma_rmem_device_init(struct reserved_mem *rmem, struct device *dev)
{
	return 0;
}

static const struct reserved_mem_ops dcma_rmem_ops = {
	.device_init = dcma_rmem_device_init,
};

/* The region @rmem's node asks for, in @spec: NULL, or what is wrong */
static const char *__init dcma_rmem_spec(struct reserved_mem *rmem,
					 struct dcma_region_spec *spec)
{
	unsigned long node = rmem->fdt_node;
	const char *label, *alloc;
	const __be32 *prop;
	bool bad = false;
	size_t len;
	int plen;

	label = dcma_fdt_string(node, "label", DCMA_NAME_LEN, &bad);
	if (bad)
		return "label is not a string of at most 31 characters";
	if (!label)
		label = rmem->name;
	len = label == rmem->name ? strcspn(label, "@") : strlen(label);
	if (!dcma_name_valid(label, len))
		return "name must be 1 to 31 of A-Z a-z 0-9 _ - (set \"label\")";
	memcpy(spec->name, label, len);

	alloc = dcma_fdt_string(node, "linux,dcma-allocator",
				DCMA_ALLOCATOR_NAME_LEN, &bad);
	if (bad || (alloc && !dcma_allocator_find(alloc)))
		return "unknown linux,dcma-allocator";
	if (alloc)
		strscpy(spec->allocator, alloc, sizeof(spec->allocator));

	if (of_get_flat_dt_prop(node, "no-map", NULL))
		return "no-map is not supported (dcma needs the kernel mapping)";
	spec->exclusive = !of_get_flat_dt_prop(node, "reusable", NULL);
	spec->base = rmem->base;
	spec->size = rmem->size;
	spec->fixed = true;

	prop = of_get_flat_dt_prop(node, "linux,dcma-pool", &plen);
	if (!prop)
		return NULL;
	if (plen != dt_root_size_cells * sizeof(__be32))
		return "linux,dcma-pool is not one size (#size-cells cells)";
	spec->pool = dt_mem_next_cell(dt_root_size_cells, &prop);
	return dcma_pool_problem(spec);
}

static int __init dcma_rmem_declare(struct reserved_mem *rmem)
{
	struct dcma_region_spec spec = {};
	const char *reason;
	int ret;

	reason = dcma_rmem_spec(rmem, &spec);
	if (reason) {
		pr_err("reserved-memory node %s skipped: %s\n", rmem->name,
		       reason);
		/*
		 * A no-map node stays reserved and unmapped, as the device
		 * tree asks: the kernel may have mapped memory without it by
		 * now, so it cannot go to the page allocator.
		 */
		if (of_get_flat_dt_prop(rmem->fdt_node, "no-map", NULL))
			return -ENOENT;
		return -EINVAL;
	}
	/* dcma_declare() reports its own failures */
	ret = dcma_declare(&spec, 0, true);
	if (!ret)
		rmem->ops = &dcma_rmem_ops;
	return ret;
}

static int __init dcma_rmem_setup(struct reserved_mem *rmem)
{
	return dcma_rmem_declare(rmem);
}

RESERVEDMEM_OF_DECLARE(dcma, "linux,dcma", dcma_rmem_setup);

/*
 * Runs before mainline's rmem_cma_setup() (dcma links first); declining
 * with -ENOENT hands the node on to it.
 */
static int __init dcma_rmem_shared_setup(struct reserved_mem *rmem)
{
	unsigned long node = rmem->fdt_node;

	if (!dcma_take_shared_dma_pool ||
	    !of_get_flat_dt_prop(node, "reusable", NULL) ||
	    of_get_flat_dt_prop(node, "no-map", NULL) ||
	    of_get_flat_dt_prop(node, "linux,cma-default", NULL))
		return -ENOENT;
	return dcma_rmem_declare(rmem);
}

RESERVEDMEM_OF_DECLARE(dcma_shared, "shared-dma-pool", dcma_rmem_shared_setup);
