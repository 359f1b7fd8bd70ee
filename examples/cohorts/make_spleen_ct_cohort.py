"""An independent CT-like spleen cohort (not written by colab-ts; E37 in docs/results.md): NiBabel,
portal-venous abdominal CT at 2 x 2 x 4 mm, MSD folder layout (modality CT, as Decathlon Task09).
The spleen (label 1) lies on the patient's left against the posterolateral wall. Its look-alikes
are the organs of the same enhancement: the liver (about 10 HU darker, across the body, its left
lobe reaching towards the spleen in some patients) and the pancreatic tail at the splenic hilum;
near it also lie the stomach, the left kidney, the colon's splenic flexure and the ribs.
Values are typical portal-venous HU; noise 15 HU, partial volume of 4 mm slices.
Written before any training run on it, not tuned to a method. Usage: make_spleen_ct_cohort.py OUT N SEED PREFIX"""
import sys
import numpy as np
from cohort_kit import Body, MsdFolder, hollow

out, n, seed, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
X, Y, Z = 160, 128, 128           # 2 mm in-plane, 1 mm along z (averaged in fours to 4 mm -> 32 slices)
SX, SY, SZ = 2.0, 2.0, 1.0
folder = MsdFolder(out, "SpleenCT", "independent NiBabel CT-like spleen phantoms (portal venous), 2x2x4 mm", "CT",
                   {"0": "background", "1": "spleen"})
# mm coordinates around the body's centre; +x the patient's left, +y posterior, +z cranial
grid = Body(rng, (X, Y, Z), (SX, SY, SZ))
gx, gy, gz = grid.gx, grid.gy, grid.gz
field, ellipsoid = grid.field, grid.ellipsoid


def tube(p, d, half, radius):
    """Voxels within radius of the segment p +- half * d (mm)."""
    d = np.asarray(d, float); d /= np.linalg.norm(d)
    q = np.stack([gx - p[0], gy - p[1], gz - p[2]], -1)
    t = np.clip(q @ d, -half, half)
    return np.linalg.norm(q - t[..., None] * d, axis=-1) < radius


