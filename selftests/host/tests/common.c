// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <dcma_host.h>

#include "common.h"

const struct dcma_allocator_ops *const host_allocators[HOST_NR_ALLOCATORS] = {
	&dcma_bestfit_ops, &dcma_firstfit_ops,
};

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define HAVE_LEAK_CHECK 1
#endif
#endif

/* Failure lines printed per check before the rest are only counted */
#define MAX_FAIL_LINES	20

/* Bytes the harness writes into a node before handing it over */
#define NODE_POISON	0x6b

const char *check_filter;
bool verbose;

static struct {
	const char *name;
	const char *ops_name;
	unsigned long failures;
	unsigned long warn_seen;
	unsigned long passed;
	unsigned long failed;
} cur;

/* Nodes handed to allocators and not handed back yet */
static struct node_entry {
	const void *node;
	struct hregion *r;
} *nodes;
static size_t nr_nodes, nodes_cap;
static unsigned long node_violations;

static void fail_line(const char *fmt, va_list ap)
{
	cur.failures++;
	if (cur.failures > MAX_FAIL_LINES)
		return;
	printf("  %s(%s): ", cur.name, cur.ops_name);
	vprintf(fmt, ap);
	putchar('\n');
}

void test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_line(fmt, ap);
	va_end(ap);
}

