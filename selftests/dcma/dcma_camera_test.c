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

#define VIVID		"vivid.0"
#define NBUF		4
#define FRAMES		30
#define STALE		0x55
/* vivid's "OSD Text Mode" control; 2 draws no text over the pattern */
#define VIVID_CID_OSD_TEXT_MODE	0x00f0f001

/* The region the boot binds vivid.0 to: the first one of its rules */
static bool camera_region(char *name, size_t len)
{
	char regs[256];

	if (!bound_regions(VIVID, NULL, regs, sizeof(regs)) || !regs[1])
		return false;
	regs[1 + strcspn(regs + 1, ",")] = '\0';
	snprintf(name, len, "%.31s", regs + 1);
	return true;
}

/* The capture node vivid registered, opened, or -1 */
static int open_vivid(void)
{
	struct v4l2_capability cap;
	char path[64];
	struct dirent *de;
	DIR *dir = opendir("/dev");
	int fd = -1;

	while (dir && fd < 0 && (de = readdir(dir))) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(path, sizeof(path), "/dev/%.32s", de->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap) ||
		    strcmp((char *)cap.driver, "vivid") ||
		    !(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE)) {
			close(fd);
			fd = -1;
		}
	}
	if (dir)
		closedir(dir);
	return fd;
}

static int set_format(int fd, unsigned int w, unsigned int h,
		      struct v4l2_format *fmt)
{
	memset(fmt, 0, sizeof(*fmt));
	fmt->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	fmt->fmt.pix.width = w;
	fmt->fmt.pix.height = h;
	fmt->fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt->fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(fd, VIDIOC_S_FMT, fmt))
		return -errno;
	return fmt->fmt.pix.width == w && fmt->fmt.pix.height == h ? 0 : -ERANGE;
}

static int reqbufs(int fd, unsigned int memory, unsigned int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	if (ioctl(fd, VIDIOC_REQBUFS, &rb))
		return -errno;
	return rb.count;
}

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

static int dqbuf(int fd, unsigned int memory, struct v4l2_buffer *b)
{
	fd_set fds;
	struct timeval tv = { .tv_sec = 10 };

	FD_ZERO(&fds);
	FD_SET(fd, &fds);
	if (select(fd + 1, &fds, NULL, NULL, &tv) != 1)
		return -ETIMEDOUT;
	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = memory;
	return ioctl(fd, VIDIOC_DQBUF, b) ? -errno : 0;
}

FIXTURE(cam) {
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
	self->fd = open_vivid();
	if (self->fd < 0)
		SKIP(return, "no vivid capture node (CONFIG_VIDEO_VIVID?)");
	if (!camera_region(self->region, sizeof(self->region))) {
		char cmdline[4096], *map;

		/* a rule for vivid.0 that did not bind it is a failure */
		ASSERT_TRUE(read_cmdline(cmdline, sizeof(cmdline)));
		map = cmdline_value(cmdline, "dcma_map");
		ASSERT_FALSE(map && strstr(map, VIVID "="))
			TH_LOG("dcma_map= names %s, which is not bound", VIVID);
		SKIP(return, "no dcma_map= rule binds " VIVID " in this boot");
	}
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

		for (i = 0; i < NBUF; i++) {
			memset(&b, 0, sizeof(b));
			b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
			b.memory = V4L2_MEMORY_MMAP;
			b.index = i;
			ASSERT_EQ(0, ioctl(self->fd, VIDIOC_QUERYBUF, &b));
			ASSERT_EQ(size, b.length);
			map[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
				      MAP_SHARED, self->fd, b.m.offset);
			ASSERT_NE(MAP_FAILED, map[i]);
			memset(map[i], STALE, size);
			ASSERT_EQ(0, ioctl(self->fd, VIDIOC_QBUF, &b));
		}
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
 * Heap buffers as V4L2_MEMORY_DMABUF: vivid attaches and maps them (and
 * writes them through vmap), the frames are seen through the heap's own
 * mappings between DMA_BUF_IOCTL_SYNC calls, and the heap's operations
 * show in the dcma_heap_op tracepoint in that order
 */
TEST_F_TIMEOUT(cam, heap_import, 300)
{
	unsigned long size = self->fmt.fmt.pix.sizeimage, pages[16];
	struct dma_heap_allocation_data data[NBUF];
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE, i, k, heap, before;
	unsigned long long phys[16];
	unsigned char *map[NBUF];
	const char *trace, *p;
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
		memset(&data[i], 0, sizeof(data[i]));
		data[i].len = size;
		data[i].fd_flags = O_RDWR | O_CLOEXEC;
		ASSERT_EQ(0, ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data[i]));
		map[i] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      data[i].fd, 0);
		ASSERT_NE(MAP_FAILED, map[i]);
		memset(map[i], STALE, size);
	}
	close(heap);
	/* the heap's buffers are in the region; vivid allocated none */
	EXPECT_EQ(before + NBUF, owned_buffers(self->region, "dma-heap", phys,
					       pages, 16));
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 16));

	ASSERT_EQ(NBUF, reqbufs(self->fd, V4L2_MEMORY_DMABUF, NBUF));
	for (i = 0; i < NBUF; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_DMABUF;
		b.index = i;
		b.m.fd = data[i].fd;
		b.length = size;
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_QBUF, &b));
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	for (k = 0; k < 10; k++) {
		struct dma_buf_sync sync = {
			.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		};

		ASSERT_EQ(0, dqbuf(self->fd, V4L2_MEMORY_DMABUF, &b));
		EXPECT_GT((long)b.sequence, last_seq);
		last_seq = b.sequence;
		ASSERT_EQ(0, ioctl(data[b.index].fd, DMA_BUF_IOCTL_SYNC, &sync));
		EXPECT_TRUE(colour_bar(map[b.index], &self->fmt, why, sizeof(why)))
			TH_LOG("frame %u in heap buffer %u: %s", b.sequence,
			       b.index, why);
		memset(map[b.index], STALE, size);
		sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		ASSERT_EQ(0, ioctl(data[b.index].fd, DMA_BUF_IOCTL_SYNC, &sync));
		b.m.fd = data[b.index].fd;
		b.length = size;
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_QBUF, &b));
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &type));
	ASSERT_EQ(0, reqbufs(self->fd, V4L2_MEMORY_DMABUF, 0));
	ASSERT_EQ(0, write_file(TRACEFS "/events/dcma/dcma_heap_op/enable", "0"));
	for (i = 0; i < NBUF; i++) {
		munmap(map[i], size);
		close(data[i].fd);
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
	int ret;

	ASSERT_EQ(0, set_format(self->fd, 3840, 2160, &fmt));
	if (fmt.fmt.pix.sizeimage * 2UL <= self->reg->largest * PAGE)
		SKIP(return, "%s holds two 4K frames", self->region);
	ret = reqbufs(self->fd, V4L2_MEMORY_MMAP, NBUF);
	EXPECT_EQ(-ENOMEM, ret) TH_LOG("REQBUFS of 4K frames gave %d", ret);
	if (ret > 0)
		reqbufs(self->fd, V4L2_MEMORY_MMAP, 0);
	EXPECT_EQ(0, owned_buffers(self->region, VIVID, phys, pages, 8));
	region_as_before(_metadata, self->reg);
}

TEST_HARNESS_MAIN
