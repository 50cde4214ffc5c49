// SPDX-License-Identifier: GPL-2.0
/*
 * A real camera stack on dcma: the unchanged vivid capture driver, on
 * videobuf2-dma-contig ("vivid.allocators=1"), bound to a region by
 * "dcma_map=vivid.0=<region>".
 *
 * capture: 4 MMAP buffers of 1920x1080 YUYV, 30 frames streamed; every
 * frame is vivid's 75% colour bar (each buffer is overwritten with a
 * pattern of our own before it is queued, so a stale or black frame
 * fails) with increasing sequence numbers; every buffer is one dcma
 * buffer of the region owned by vivid.0, of the frame's size, and none of
 * vivid's is elsewhere; a VIDIOC_EXPBUF dma-buf maps the same frame;
 * after STREAMOFF and REQBUFS 0 the region is as it was, and a second
 * stream (8 frames) gets its space again.
 *
 * heap_import: buffers from the region's dma-buf heap queued as
 * V4L2_MEMORY_DMABUF: vivid attaches, maps and writes them, and the
 * frames are seen through the heap buffers' own mappings.
 *
 * too_big: a 3840x2160 stream, whose buffers the region cannot hold,
 * fails with ENOMEM under the "fail" policy, and leaves the region as it
 * was.
 *
 * Needs CONFIG_VIDEO_VIVID, the region named by the boot's dcma_map= rule
 * for vivid.0, and CONFIG_DCMA_HEAPS; skips otherwise.
 */
#include <dirent.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/videodev2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "dcma_util.h"
#include "dcma_v4l2.h"

#define VIVID		"vivid.0"
#define NBUF		4
#define FRAMES		30

/*
 * Whether @frame, YUYV of @fmt, is vivid's 75% colour bar: eight bars
 * across, white (Y 179, U and V 128), yellow, cyan, green, magenta, red,
 * blue (U 211) and black (Y 16), in limited-range BT.601; checked in the
 * middle of the white, blue and black bars on a row below any text.
 */
static bool colour_bar(const unsigned char *frame, const struct v4l2_format *fmt,
		       char *why, size_t len)
{
	unsigned int w = fmt->fmt.pix.width, bpl = fmt->fmt.pix.bytesperline;
	const unsigned char *row = frame + (size_t)bpl * (fmt->fmt.pix.height / 2);
	const unsigned char *white = row + (w / 16) / 2 * 4;
	const unsigned char *blue = row + (w * 13 / 16) / 2 * 4;
	const unsigned char *black = row + (w * 15 / 16) / 2 * 4;

	snprintf(why, len, "white Y%u U%u V%u, blue Y%u U%u V%u, black Y%u",
		 white[0], white[1], white[3], blue[0], blue[1], blue[3],
		 black[0]);
	return white[0] > 150 && abs(white[1] - 128) < 16 &&
	       abs(white[3] - 128) < 16 && blue[1] > 190 && black[0] < 30;
}

/* Whether the debugfs map gives @dev's binding the "fallback" policy */
static bool rule_falls_back(const char *dev)
{
	char regs[256];
	bool fallback;

	return bound_policy(dev, NULL, regs, sizeof(regs), &fallback) &&
	       fallback;
}

FIXTURE(cam) {
	bool fallback;		/* vivid.0's rule lets a full region spill */
	char region[32];
	struct region r[MAX_REGIONS], *reg;
	int n, fd;
	struct v4l2_format fmt;
};

FIXTURE_SETUP(cam)
{
	struct v4l2_control osd = { .id = VIVID_CID_OSD_TEXT_MODE, .value = 2 };

	self->fd = -1;
	if (access(DCMA_DIR "/map", R_OK))
		SKIP(return, DCMA_DIR "/map is missing (CONFIG_DCMA?)");
	self->fd = open_vivid(0);
	if (self->fd < 0)
		SKIP(return, "no vivid capture node (CONFIG_VIDEO_VIVID?)");
	if (!camera_region(VIVID, self->region, sizeof(self->region))) {
		char cmdline[4096], *map;

		/* a rule for vivid.0 that did not bind it is a failure */
		ASSERT_TRUE(read_cmdline(cmdline, sizeof(cmdline)));
		map = cmdline_value(cmdline, "dcma_map");
		ASSERT_FALSE(map && strstr(map, VIVID "="))
			TH_LOG("dcma_map= names %s, which is not bound", VIVID);
		SKIP(return, "no dcma_map= rule binds " VIVID " in this boot");
	}
	self->fallback = rule_falls_back(VIVID);
	self->n = read_regions(self->r, MAX_REGIONS);
	self->reg = find_region(self->r, self->n, self->region);
	ASSERT_NE(NULL, self->reg);
	EXPECT_EQ(0, ioctl(self->fd, VIDIOC_S_CTRL, &osd));
	ASSERT_EQ(0, set_format(self->fd, 1920, 1080, &self->fmt));
}