void test_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	printf("  # ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

unsigned long test_failures(void)
{
	return cur.failures;
}

void assert_fail(const char *file, int line, const char *expected,
		 const char *seen, long long e, long long s)
{
	test_fail("%s:%d: %s == %s: expected %lld (%#llx), got %lld (%#llx)",
		  file, line, seen, expected, e, e, s, s);
}

unsigned long test_take_warnings(void)
{
	unsigned long n = host_warnings - cur.warn_seen;

	cur.warn_seen = host_warnings;
	return n;
}

static struct node_entry *node_find(const void *node)
{
	size_t i;

	for (i = 0; i < nr_nodes; i++)
		if (nodes[i].node == node)
			return &nodes[i];
	return NULL;
}

static void node_forget(struct node_entry *e)
{
	*e = nodes[--nr_nodes];
}

static void node_track(const void *node, struct hregion *r)
{
	if (nr_nodes == nodes_cap) {
		nodes_cap = nodes_cap ? 2 * nodes_cap : 64;
		nodes = realloc(nodes, nodes_cap * sizeof(*nodes));
		if (!nodes)
			abort();
	}
	nodes[nr_nodes].node = node;
	nodes[nr_nodes].r = r;
	nr_nodes++;
}

/* kfree() of a node: only ->destroy() may free nodes it owns. */
static void node_kfree_hook(const void *ptr)
{
	struct node_entry *e = node_find(ptr);

	if (!e)
		return;
	if (!e->r->destroying) {
		test_fail("%s freed a node it owns outside ->destroy()",
			  e->r->ops->name);
		node_violations++;
	}
	node_forget(e);
}

size_t hr_nodes(struct hregion *r)
{
	size_t i, n = 0;

	for (i = 0; i < nr_nodes; i++)
		if (nodes[i].r == r)
			n++;
	return n;
}

static void *node_new(const struct dcma_allocator_ops *ops)
{
	void *node;

	if (!ops->node_size)
		return NULL;
	node = malloc(ops->node_size);
	if (!node)
		abort();
	memset(node, NODE_POISON, ops->node_size);
	return node;
}

static void live_add(struct hregion *r, unsigned long pfn, unsigned long nr)
{
	if (r->nr_live == r->live_cap) {
		r->live_cap = r->live_cap ? 2 * r->live_cap : 16;
		r->live = realloc(r->live, r->live_cap * sizeof(*r->live));
		if (!r->live)
			abort();
	}
	r->live[r->nr_live].pfn = pfn;
	r->live[r->nr_live].nr = nr;
	r->nr_live++;
}

int hr_create(struct hregion *r, const struct dcma_allocator_ops *ops,
	      unsigned long base, unsigned long nr_pages)
{
	void *node = node_new(ops);
	void *state;

	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->base = base;
	r->nr_pages = nr_pages;

	if (node)
		node_track(node, r);
	state = ops->create(base, nr_pages, node);
	if (IS_ERR(state)) {
		/* A failed ->create() leaves the node with the caller. */
		struct node_entry *e = node ? node_find(node) : NULL;

		if (node && !e) {
			test_fail("failed ->create() freed the node");
		} else if (node) {
			node_forget(e);
			free(node);
		}
		return PTR_ERR(state);
	}
	if (!state) {
		test_fail("->create() returned NULL");
		return -EINVAL;
	}
	r->state = state;
	return 0;
}

bool hr_nodes_ok(struct hregion *r)
{
	size_t n = hr_nodes(r);

	return !r->ops->node_size ||
	       (n >= r->nr_live + 1 && n <= r->nr_live + 1 + HR_NODE_SLACK);
}

static int hr_check_nodes(struct hregion *r, const char *after)
{
	if (hr_nodes_ok(r))
		return 0;
	test_fail("after %s the allocator owns %zu nodes with %zu live allocations",
		  after, hr_nodes(r), r->nr_live);
	node_violations++;
	return -EINVAL;
}

int hr_alloc(struct hregion *r, unsigned long nr, unsigned long align,
	     unsigned long *pfn)
{
	void *node = NULL;
	int ret;

	host_atomic++;
	ret = r->ops->alloc(r->state, nr, align, pfn, NULL);
	host_atomic--;
	if (ret == -EAGAIN && r->ops->node_size) {
		/* The allocator asked for a node: it is the allocator's now. */
		node = node_new(r->ops);
		node_track(node, r);
		r->nodes_given++;
		host_atomic++;
		ret = r->ops->alloc(r->state, nr, align, pfn, node);
		host_atomic--;
		if (ret == -EAGAIN) {
			test_fail("->alloc() asked for a node again after it got one");
			return -EINVAL;
		}
	} else if (ret == -EAGAIN) {
		test_fail("%s (node_size 0) asked for a node", r->ops->name);
		return -EINVAL;
	}
	if (!ret)
		live_add(r, *pfn, nr);
	if (hr_check_nodes(r, "->alloc()"))
		return -EINVAL;
	return ret;
}

void *hr_free_raw(struct hregion *r, unsigned long pfn, unsigned long nr)
{
	void *node;

	host_atomic++;
	node = r->ops->free(r->state, pfn, nr);
	host_atomic--;
	return node;
}

int hr_free(struct hregion *r, unsigned long pfn)
{
	struct node_entry *e;
	unsigned long nr;
	void *node;
	size_t i;

	for (i = 0; i < r->nr_live; i++)
		if (r->live[i].pfn == pfn)
			break;
	if (i == r->nr_live)
		return -ENOENT;
	nr = r->live[i].nr;
	memmove(&r->live[i], &r->live[i + 1],
		(r->nr_live - i - 1) * sizeof(*r->live));
	r->nr_live--;

	node = hr_free_raw(r, pfn, nr);
	if (node && !r->ops->node_size) {
		test_fail("%s (node_size 0) handed back a node", r->ops->name);
		return -EINVAL;
	}
	if (node) {
		e = node_find(node);
		if (!e || e->r != r) {
			test_fail("free of [%lu, +%lu) handed back %p, not a node it owns",
				  pfn, nr, node);
			node_violations++;
			return -EINVAL;
		}
		node_forget(e);
		free(node);
		r->nodes_back++;
	}
	return hr_check_nodes(r, "->free()");
}

void hr_info(struct hregion *r, struct dcma_alloc_info *info)
{
	memset(info, 0xff, sizeof(*info));
	host_atomic++;
	r->ops->info(r->state, info);
	host_atomic--;
}

void hr_destroy(struct hregion *r)
{
	size_t left;
	size_t i;

	r->destroying = true;
	r->ops->destroy(r->state);
	r->destroying = false;
	r->state = NULL;

	left = hr_nodes(r);
	if (left)
		test_fail("->destroy() kept %zu of its nodes", left);
	for (i = nr_nodes; i-- > 0;) {
		if (nodes[i].r == r) {
			free((void *)nodes[i].node);
			node_forget(&nodes[i]);
		}
	}
	free(r->live);
	r->live = NULL;
	r->nr_live = 0;
	r->live_cap = 0;
}

int hr_teardown(struct hregion *r)
{
	int ret = 0;

	while (r->nr_live && !ret)
		ret = hr_free(r, r->live[r->nr_live - 1].pfn);
	hr_destroy(r);
	return ret;
}

int hr_layout(struct hregion *r, const struct dcma_allocator_ops *ops,
	      unsigned long base, const char *map)
{
	unsigned long n = 0, i = 0, pfn;
	const char *c;
	int ret;

	for (c = map; *c; c++)
		n += *c == 'x' || *c == '.';
	ret = hr_create(r, ops, base, n);
	if (ret)
		return ret;

	/* One page at a time, lowest first, whatever the allocator. */
	for (i = 0; i < n; i++) {
		ret = hr_alloc(r, 1, 1, &pfn);
		if (ret)
			return ret;
		if (pfn != base + i) {
			test_fail("layout: page %lu went to pfn %lu", i, pfn);
			return -EINVAL;
		}
	}
	for (c = map, i = 0; *c; c++) {
		if (*c != 'x' && *c != '.')
			continue;
		if (*c == '.') {
			ret = hr_free(r, base + i);
			if (ret)
				return ret;
		}
		i++;
	}
	return 0;
}

void run_check(const char *name, check_fn fn,
	       const struct dcma_allocator_ops *ops)
{
	unsigned long atomic_before = host_atomic_violations;
	unsigned long nodes_before = node_violations;
	static bool leaked;
	char label[96];
	int ret;

	snprintf(label, sizeof(label), "%s(%s)", name, ops ? ops->name : "");
	if (check_filter && !strstr(label, check_filter))
		return;

	cur.name = name;
	cur.ops_name = ops ? ops->name : "";
	cur.failures = 0;
	cur.warn_seen = host_warnings;
	host_kfree_hook = node_kfree_hook;
	host_kmalloc_fail_in = 0;

	ret = fn(ops);

	if (ret && !cur.failures)
		test_fail("returned %d", ret);
	if (host_warnings != cur.warn_seen)
		test_fail("%lu unexpected warnings",
			  host_warnings - cur.warn_seen);
	if (host_atomic_violations != atomic_before)
		test_fail("%lu kmalloc() or mutex_lock() calls in atomic context",
			  host_atomic_violations - atomic_before);
	if (node_violations != nodes_before && !cur.failures)
		test_fail("nodes mishandled");
	host_kmalloc_fail_in = 0;
	host_atomic = 0;
	/* Nodes of a region a failed check left behind */
	nr_nodes = 0;

#ifdef HAVE_LEAK_CHECK
	/*
	 * A leak is reported again by every later leak check, so after the
	 * first one only the checks themselves count.
	 */
	if (!leaked && __lsan_do_recoverable_leak_check()) {
		test_fail("memory leaked (see the LeakSanitizer report); no more leak checks");
		leaked = true;
	}
#endif

	if (cur.failures > MAX_FAIL_LINES)
		printf("  %s(%s): %lu more failures not shown\n", cur.name,
		       cur.ops_name, cur.failures - MAX_FAIL_LINES);
	if (cur.failures) {
		printf("FAIL %s\n", label);
		cur.failed++;
	} else {
		printf("ok %s\n", label);
		cur.passed++;
	}
	fflush(stdout);
}

int test_summary(void)
{
	printf("%lu passed, %lu failed\n", cur.passed, cur.failed);
	fflush(stdout);
	return cur.failed ? 1 : 0;
}
