// SPDX-License-Identifier: GPL-2.0
/*
 * The camera-open benchmark of "make bench" (scripts/guest/dcma-bench):
 * how long a camera user waits from open() to the first frame, with the
 * unchanged vivid driver drawing its buffers from a dcma region (vivid.0
 * bound by dcma_map=) or, in a boot without the rule, from mainline CMA's
 * default area (cma=).  vivid's instances share one device, vivid.0, so
 * the two are two boots with the same regions, areas and load.
 *
 *   dcma_camera_bench idle|pressure N WIDTHxHEIGHT
 *   dcma_camera_bench stream N WIDTHxHEIGHT
 *
 * Each of the N opens: open(), S_FMT (YUYV), REQBUFS of 4 MMAP buffers,
 * mmap and QBUF of each, STREAMON, and the first DQBUF; then the stream
 * is stopped, the buffers freed and the node closed.  Under "pressure"
 * each open waits first (up to 2 s) until half of the pages of the area
 * that can be lent are on the LRU lists, as /proc/kpageflags tells, so
 * that the buffers have to be taken back from the page cache.  Prints:
 *
 *   result scen=camera-SCEN dev=dcma|mainline size=BYTES frame=WxH n=N
 *          p50= p90= p99= max= alloc_p50= alloc_p99= (ns) lent_pct=
 *          lendable_pct= outside= fail=
 *   cdf scen=camera-SCEN dev=... size=BYTES ns=P0,P2,...,P100
 *
 * alloc_* is open() to the end of REQBUFS, where videobuf2-dma-contig
 * allocates.  outside counts opens whose buffers were not where they
 * belong: for dcma, four buffers of vivid.0 in its region (debugfs
 * buffers); for mainline, the default area's "used" grown by the four
 * buffers.  fail counts opens that did not reach a frame; each says why
 * in a line of its own:
 *
 *   info camera-fail step=open|S_FMT|REQBUFS|QBUF|STREAMON|DQBUF err=ERRNO
 *        (message)
 *
 * "stream" is what "make run" shows: one stream of N frames, a line for
 * each frame as it is dequeued, so that the region can be looked at
 * while the camera holds its buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "dcma_util.h"
#include "dcma_v4l2.h"

#define NBUF		4
#define MAX_OPENS	1000
#define KPF_LRU_BIT	5

struct area {
	const char *dev;	/* "dcma" or "mainline" */
	char name[32];		/* dcma region or CMA area */
	unsigned long base_pfn, pages, lendable;
	long long lat[MAX_OPENS], alloc[MAX_OPENS];
	unsigned long lent_sum;
	int n, outside, fail;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The pages of @a on the LRU lists: page cache and anonymous memory */
static unsigned long lru_pages(const struct area *a)
{
	static unsigned long long flags[1 << 16];
	unsigned long done = 0, lru = 0, i;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return 0;
	while (done < a->pages) {
		unsigned long n = a->pages - done;
		ssize_t got;

		if (n > ARRAY_SIZE(flags))
			n = ARRAY_SIZE(flags);
		got = pread(fd, flags, n * 8, (a->base_pfn + done) * 8);
		if (got <= 0)
			break;
		for (i = 0; i < (unsigned long)got / 8; i++)
			lru += (flags[i] >> KPF_LRU_BIT) & 1;
		done += got / 8;
	}
	close(fd);
	return lru;
}

/* Wait up to 2 s until half the lendable pages of @a are lent */
static unsigned long wait_lent(const struct area *a)
{
	long long until = now_ns() + 2000000000LL;
	unsigned long lru;

	while ((lru = lru_pages(a)) * 2 < a->lendable && now_ns() < until)
		usleep(20000);
	return lru;
}

static bool setup_dcma(struct area *a)
{
	struct region r[MAX_REGIONS], *reg;
	long res;

	if (!camera_region("vivid.0", a->name, sizeof(a->name)))
		return false;
	reg = find_region(r, read_regions(r, MAX_REGIONS), a->name);
	if (!reg)
		return false;
	a->base_pfn = reg->base / PAGE;
	a->pages = reg->pages;
	res = sysfs_counter(a->name, "pool_pages");
	a->lendable = res > 0 && res < (long)a->pages ? a->pages - res : a->pages;
	return true;
}

