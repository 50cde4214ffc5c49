// SPDX-License-Identifier: GPL-2.0-only
/*
 * A driver for QEMU's "edu" PCI device (docs/specs/edu.txt in QEMU), the
 * kind of hardware contiguous memory is for: a DMA engine without
 * scatter/gather that moves one physically contiguous range per command.
 *
 * The driver knows nothing of dcma.  It allocates two large coherent
 * buffers with the plain DMA API at probe; bound to dcma regions (say
 * "dcma_map=pci:1234:11e8=frames"), the device gets them from there.
 *
 * sysfs, in the PCI device's directory:
 *   check    write 1: the device copies chunks of "src" at its start,
 *            middle and end into its own memory and back into "dst", and
 *            the driver compares them; the write fails with EIO on a
 *            mismatch, ETIMEDOUT if the device stalls
 *   buffers  "<name> <dma address> <bytes>" for src and dst
 *   src, dst the buffers themselves, mmap()able (dma_mmap_coherent())
 *
 * The edu device reaches 28 address bits unless QEMU is told otherwise
 * ("-device edu,dma_mask=..."); "dma_bits" says what it was told.
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sysfs.h>

#define EDU_ID			0x00
#define EDU_LIVENESS		0x04
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define   EDU_DMA_START		0x01
#define   EDU_DMA_TO_RAM	0x02
/* the device's own memory, as its DMA engine addresses it */
#define EDU_BUF			0x40000
/*
 * Bytes per transfer: the device has 4 KiB, but QEMU 7.2's range check
 * refuses a transfer that ends at its last byte, so move half of it.
 */
#define EDU_XFER		2048

static unsigned int buf_size = SZ_4M;
module_param(buf_size, uint, 0444);
MODULE_PARM_DESC(buf_size, "bytes in each of the two coherent buffers");

static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "address bits the device reaches (QEMU's dma_mask)");

/**
 * struct edu - one edu device
 * @pdev: the PCI device
 * @mmio: BAR 0
 * @lock: serialises checks: the device has one DMA engine
 * @src: what the device reads from
 * @dst: what the device writes into
 * @src_dma: @src's DMA address
 * @dst_dma: @dst's DMA address
 * @size: bytes in each buffer
 * @src_attr: mmap()able @src
 * @dst_attr: mmap()able @dst
 */
struct edu {
	struct pci_dev *pdev;
	void __iomem *mmio;
	struct mutex lock;	/* see @lock above */
	void *src, *dst;
	dma_addr_t src_dma, dst_dma;
	size_t size;
	struct bin_attribute src_attr, dst_attr;
};

static int edu_dma(struct edu *edu, u64 src, u64 dst, u32 cmd)
{
	int i;

	writeq(src, edu->mmio + EDU_DMA_SRC);
	writeq(dst, edu->mmio + EDU_DMA_DST);
	writeq(EDU_XFER, edu->mmio + EDU_DMA_COUNT);
	writeq(cmd | EDU_DMA_START, edu->mmio + EDU_DMA_CMD);
	/* QEMU runs a transfer 100 ms after it is started */
	for (i = 0; i < 100; i++) {
		if (!(readq(edu->mmio + EDU_DMA_CMD) & EDU_DMA_START))
			return 0;
		msleep(20);
	}
	return -ETIMEDOUT;
}

/* A buffer in one piece, as the engine needs: check dma_get_sgtable(). */
static int edu_check_sgtable(struct edu *edu, void *cpu, dma_addr_t dma)
{
	struct sg_table sgt;
	int ret;

	ret = dma_get_sgtable(&edu->pdev->dev, &sgt, cpu, dma, edu->size);
	if (ret)
		return ret;
	if (sgt.orig_nents != 1 || sgt.sgl->length != edu->size)
		ret = -EIO;
	sg_free_table(&sgt);
	return ret;
}

static int edu_check(struct edu *edu)
{
	size_t offs[] = { 0, edu->size / 2, edu->size - EDU_XFER };
	int i, ret;

	ret = edu_check_sgtable(edu, edu->dst, edu->dst_dma);
	if (ret) {
		dev_err(&edu->pdev->dev, "dst is not one piece (%d)\n", ret);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		get_random_bytes(edu->src + offs[i], EDU_XFER);
		memset(edu->dst + offs[i], 0, EDU_XFER);
		ret = edu_dma(edu, edu->src_dma + offs[i], EDU_BUF, 0);
		if (!ret)
			ret = edu_dma(edu, EDU_BUF, edu->dst_dma + offs[i],
				      EDU_DMA_TO_RAM);
		if (ret) {
			dev_err(&edu->pdev->dev, "DMA engine stalled\n");
			return ret;
		}
		if (memcmp(edu->src + offs[i], edu->dst + offs[i],
			   EDU_XFER)) {
			dev_err(&edu->pdev->dev, "copy at %#zx differs\n",
				offs[i]);
			return -EIO;
		}
	}
	dev_info(&edu->pdev->dev, "%zu-byte buffers at %pad and %pad: %d copies checked\n",
		 edu->size, &edu->src_dma, &edu->dst_dma, i);
	return 0;
}