FIXTURE_TEARDOWN(cam)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The region's regions line is as it was (@start) */
static void region_as_before(struct __test_metadata *_metadata,
			     const struct region *start)
{
	struct region now[MAX_REGIONS], *r;
	int n = read_regions(now, MAX_REGIONS);

	r = find_region(now, n, start->name);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(start->used, r->used);
	EXPECT_EQ(start->buffers, r->buffers);
	EXPECT_EQ(start->largest, r->largest);
}

/* MMAP buffers: streamed, inside the region, exported, given back */
TEST_F_TIMEOUT(cam, capture, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[8];
	/* the second stream only has to get its buffers again */
	static const int frames[2] = { FRAMES, 8 };
	unsigned long long phys[8];
	struct v4l2_buffer b;
	unsigned char *map[NBUF];
	int i, k, n, round;
	char why[128];

	TH_LOG("%s: %ux%u YUYV, %lu bytes a frame, region %s", VIVID,
	       self->fmt.fmt.pix.width, self->fmt.fmt.pix.height, size,
	       self->region);
	for (round = 0; round < 2; round++) {
		long last_seq = -1;
		struct v4l2_exportbuffer exp = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.flags = O_RDONLY,
		};
		unsigned char *emap;
		int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

		ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_MMAP, NBUF));
		/* one dcma buffer per V4L2 buffer, of its size, in the region */
		n = owned_buffers(self->region, VIVID, phys, pages, 8);
		ASSERT_EQ(NBUF, n);
		for (k = 0; k < n; k++)
			EXPECT_EQ((size + PAGE - 1) / PAGE, pages[k]);
		for (k = 0; k < self->n; k++)
			if (strcmp(self->r[k].name, self->region))
				EXPECT_EQ(0, owned_buffers(self->r[k].name, VIVID,
							   phys, pages, 8))
					TH_LOG("%s holds a buffer of %s",
					       self->r[k].name, VIVID);

		ASSERT_EQ(0, queue_mmap(self->fd, NBUF, size, map, true));
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
		/* every frame but the last is queued again */
		for (k = 0; k < frames[round]; k++) {
			ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_MMAP, &b));
			EXPECT_EQ(size, b.bytesused);
			EXPECT_GT((long)b.sequence, last_seq);
			last_seq = b.sequence;
			EXPECT_TRUE(colour_bar(map[b.index], &self->fmt, why,
					       sizeof(why)))
				TH_LOG("frame %u: not vivid's pattern: %s",
				       b.sequence, why);
			if (k == frames[round] - 1)
				break;
			memset(map[b.index], STALE, size);
			ASSERT_EQ(0, ioctl(self->fd, VIDIOC_QBUF, &b));
		}
		TH_LOG("round %d: %d frames, last sequence %ld", round,
		       frames[round], last_seq);

		/* the last one is dequeued: its dma-buf shows the same frame */
		exp.index = b.index;
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_EXPBUF, &exp));
		emap = mmap(NULL, size, PROT_READ, MAP_SHARED, exp.fd, 0);
		ASSERT_NE(MAP_FAILED, emap);
		EXPECT_EQ(0, memcmp(emap, map[b.index], size));
		EXPECT_TRUE(colour_bar(emap, &self->fmt, why, sizeof(why)))
			TH_LOG("exported frame: %s", why);
		munmap(emap, size);
		close(exp.fd);

		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
		for (i = 0; i < NBUF; i++)
			munmap(map[i], size);
		ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_MMAP, 0));
		EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 8));
		region_as_before(_metadata, self->reg);
	}
}

/*
 * A buffer of @size bytes from @heap: its dma-buf fd, or -errno; with
 * @map, mapped there and filled with STALE
 */
static int heap_buffer(int heap, unsigned long size, unsigned char **map)
{
	struct dma_heap_allocation_data data = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int err;

	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data))
		return -errno;
	if (!map)
		return data.fd;
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, data.fd, 0);
	if (*map == MAP_FAILED) {
		err = errno;
		close(data.fd);
		return -err;
	}
	memset(*map, STALE, size);
	return data.fd;
}