static bool setup_mainline(struct area *a)
{
	snprintf(a->name, sizeof(a->name), "reserved");
	if (cma_area_read(a->name, "count") <= 0)
		return false;
	a->base_pfn = cma_area_read(a->name, "base_pfn");
	a->pages = cma_area_read(a->name, "count");
	a->lendable = a->pages;
	return true;
}

/* Stop @fd's stream, unmap and free its buffers of @size bytes, close it */
static void close_stream(int fd, unsigned char **map, size_t size)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, i;

	ioctl(fd, VIDIOC_STREAMOFF, &type);
	for (i = 0; i < NBUF; i++)
		if (map[i] && map[i] != MAP_FAILED)
			munmap(map[i], size);
	reqbufs(fd, V4L2_MEMORY_MMAP, 0);
	close(fd);
}

/* One open to the first frame on @a; false if it got no frame */
/* Why an open did not reach a frame: the step and its error */
static void open_failed(const char *step, int err)
{
	printf("info camera-fail step=%s err=%d (%s)\n", step, -err,
	       strerror(-err));
}

static bool one_open(struct area *a, unsigned int w, unsigned int h,
		     bool pressure)
{
	unsigned long long phys[8];
	unsigned long pages[8], size = 0;
	struct v4l2_control osd = { .id = VIVID_CID_OSD_TEXT_MODE, .value = 2 };
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, fd;
	long long t0, t_alloc, t_frame, cma0 = 0;
	unsigned char *map[NBUF] = { NULL };
	struct v4l2_format fmt;
	struct v4l2_buffer b;
	bool ok = false, where;
	int err;

	if (pressure)
		a->lent_sum += wait_lent(a) * 100 / a->pages;
	if (!strcmp(a->dev, "mainline"))
		cma0 = cma_area_read(a->name, "used");

	t0 = now_ns();
	fd = open_vivid(0);
	if (fd < 0) {
		open_failed("open", -ENODEV);
		return false;
	}
	ioctl(fd, VIDIOC_S_CTRL, &osd);
	err = set_format(fd, w, h, &fmt);
	if (err) {
		open_failed("S_FMT", err);
		goto out_close;
	}
	err = reqbufs(fd, V4L2_MEMORY_MMAP, NBUF);
	if (err != NBUF) {
		open_failed("REQBUFS", err < 0 ? err : -ENOBUFS);
		goto out_close;
	}
	t_alloc = now_ns();
	size = fmt.fmt.pix.sizeimage;
	err = queue_mmap(fd, NBUF, size, map, false);
	if (err) {
		open_failed("QBUF", err);
		goto out_close;
	}
	if (ioctl(fd, VIDIOC_STREAMON, &type)) {
		open_failed("STREAMON", -errno);
		goto out_close;
	}
	err = dqbuf(fd, V4L2_MEMORY_MMAP, &b);
	if (err) {
		open_failed("DQBUF", err);
		goto out_close;
	}
	t_frame = now_ns();
	ok = true;
	a->lat[a->n] = t_frame - t0;
	a->alloc[a->n] = t_alloc - t0;
	a->n++;

	if (!strcmp(a->dev, "dcma"))
		where = owned_buffers(a->name, "vivid.0", phys, pages, 8) == NBUF;
	else
		where = cma_area_read(a->name, "used") - cma0 >=
			(long long)(NBUF * ((size + PAGE - 1) / PAGE));
	a->outside += !where;
out_close:
	close_stream(fd, map, size);
	return ok;
}

