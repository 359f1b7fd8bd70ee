"""An independent MR-like brain-lesion cohort (not written by colab-ts; E5 in docs/results.md): NiBabel,
anisotropic 1 x 1 x 2 mm, MSD folder layout. Lesions are bright (contrast-enhancing)
blobs in white matter; look-alikes are the bright scalp fat and enhancing vessels /
choroid plexus, far from most lesions. Usage: make_brain.py OUT N SEED PREFIX"""
import sys
import numpy as np
from cohort_kit import MsdFolder, random_field

out, n, seed, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
X, Y, Z = 56, 64, 40  # 1 mm grid; z is averaged in pairs to 2 mm -> 20 slices
folder = MsdFolder(out, "BrainLesionMR", "independent NiBabel MR-like brain lesion phantoms, 1x1x2 mm", "MRI",
                   {"0": "background", "1": "lesion"})
gx, gy, gz = np.meshgrid(np.arange(X) + 0.5, np.arange(Y) + 0.5, np.arange(Z) + 0.5, indexing="ij")

def smooth_noise(scale, amp):
    return random_field(rng, gx, gy, gz, scale, amp)

for i in range(n):
    cx, cy, cz = X / 2 + rng.uniform(-2, 2), Y / 2 + rng.uniform(-2, 2), Z / 2 + rng.uniform(-1.5, 1.5)
    a, b, c = rng.uniform(22, 25), rng.uniform(27, 30), rng.uniform(17, 19)  # head semi-axes (mm)
    r = np.sqrt(((gx - cx) / a) ** 2 + ((gy - cy) / b) ** 2 + ((gz - cz) / c) ** 2)
    r = r * (1 + smooth_noise(8, 0.03))
    head, scalp_in, skull_in, brain_in = r < 1, r < 0.9, r < 0.8, r < 0.76
    img = np.zeros_like(gx)
    img[head] = 0.85          # scalp fat (bright on T1)
    img[scalp_in] = 0.12      # skull (dark)
    img[skull_in] = 0.25      # CSF rim
    img[brain_in] = 0.5       # grey matter
    wm = r < 0.62 + smooth_noise(5, 0.05)
    img[wm & brain_in] = 0.72 # white matter
    # ventricles: two dark ellipsoids near the centre
    for s in (-1, 1):
        v = ((gx - cx - s * 4) / 3) ** 2 + ((gy - cy + 2) / 9) ** 2 + ((gz - cz) / 5) ** 2 < 1
        img[v] = 0.22
    # enhancing vessels and choroid plexus: thin bright tubes and blobs (look-alikes)
    for _ in range(rng.integers(3, 6)):
        p = np.array([cx, cy, cz]) + rng.normal(size=3) * [10, 12, 6]
        d = rng.normal(size=3); d /= np.linalg.norm(d)
        q = np.stack([gx - p[0], gy - p[1], gz - p[2]], -1)
        t = np.clip(q @ d, -8, 8)
        dist = np.linalg.norm(q - t[..., None] * d, axis=-1)
        img[(dist < rng.uniform(0.8, 1.6)) & brain_in] = 0.92
    # lesion (label 1) in white matter, bright with a slightly darker core
    lab = np.zeros(gx.shape, np.uint8)
    if rng.uniform() > 0.1:
        for _ in range(100):
            p = np.array([cx, cy, cz]) + rng.uniform(-1, 1, 3) * [12, 16, 8]
            ix = tuple(np.clip(np.round(p - 0.5).astype(int), 0, [X - 1, Y - 1, Z - 1]))
            if wm[ix] and brain_in[ix]: break
        rad = rng.uniform(3, 6.5, 3)
        e = ((gx - p[0]) / rad[0]) ** 2 + ((gy - p[1]) / rad[1]) ** 2 + ((gz - p[2]) / rad[2]) ** 2
        e = e * (1 + smooth_noise(3, 0.15))
        les = (e < 1) & brain_in
        img[les] = 0.9
        img[(e < 0.3) & brain_in] = 0.6  # necrotic core, still tumour
        lab[les] = 1
    img = img * (1 + smooth_noise(20, 0.15))            # bias field
    # partial volume: 2 mm slices average two 1 mm ones (labels: majority of the pair, ties -> lesion)
    img2 = img.reshape(X, Y, Z // 2, 2).mean(-1)
    lab2 = (lab.reshape(X, Y, Z // 2, 2).mean(-1) >= 0.5).astype(np.uint8)
    # Rician noise, MR-like scale
    sigma = 0.04
    img2 = np.sqrt((img2 + rng.normal(0, sigma, img2.shape)) ** 2 + rng.normal(0, sigma, img2.shape) ** 2)
    img2 = (img2 * 1000).astype(np.float32)
    folder.add(f"{prefix}_{i:03d}", img2, lab2, np.diag([1.0, 1.0, 2.0, 1.0]))
folder.close()
