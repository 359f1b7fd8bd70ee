"""Upsamples the first N cases of a Decathlon folder F times per axis (images linear, labels nearest), dividing the
voxel size by F: the CT scale check of docs/results.md ("Smoke runs") makes Decathlon-sized volumes this way.

usage: python3 upsample_cohort.py SRC OUT N [FACTOR=3]
"""
import json, sys
import numpy as np
import nibabel as nib
from scipy.ndimage import zoom
from cohort_kit import MsdFolder

if len(sys.argv) not in (4, 5):
    sys.exit(__doc__)
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = int(sys.argv[4]) if len(sys.argv) == 5 else 3
meta = json.load(open(f"{src}/dataset.json"))
entries = meta["training"][:n]
if len(entries) < n:
    sys.exit(f"{src} has {len(entries)} training cases, fewer than {n}")
folder = MsdFolder(out, meta["name"], f"{meta.get('description', '')}, upsampled {f}x per axis", meta["modality"]["0"], meta["labels"])
for e in entries:
    im, lb = nib.load(f"{src}/{e['image']}"), nib.load(f"{src}/{e['label']}")
    image = zoom(np.asarray(im.dataobj, dtype=np.float32), f, order=1).astype(im.get_data_dtype())
    label = zoom(np.asarray(lb.dataobj), f, order=0)
    affine = im.affine.copy()
    affine[:3, :3] /= f
    folder.add(e["image"].split("/")[-1].removesuffix(".nii.gz"), image, label.astype(lb.get_data_dtype()), affine)
folder.close()
