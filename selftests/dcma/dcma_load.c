// SPDX-License-Identifier: GPL-2.0
/*
 * Memory load for the dcma benchmark (not a test: installed beside the
 * tests for scripts/guest/dcma-bench).
 *
 *   dcma_load fill MIB       touch MIB of anonymous memory and keep it
 *   dcma_load pin DEV N MIB [START-END...]
 *                            N threads reading DEV with O_DIRECT into MIB of
 *                            anonymous 1 MiB buffers each, one buffer per
 *                            read, so that short-term pins are always in
 *                            flight; with physical ranges (hex, as root),
 *                            only buffers with pages in them are kept
 *
 * Runs until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB	(1UL << 20)
#define CHUNK	(4 * MIB)

static void touch(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 4096)
		p[i] = (char)i | 1;
}

static int fill(unsigned long mib)
{
	size_t chunks = mib * MIB / CHUNK, i;
	char **c = calloc(chunks, sizeof(*c));

	if (!c)
		return 1;
	for (i = 0; i < chunks; i++) {
		c[i] = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c[i] == MAP_FAILED) {
			perror("dcma_load: mmap");
			return 1;
		}
		touch(c[i], CHUNK);
	}
	printf("dcma_load: filled %lu MiB\n", mib);
	fflush(stdout);
	pause();
	return 0;
}

struct range {
	unsigned long long start, end;	/* physical, [start, end) */
};

static struct range ranges[8];
static int nr_ranges;

/* Pages of [p, p + len) whose frame lies in one of the ranges */
static int pages_in_ranges(int pagemap, char *p, size_t len)
{
	uint64_t e;
	int n = 0;

	for (size_t i = 0; i < len; i += 4096) {
		unsigned long long phys;

		if (pread(pagemap, &e, sizeof(e),
			  ((uintptr_t)(p + i) / 4096) * sizeof(e)) != sizeof(e))
			return -1;
		if (!(e >> 63))
			continue;
		phys = (e & ((1ULL << 55) - 1)) * 4096;
		for (int r = 0; r < nr_ranges; r++)
			if (phys >= ranges[r].start && phys < ranges[r].end)
				n++;
	}
	return n;
}

struct pinner {
	const char *dev;
	char **chunks;
	int nr;
};

static void *pin_thread(void *arg)
{
	struct pinner *p = arg;
	off_t off = 0, size;
	int fd;

	fd = open(p->dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		perror("dcma_load: open");
		return NULL;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < (off_t)MIB)
		return NULL;
	for (int i = 0;; i = (i + 1) % p->nr) {
		if (pread(fd, p->chunks[i], MIB, off) < 0) {
			perror("dcma_load: pread");
			return NULL;
		}
		off = (off + MIB) % (size - MIB + 1) & ~(MIB - 1);
	}
}

/*
 * Probe up to @probe_mib of fresh 1 MiB chunks and keep those with pages
 * in the ranges (all of them when no range is given), up to @want; the
 * others are unmapped afterwards.  Returns how many were kept.
 */
static int find_chunks(char **keep, int want, int probe_mib)
{
	char **probe = calloc(probe_mib, sizeof(*probe));
	int pagemap = open("/proc/self/pagemap", O_RDONLY), kept = 0, n = 0;
	int in, pages = 0;

	if (!probe || pagemap < 0)
		return 0;
	while (kept < want && n < probe_mib) {
		char *c = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (c == MAP_FAILED)
			break;
		touch(c, MIB);
		in = nr_ranges ? pages_in_ranges(pagemap, c, MIB) : 1;
		if (in > 0) {
			keep[kept++] = c;
			pages += in;
		} else {
			probe[n++] = c;
		}
	}
	while (n--)
		munmap(probe[n], MIB);
	free(probe);
	close(pagemap);
	printf("dcma_load: %d chunks to pin, %d of their pages in the ranges\n",
	       kept, pages);
	fflush(stdout);
	return kept;
}

static int pin(const char *dev, int threads, int mib, char **spec, int nspec)
{
	char **chunks = calloc(threads * mib, sizeof(*chunks));
	struct pinner *p = calloc(threads, sizeof(*p));
	pthread_t t;
	int n;

	for (int i = 0; i < nspec && nr_ranges < 8; i++)
		if (sscanf(spec[i], "%llx-%llx", &ranges[nr_ranges].start,
			   &ranges[nr_ranges].end) == 2)
			nr_ranges++;
	if (!chunks || !p)
		return 1;
	n = find_chunks(chunks, threads * mib, 4 * threads * mib);
	if (!n)
		return 1;
	for (int i = 0; i < threads; i++) {
		p[i].dev = dev;
		p[i].chunks = chunks + i * n / threads;
		p[i].nr = n / threads ?: 1;
		if (pthread_create(&t, NULL, pin_thread, &p[i]))
			return 1;
	}
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "fill"))
		return fill(strtoul(argv[2], NULL, 0));
	if (argc >= 5 && !strcmp(argv[1], "pin"))
		return pin(argv[2], atoi(argv[3]), atoi(argv[4]), argv + 5,
			   argc - 5);
	fprintf(stderr, "usage: dcma_load fill MIB | pin DEV THREADS MIB [START-END...]\n");
	return 2;
}