/* Queue dma-buf @dmabuf of @size bytes as capture buffer @index: 0 or -errno */
static int qbuf_dmabuf(int fd, unsigned int index, int dmabuf,
		       unsigned long size)
{
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
		.index = index,
		.m.fd = dmabuf,
		.length = size,
	};

	return ioctl(fd, VIDIOC_QBUF, &b) ? -errno : 0;
}

/*
 * Heap buffers as V4L2_MEMORY_DMABUF: vivid attaches and maps them (and
 * writes them through vmap), the frames are seen through the heap's own
 * mappings between DMA_BUF_IOCTL_SYNC calls, and the heap's operations
 * show in the dcma_heap_op tracepoint in that order
 */
TEST_F_TIMEOUT(cam, heap_import, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[16];
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, i, k, heap, before;
	unsigned long long phys[16];
	unsigned char *map[NBUF];
	const char *trace, *p;
	int fds[NBUF];
	struct v4l2_buffer b;
	char path[128], why[128];
	long last_seq = -1;

	if (access(TRACEFS "/trace", W_OK) &&
	    mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		SKIP(return, "no tracefs (CONFIG_TRACING?)");
	snprintf(path, sizeof(path), "/dev/dma_heap/%s", self->region);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		SKIP(return, "no %s (CONFIG_DCMA_HEAPS?)", path);
	before = owned_buffers(self->region, "dma-heap", phys, pages, 16);
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/events/dcma/dcma_heap_op/enable", "1"));
	for (i = 0; i < NBUF; i++) {
		fds[i] = heap_buffer(heap, size, &map[i]);
		ASSERT_LE(0, fds[i]);
	}
	close(heap);
	/* the heap's buffers are in the region; vivid allocated none */
	EXPECT_EQ(before + NBUF, owned_buffers(self->region, "dma-heap", phys,
					       pages, 16));
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 16));

	ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_DMABUF, NBUF));
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, qbuf_dmabuf(self->fd, i, fds[i], size));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	for (k = 0; k < 10; k++) {
		struct dma_buf_sync sync = {
			.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		};

		ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_DMABUF, &b));
		EXPECT_GT((long)b.sequence, last_seq);
		last_seq = b.sequence;
		ASSERT_EQ(0, ioctl(fds[b.index], DMA_BUF_IOCTL_SYNC, &sync));
		EXPECT_TRUE(colour_bar(map[b.index], &self->fmt, why, sizeof(why)))
			TH_LOG("frame %u in heap buffer %u: %s", b.sequence,
			       b.index, why);
		memset(map[b.index], STALE, size);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		ASSERT_EQ(0, ioctl(fds[b.index], DMA_BUF_IOCTL_SYNC, &sync));
		ASSERT_EQ(0, qbuf_dmabuf(self->fd, b.index, fds[b.index], size));
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_DMABUF, 0));
	ASSERT_EQ(0, write_file(TRACEFS "/events/dcma/dcma_heap_op/enable", "0"));
	for (i = 0; i < NBUF; i++) {
		munmap(map[i], size);
		close(fds[i]);
	}
	EXPECT_EQ(before, owned_buffers(self->region, "dma-heap", phys, pages, 16));
	region_as_before(_metadata, self->reg);

	trace = read_trace();
	p = trace;
	/* in order: the importer's attach and map, the CPU's, the unmap */
	for (const char *const *op = (const char *const[]){
		"op=mmap", "op=attach", "op=map", "op=vmap", "op=begin_cpu",
		"op=end_cpu", "op=unmap", "op=detach", NULL }; *op; op++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "%s pfn=", *op);
		p = strstr(p, needle);
		ASSERT_NE(NULL, p) TH_LOG("no %s in order in the trace", *op);
	}
	EXPECT_GE(count_in(trace, "op=attach"), NBUF);
	EXPECT_GE(count_in(trace, "dev=" VIVID), 4 * NBUF);
	EXPECT_GE(count_in(trace, "op=begin_cpu"), 10);
}

/*
 * 3840x2160 YUYV, about 16 MiB a buffer: the region does not hold the
 * buffers the queue needs, and under "fail" REQBUFS fails with ENOMEM,
 * leaving the region as it was
 */
