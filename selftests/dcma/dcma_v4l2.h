/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The V4L2 side of the camera test and the camera benchmark: vivid's
 * capture nodes, formats, MMAP buffers, and mainline CMA's count of the
 * pages it has handed out.  Include after dcma_util.h.
 */
#ifndef DCMA_V4L2_H
#define DCMA_V4L2_H

#include <dirent.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>

/* what a buffer holds before it is queued, so that a stale frame shows */
#define STALE		0x55
/* vivid's "OSD Text Mode" control; 2 draws no text over the pattern */
#define VIVID_CID_OSD_TEXT_MODE	0x00f0f001

/* The region the boot binds @dev to: the first one of its rules */
static inline bool camera_region(const char *dev, char *name, size_t len)
{
	char regs[256];

	if (!bound_regions(dev, NULL, regs, sizeof(regs)) || !regs[1])
		return false;
	regs[1 + strcspn(regs + 1, ",")] = '\0';
	snprintf(name, len, "%.31s", regs + 1);
	return true;
}

/* The capture node of vivid instance @inst ("vivid.<inst>"), or -1 */
static inline int open_vivid(int inst)
{
	struct v4l2_capability cap;
	char path[64], bus[32];
	struct dirent *de;
	DIR *dir = opendir("/dev");
	int fd = -1;

	snprintf(bus, sizeof(bus), "platform:vivid-%03d", inst);
	while (dir && fd < 0 && (de = readdir(dir))) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(path, sizeof(path), "/dev/%.32s", de->d_name);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap) ||
		    strcmp((char *)cap.driver, "vivid") ||
		    strcmp((char *)cap.bus_info, bus) ||
		    !(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE)) {
			close(fd);
			fd = -1;
		}
	}
	if (dir)
		closedir(dir);
	return fd;
}

static inline int set_format(int fd, unsigned int w, unsigned int h,
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

static inline int reqbufs(int fd, unsigned int memory, unsigned int count)
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

static inline int dqbuf(int fd, unsigned int memory, struct v4l2_buffer *b)
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

/*
 * Map MMAP buffers 0 to @n - 1 of @size bytes into @map, fill them with
 * STALE if @fill, and queue them
 */
static inline int queue_mmap(int fd, int n, unsigned long size,
			     unsigned char **map, bool fill)
{
	struct v4l2_buffer b;
	int i;

	for (i = 0; i < n; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (ioctl(fd, VIDIOC_QUERYBUF, &b))
			return -errno;
		if (b.length != size)
			return -EMSGSIZE;
		map[i] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, b.m.offset);
		if (map[i] == MAP_FAILED)
			return -errno;
		if (fill)
			memset(map[i], STALE, size);
		if (ioctl(fd, VIDIOC_QBUF, &b))
			return -errno;
	}
	return 0;
}

/* The pages mainline CMA's areas have handed out, all areas together */
static inline long long cma_used(void)
{
	DIR *dir = opendir("/sys/kernel/debug/cma");
	long long used = 0, v;
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		v = cma_area_read(de->d_name, "used");
		if (v > 0)
			used += v;
	}
	if (dir)
		closedir(dir);
	return used;
}

#endif /* DCMA_V4L2_H */