for i in range(n):
    img, body, cavity, a, b, fat_w = grid.trunk((135, 155), (95, 110), (10, 25))
    # ribs: bone cross-sections in the wall, posterolateral, in bands along z (ribs run obliquely)
    for ang in np.linspace(-0.2, np.pi + 0.2, 11):
        rx, ry = np.cos(ang) * (a - fat_w - 5) * 0.97, np.sin(ang) * (b - fat_w - 5) * 0.97
        if ry < -0.3 * b: continue
        z0 = rng.uniform(-48, 48)
        for zc in (z0 - 60, z0 - 30, z0, z0 + 30, z0 + 60):
            rib = ellipsoid((rx, ry, zc), (6, 6, 7))
            img[(rib < 1) & body] = 500
    # spine, cord and paraspinal muscles
    vy = 0.62 * b
    vert = np.hypot(gx, gy - vy)
    img[vert < 19] = 700
    img[vert < 16] = 240
    img[np.hypot(gx, gy - vy - 20) < 7] = 20
    for s in (-1, 1):
        img[(ellipsoid((s * 32, vy + 12, 0), (20, 17, 200)) < 1) & body] = 55
        img[(ellipsoid((s * 26, vy - 22, 0), (10, 18, 200)) < 1) & cavity] = 50     # psoas
    # vessels: aorta and inferior vena cava
    img[np.hypot(gx - 8, gy - (vy - 30)) < rng.uniform(9, 12)] = 170
    img[(ellipsoid((-24, vy - 30, 0), (13, 9, 200)) < 1)] = 130
    # kidneys: enhancing cortex, medulla, a fluid pelvis; lower than the spleen
    kz = rng.uniform(-25, -10)
    for s in (-1, 1):
        kc = (s * rng.uniform(0.36, 0.44) * a, vy - rng.uniform(0, 8), kz + (6 if s > 0 else -4) + rng.uniform(-5, 5))
        kr = ellipsoid(kc, (rng.uniform(24, 30), rng.uniform(22, 27), rng.uniform(48, 58)), s * 0.5)
        img[(kr < 1) & cavity] = 170
        img[(kr < 0.6) & cavity] = 120
        img[(kr < 0.25) & cavity] = 10
    # liver: right side, the left lobe across the midline anteriorly; hepatic / portal vessels brighter
    lv_hu = rng.normal(100, 8)
    liver = ellipsoid((-0.45 * a, -0.02 * b, rng.uniform(5, 20)), (0.5 * a, 0.72 * b, 90)) * (1 + field(30, 0.04)) < 1
    lobe = rng.uniform(0.45, 1.3)                                  # reach of the left lobe towards the spleen
    liver |= ellipsoid((-0.05 * a + 0.25 * a * (lobe - 0.45), -0.5 * b, rng.uniform(10, 30)),
                       (0.35 * a * lobe, 0.26 * b, 45)) * (1 + field(20, 0.05)) < 1
    liver &= cavity & (img != 700) & (img != 240)
    img[liver] = lv_hu
    for _ in range(rng.integers(4, 8)):
        p = (-0.45 * a + rng.normal(0, 20), rng.normal(0, 25), rng.uniform(-30, 50))
        img[tube(p, rng.normal(size=3), 30, rng.uniform(2, 4.5)) & liver] = lv_hu + 60
    # stomach: anterior left, enhancing wall, fluid contents with an air cap in some patients
    sc = (0.3 * a + rng.uniform(-10, 10), -0.35 * b + rng.uniform(-8, 8), rng.uniform(0, 25))
    sr = ellipsoid(sc, (rng.uniform(30, 45), rng.uniform(25, 38), rng.uniform(35, 50)), 0.4) * (1 + field(15, 0.05))
    hollow(sr, 95, 15, img, cavity)
    if rng.uniform() < 0.6:
        img[(sr < 0.82) & (gy < sc[1] - rng.uniform(5, 20)) & cavity] = -1000
    # pancreas tail towards the splenic hilum, with the splenic vein along it
    hil = (0.5 * a, 0.2 * b, rng.uniform(5, 20))
    pan_d = (hil[0] - 10, hil[1] - (vy - 35), 4)
    pan_c = ((hil[0] + 10) / 2 - 8, (hil[1] + vy - 35) / 2, hil[2] - 5)
    img[tube(pan_c, pan_d, np.linalg.norm(pan_d[:2]) / 2, rng.uniform(8, 12)) & cavity & (img < 60)] = 95
    img[tube((pan_c[0], pan_c[1] + 9, pan_c[2]), pan_d, np.linalg.norm(pan_d[:2]) / 2, 4) & cavity] = 150
    # bowel loops (anterior, lower) and the colon's splenic flexure next to the spleen's lower pole
    for _ in range(rng.integers(5, 9)):
        p = (rng.uniform(-0.6, 0.6) * a, rng.uniform(-0.8, 0.1) * b, rng.uniform(-48, 10))
        br = ellipsoid(p, (rng.uniform(10, 18), rng.uniform(10, 18), rng.uniform(15, 40)), rng.uniform(0, np.pi))
        hollow(br, 85, rng.choice([20.0, -1000.0, 40.0]), img, cavity & (img < 60))
    fl = (0.55 * a + rng.uniform(-10, 5), -0.05 * b + rng.uniform(-10, 10), hil[2] - rng.uniform(35, 55))
    fr = ellipsoid(fl, (18, 16, 30), 0.8)
    hollow(fr, 85, rng.choice([-1000.0, 30.0]), img, cavity & (img < 60))
    # spleen (label 1): a flattened ellipsoid against the posterolateral wall, sometimes enlarged
    size = rng.choice([1.0, 1.0, 1.0, rng.uniform(1.15, 1.45)])
    ang = rng.uniform(0.7, 1.1)                                   # long axis along the wall
    sp_c = (0.62 * a + rng.uniform(-8, 5), 0.3 * b + rng.uniform(-10, 10), hil[2] + rng.uniform(-5, 5))
    sp = ellipsoid(sp_c, (rng.uniform(45, 60) * size, rng.uniform(18, 24) * size, rng.uniform(40, 55) * size), ang)
    sp = sp * (1 + field(12, 0.08))
    spleen = (sp < 1) & cavity & (img != 500) & (img != 170)
    img[spleen] = lv_hu + rng.normal(12, 5)
    lab = spleen.astype(np.uint8)
    # tissue texture, partial volume of 4 mm slices (four 1 mm ones), correlated noise of 15 HU
    img4, lab4 = grid.scan(img, lab, 4, 15)
    folder.add(f"{prefix}_{i:03d}", img4, lab4, np.diag([SX, SY, 4 * SZ, 1.0]))
folder.close()