TEST_F(cam, too_big)
{
	struct v4l2_format fmt;
	unsigned long long phys[8];
	unsigned long pages[8];
	int ret, said;

	if (self->fallback)
		SKIP(return, "%s falls back when %s is full", VIVID, self->region);
	ASSERT_EQ(0, set_format(self->fd, 3840, 2160, &fmt));
	if (fmt.fmt.pix.sizeimage * 2UL <= self->reg->largest * PAGE)
		SKIP(return, "%s holds two 4K frames", self->region);
	said = count_in(klog(), "dcma regions full for");
	ret = reqbufs(self->fd, V4L2_MEMORY_MMAP, NBUF);
	EXPECT_EQ(-ENOMEM, ret) TH_LOG("REQBUFS of 4K frames gave %d", ret);
	/* and it was dcma that said no, naming the policy */
	EXPECT_LT(said, count_in(klog(), "dcma regions full for"));
	if (ret > 0)
		reqbufs(self->fd, V4L2_MEMORY_MMAP, 0);
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 8));
	region_as_before(_metadata, self->reg);
}

/*
 * More buffers than the region holds: REQBUFS gives as many as fit (at
 * least the two vivid needs to stream), each of them in the region, and
 * they stream
 */
TEST_F_TIMEOUT(cam, too_many, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[32];
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, n, k;
	unsigned long long phys[32];
	unsigned char *map[32];
	struct v4l2_buffer b;
	char why[128];

	if (self->fallback)
		SKIP(return, "%s falls back when %s is full", VIVID, self->region);
	n = reqbufs(self->fd, V4L2_MEMORY_MMAP, 32);
	TH_LOG("REQBUFS 32 of %lu bytes in %lu free pages of %s: %d", size,
	       self->reg->free, self->region, n);
	ASSERT_GE(n, 2);
	ASSERT_LT(n, 32);
	EXPECT_EQ(n, owned_buffers(self->region, VIVID, phys, pages, 32));
	/* the queue has exactly the buffers it said */
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = n;
	EXPECT_EQ(-1, ioctl(self->fd, VIDIOC_QUERYBUF, &b));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, queue_mmap(self->fd, n, size, map, true));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_MMAP, &b));
		EXPECT_TRUE(colour_bar(map[b.index], &self->fmt, why, sizeof(why)))
			TH_LOG("frame %u: %s", b.sequence, why);
		memset(map[b.index], STALE, size);
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_QBUF, &b));
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
	for (k = 0; k < n; k++)
		munmap(map[k], size);
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_MMAP, 0));
	region_as_before(_metadata, self->reg);
}

/*
 * The device closed while streaming, with every buffer still mapped and
 * one exported and mapped: the buffers stay the driver's, in the region,
 * and readable, until their last mapping and file go
 */
TEST_F_TIMEOUT(cam, close_while_exported, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[8];
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, i;
	struct v4l2_exportbuffer exp = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.flags = O_RDONLY,
	};
	unsigned long long phys[8];
	unsigned char *map[NBUF], *emap;
	struct v4l2_buffer b;
	char why[128];

	ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_MMAP, NBUF));
	ASSERT_EQ(0, queue_mmap(self->fd, NBUF, size, map, true));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_MMAP, &b));
	exp.index = b.index;
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_EXPBUF, &exp));
	emap = mmap(NULL, size, PROT_READ, MAP_SHARED, exp.fd, 0);
	ASSERT_NE(MAP_FAILED, emap);

	/* no STREAMOFF, no REQBUFS 0: vb2 tears the queue down on close */
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(NBUF, owned_buffers(self->region, VIVID, phys, pages, 8));
	EXPECT_TRUE(colour_bar(emap, &self->fmt, why, sizeof(why)))
		TH_LOG("exported frame after close: %s", why);
	for (i = 0; i < NBUF; i++)
		munmap(map[i], size);
	/* the exported one is left, held by its file and its mapping */
	EXPECT_EQ(1, owned_buffers(self->region, VIVID, phys, pages, 8));
	close(exp.fd);
	EXPECT_EQ(1, owned_buffers(self->region, VIVID, phys, pages, 8));
	EXPECT_TRUE(colour_bar(emap, &self->fmt, why, sizeof(why)))
		TH_LOG("exported frame after its file closed: %s", why);
	munmap(emap, size);
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 8));
	region_as_before(_metadata, self->reg);
}