/* One stream of @n frames on vivid.0, a line a frame */
static int stream(int n, unsigned int w, unsigned int h)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, fd, i, ret = 1;
	unsigned char *map[NBUF] = { NULL };
	struct v4l2_format fmt;
	struct v4l2_buffer b;

	fd = open_vivid(0);
	if (fd < 0 || set_format(fd, w, h, &fmt) ||
	    reqbufs(fd, V4L2_MEMORY_MMAP, NBUF) != NBUF) {
		printf("error vivid.0 cannot give %d %ux%u buffers: %s\n", NBUF,
		       w, h, strerror(errno));
		return 1;
	}
	printf("camera: %d buffers of %u bytes, %ux%u YUYV\n", NBUF,
	       fmt.fmt.pix.sizeimage, w, h);
	fflush(stdout);
	if (queue_mmap(fd, NBUF, fmt.fmt.pix.sizeimage, map, false) ||
	    ioctl(fd, VIDIOC_STREAMON, &type))
		goto free_bufs;
	for (i = 0; i < n; i++) {
		if (dqbuf(fd, V4L2_MEMORY_MMAP, &b))
			goto free_bufs;
		printf("camera: frame %u in buffer %u\n", b.sequence, b.index);
		fflush(stdout);
		if (ioctl(fd, VIDIOC_QBUF, &b))
			goto free_bufs;
	}
	ret = 0;
free_bufs:
	close_stream(fd, map, fmt.fmt.pix.sizeimage);
	printf("camera: %s\n", ret ? "stream failed" : "closed");
	return ret;
}

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return a < b ? -1 : a > b;
}

/* The sample below which @pct percent of the @n sorted samples lie */
static long long pct(const long long *v, int n, int pct)
{
	int i = (n * pct + 99) / 100 - 1;

	return n ? v[i < 0 ? 0 : i] : 0;
}

static void report(struct area *a, const char *scen, unsigned int w,
		   unsigned int h, unsigned long size, int want)
{
	int i;

	qsort(a->lat, a->n, sizeof(a->lat[0]), cmp_ll);
	qsort(a->alloc, a->n, sizeof(a->alloc[0]), cmp_ll);
	printf("result scen=camera-%s dev=%s size=%lu frame=%ux%u n=%d ",
	       scen, a->dev, size, w, h, a->n);
	printf("p50=%lld p90=%lld p99=%lld max=%lld alloc_p50=%lld alloc_p99=%lld ",
	       pct(a->lat, a->n, 50), pct(a->lat, a->n, 90),
	       pct(a->lat, a->n, 99), a->n ? a->lat[a->n - 1] : 0,
	       pct(a->alloc, a->n, 50), pct(a->alloc, a->n, 99));
	printf("lent_pct=%lu lendable_pct=%lu outside=%d fail=%d\n",
	       strcmp(scen, "pressure") || !want ? 0 : a->lent_sum / want,
	       a->lendable * 100 / a->pages, a->outside, a->fail);
	/* 51 points, every 2%, as the benchmark driver gives its CDFs */
	printf("cdf scen=camera-%s dev=%s size=%lu ns=", scen, a->dev, size);
	for (i = 0; i <= 100; i += 2)
		printf("%s%lld", i ? "," : "",
		       a->n ? a->lat[(a->n - 1) * i / 100] : 0);
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct area a;
	struct v4l2_format fmt;
	char regs[8];
	unsigned int w, h;
	int n, i, fd;

	n = argc == 4 ? atoi(argv[2]) : 0;
	if (argc != 4 || sscanf(argv[3], "%ux%u", &w, &h) != 2 ||
	    n <= 0 || n > MAX_OPENS ||
	    (strcmp(argv[1], "idle") && strcmp(argv[1], "pressure") &&
	     strcmp(argv[1], "stream"))) {
		fprintf(stderr, "usage: %s idle|pressure|stream N WIDTHxHEIGHT\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "stream"))
		return stream(n, w, h);
	/* a rule for vivid.0 makes this the dcma boot */
	a.dev = bound_regions("vivid.0", NULL, regs, sizeof(regs)) ? "dcma" :
								     "mainline";
	if (!strcmp(a.dev, "dcma") ? !setup_dcma(&a) : !setup_mainline(&a)) {
		printf("error no %s for vivid.0\n", !strcmp(a.dev, "dcma") ?
		       "region" : "default CMA area (cma=)");
		return 1;
	}
	fd = open_vivid(0);
	if (fd < 0 || set_format(fd, w, h, &fmt)) {
		printf("error vivid.0 has no %ux%u YUYV\n", w, h);
		return 1;
	}
	close(fd);
	for (i = 0; i < n; i++)
		if (!one_open(&a, w, h, !strcmp(argv[1], "pressure")))
			a.fail++;
	report(&a, argv[1], w, h, fmt.fmt.pix.sizeimage, n);
	return a.fail || a.outside;
}