static ssize_t check_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct edu *edu = dev_get_drvdata(dev);
	bool run;
	int ret;

	ret = kstrtobool(buf, &run);
	if (ret || !run)
		return ret ?: -EINVAL;
	mutex_lock(&edu->lock);
	ret = edu_check(edu);
	mutex_unlock(&edu->lock);
	return ret ?: count;
}
static DEVICE_ATTR_WO(check);

static ssize_t buffers_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct edu *edu = dev_get_drvdata(dev);

	return sysfs_emit(buf, "src %pad %zu\ndst %pad %zu\n", &edu->src_dma,
			  edu->size, &edu->dst_dma, edu->size);
}
static DEVICE_ATTR_RO(buffers);

static struct attribute *edu_attrs[] = {
	&dev_attr_check.attr,
	&dev_attr_buffers.attr,
	NULL,
};
ATTRIBUTE_GROUPS(edu);

static int edu_mmap(struct file *filp, struct kobject *kobj,
		    struct bin_attribute *attr, struct vm_area_struct *vma)
{
	struct edu *edu = dev_get_drvdata(kobj_to_dev(kobj));
	bool dst = attr == &edu->dst_attr;

	return dma_mmap_coherent(&edu->pdev->dev, vma,
				 dst ? edu->dst : edu->src,
				 dst ? edu->dst_dma : edu->src_dma, edu->size);
}

static void edu_bin_init(struct edu *edu, struct bin_attribute *attr,
			 const char *name)
{
	sysfs_bin_attr_init(attr);
	attr->attr.name = name;
	attr->attr.mode = 0400;
	attr->size = edu->size;
	attr->mmap = edu_mmap;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct edu *edu;
	u32 ident;
	int ret;

	if (buf_size < EDU_XFER || !PAGE_ALIGNED(buf_size))
		return dev_err_probe(dev, -EINVAL, "buf_size must be whole pages\n");
	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	edu->size = buf_size;
	mutex_init(&edu->lock);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	edu->mmio = pcim_iomap_table(pdev)[0];
	ident = readl(edu->mmio + EDU_ID);
	if ((ident & 0xffff) != 0x00ed)
		return dev_err_probe(dev, -ENODEV, "not an edu device (%#x)\n",
				     ident);
	writel(0x5a5a5a5a, edu->mmio + EDU_LIVENESS);
	if (readl(edu->mmio + EDU_LIVENESS) != ~0x5a5a5a5aU)
		return dev_err_probe(dev, -EIO, "liveness check failed\n");
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(dma_bits));
	if (ret)
		return dev_err_probe(dev, ret, "no memory within %u address bits\n",
				     dma_bits);

	edu->src = dmam_alloc_coherent(dev, edu->size, &edu->src_dma,
				       GFP_KERNEL);
	edu->dst = dmam_alloc_coherent(dev, edu->size, &edu->dst_dma,
				       GFP_KERNEL);
	if (!edu->src || !edu->dst)
		return dev_err_probe(dev, -ENOMEM, "no %zu-byte coherent buffers\n",
				     edu->size);
	pci_set_drvdata(pdev, edu);

	edu_bin_init(edu, &edu->src_attr, "src");
	edu_bin_init(edu, &edu->dst_attr, "dst");
	ret = device_create_bin_file(dev, &edu->src_attr);
	if (ret)
		return ret;
	ret = device_create_bin_file(dev, &edu->dst_attr);
	if (ret)
		goto out_remove_src;

	mutex_lock(&edu->lock);
	ret = edu_check(edu);
	mutex_unlock(&edu->lock);
	if (ret)
		goto out_remove_dst;
	return 0;

out_remove_dst:
	device_remove_bin_file(dev, &edu->dst_attr);
out_remove_src:
	device_remove_bin_file(dev, &edu->src_attr);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	device_remove_bin_file(&pdev->dev, &edu->dst_attr);
	device_remove_bin_file(&pdev->dev, &edu->src_attr);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "dcma_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
	.dev_groups = edu_groups,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("DMA-API driver for QEMU's edu device, a dcma sample");
MODULE_LICENSE("GPL");