/*
 * Heap buffers whose every file and mapping userspace has dropped while
 * vivid holds them queued: they stay allocated and are captured into,
 * and each is freed when the queue lets it go
 */
TEST_F_TIMEOUT(cam, heap_freed_while_queued, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[16];
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, i, k, heap, before, dmabuf;
	unsigned long long phys[16];
	struct v4l2_buffer b;
	char path[128];
	long last_seq = -1;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", self->region);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		SKIP(return, "no %s (CONFIG_DCMA_HEAPS?)", path);
	before = owned_buffers(self->region, "dma-heap", phys, pages, 16);
	ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_DMABUF, NBUF));
	for (i = 0; i < NBUF; i++) {
		dmabuf = heap_buffer(heap, size, NULL);
		ASSERT_LE(0, dmabuf);
		ASSERT_EQ(0, qbuf_dmabuf(self->fd, i, dmabuf, size));
		/* vivid's reference is the only one left */
		close(dmabuf);
	}
	close(heap);
	EXPECT_EQ(before + NBUF, owned_buffers(self->region, "dma-heap", phys,
					       pages, 16));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	/* each is captured into once: there is no file left to queue it by */
	for (k = 0; k < NBUF; k++) {
		ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_DMABUF, &b));
		EXPECT_EQ(size, b.bytesused);
		EXPECT_GT((long)b.sequence, last_seq);
		last_seq = b.sequence;
	}
	EXPECT_EQ(before + NBUF, owned_buffers(self->region, "dma-heap", phys,
					       pages, 16));
	/*
	 * A failed QBUF makes vb2 let go of the buffer's dma-buf: that one,
	 * and only that one, is freed there
	 */
	EXPECT_EQ(-EINVAL, qbuf_dmabuf(self->fd, b.index, -1, size));
	EXPECT_EQ(before + NBUF - 1, owned_buffers(self->region, "dma-heap", phys,
						   pages, 16));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_DMABUF, 0));
	EXPECT_EQ(before, owned_buffers(self->region, "dma-heap", phys, pages, 16));
	region_as_before(_metadata, self->reg);
}

/* The vgem device's DRM node, opened, or -1 */
static int open_vgem(void)
{
	char path[32], name[16];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

/* Whether the @len bytes mapped at @p lie in consecutive page frames */
static bool phys_contiguous(const void *p, unsigned long len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long first = (unsigned long)p / PAGE, i;
	unsigned long long e, pfn0 = 0;
	bool contig = fd >= 0;

	for (i = 0; contig && i < len / PAGE; i++) {
		if (pread(fd, &e, sizeof(e), (first + i) * sizeof(e)) != sizeof(e) ||
		    !(e >> 63)) {
			contig = false;
			break;
		}
		e &= (1ULL << 55) - 1;
		if (!i)
			pfn0 = e;
		contig = e == pfn0 + i;
	}
	if (fd >= 0)
		close(fd);
	return contig;
}

/*
 * dma-bufs vivid did not allocate.  One from vgem (shmem pages, not
 * contiguous) cannot be queued: QBUF fails with EFAULT and the kernel
 * says why.  Two from another region's heap stream, and the frames land
 * in that region.
 */
TEST_F_TIMEOUT(cam, foreign_dmabuf, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[16];
	struct drm_mode_create_dumb dumb = { .width = 960, .height = 1080, .bpp = 32 };
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, vgem, i, k, heap = -1;
	int fds[2];
	struct drm_prime_handle prime = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_gem_close gclose = { 0 };
	const char *other = NULL;
	unsigned long long phys[16];
	unsigned char *map[2], *vmap;
	int before, said, ret;
	struct v4l2_buffer b;
	char path[128], why[128];
	bool contig;

	vgem = open_vgem();
	if (vgem < 0)
		SKIP(return, "no vgem DRM node (CONFIG_DRM_VGEM?)");
	ASSERT_EQ(0, ioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &dumb));
	ASSERT_GE(dumb.size, size);
	prime.handle = dumb.handle;
	ASSERT_EQ(0, ioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));
	vmap = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, prime.fd, 0);
	ASSERT_NE(MAP_FAILED, vmap);
	memset(vmap, STALE, size);
	contig = phys_contiguous(vmap, size);
	said = count_in(klog(), "contiguous chunk is too small");

	ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_DMABUF, NBUF));
	ret = qbuf_dmabuf(self->fd, 0, prime.fd, size);
	TH_LOG("vgem buffer, %s: QBUF %s", contig ? "contiguous" : "scattered",
	       ret ? strerror(-ret) : "succeeded");
	if (!contig) {
		EXPECT_EQ(-EFAULT, ret);
		EXPECT_EQ(said + 1, count_in(klog(), "contiguous chunk is too small"));
	}
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_DMABUF, 0));
	munmap(vmap, size);
	close(prime.fd);
	gclose.handle = dumb.handle;
	EXPECT_EQ(0, ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gclose));
	close(vgem);
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 16));
	region_as_before(_metadata, self->reg);

	/* another region with a heap and room for two frames */
	for (i = 0; i < self->n && heap < 0; i++) {
		if (!strcmp(self->r[i].name, self->region) ||
		    self->r[i].largest * PAGE < 2 * size)
			continue;
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", self->r[i].name);
		heap = open(path, O_RDONLY | O_CLOEXEC);
		other = self->r[i].name;
	}
	if (heap < 0)
		SKIP(return, "no other region's heap holds two frames");
	before = owned_buffers(other, "dma-heap", phys, pages, 16);
	ASSERT_EQ(2, reqbufs(self->fd, V4L2_MEMORY_DMABUF, 2));
	for (i = 0; i < 2; i++) {
		fds[i] = heap_buffer(heap, size, &map[i]);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, qbuf_dmabuf(self->fd, i, fds[i], size));
	}
	close(heap);
	EXPECT_EQ(before + 2, owned_buffers(other, "dma-heap", phys, pages, 16));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	for (k = 0; k < 2; k++) {
		struct dma_buf_sync sync = {
			.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		};

		ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_DMABUF, &b));
		ASSERT_EQ(0, ioctl(fds[b.index], DMA_BUF_IOCTL_SYNC, &sync));
		EXPECT_TRUE(colour_bar(map[b.index], &self->fmt, why, sizeof(why)))
			TH_LOG("frame %u in a buffer of %s: %s", b.sequence, other, why);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
		ASSERT_EQ(0, ioctl(fds[b.index], DMA_BUF_IOCTL_SYNC, &sync));
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_DMABUF, 0));
	for (i = 0; i < 2; i++) {
		munmap(map[i], size);
		close(fds[i]);
	}
	EXPECT_EQ(before, owned_buffers(other, "dma-heap", phys, pages, 16));
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 16));
	region_as_before(_metadata, self->reg);
}

/*
 * Under "fallback" (the arm64-takeover boot), a 4K stream the region
 * cannot hold still starts: the buffers that do not fit come from
 * mainline CMA's default area (its own "used" count says so), and it
 * streams the pattern
 */
TEST_F_TIMEOUT(cam, fallback_4k, 300)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, in_region, k;
	unsigned long size, npages, pg[8];
	unsigned long long phys[8];
	unsigned char *map[NBUF];
	struct v4l2_format fmt;
	long long cma_before;
	struct v4l2_buffer b;
	char why[128];

	if (!self->fallback)
		SKIP(return, "%s's rule fails when %s is full", VIVID, self->region);
	ASSERT_EQ(0, set_format(self->fd, 3840, 2160, &fmt));
	size = fmt.fmt.pix.sizeimage;
	npages = (size + PAGE - 1) / PAGE;
	ASSERT_LT(self->reg->largest, NBUF * npages)
		TH_LOG("%s holds four 4K frames", self->region);

	cma_before = cma_used();
	ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_MMAP, NBUF));
	in_region = owned_buffers(self->region, VIVID, phys, pg, 8);
	TH_LOG("4K: %d of %d buffers in %s, CMA's used pages %lld -> %lld",
	       in_region, NBUF, self->region, cma_before, cma_used());
	EXPECT_LT(in_region, NBUF);
	EXPECT_GE(cma_used() - cma_before, (long long)((NBUF - in_region) * npages));
	ASSERT_EQ(0, queue_mmap(self->fd, NBUF, size, map, true));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	for (k = 0; k < NBUF; k++) {
		ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_MMAP, &b));
		EXPECT_TRUE(colour_bar(map[b.index], &fmt, why, sizeof(why)))
			TH_LOG("4K frame %u: %s", b.sequence, why);
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
	for (k = 0; k < NBUF; k++)
		munmap(map[k], size);
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_MMAP, 0));
	EXPECT_EQ(cma_before, cma_used());
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pg, 8));
	region_as_before(_metadata, self->reg);
}

TEST_HARNESS_MAIN
