"""An independent CT-like colon-cancer cohort (not written by colab-ts): NiBabel, portal-venous CT of the lower
abdomen and pelvis at 1.6 x 1.6 x 3.2 mm (the paper's grid for this task, Section V-A4), MSD folder layout
(modality CT, as Decathlon Task10). One colorectal tumour per case (label 1): a segment of the colon whose
wall thickens into an annular or half-annular enhancing mass that narrows the lumen, in the ascending,
descending or sigmoid colon or the rectum. Its look-alikes are what a tumour is confused with on CT: the
normal enhancing colon wall and its collapsed segments, small-bowel loops, mesenteric lymph nodes, the
bladder wall, the uterus or prostate, and the muscles. Values are typical portal-venous HU; noise 12-16 HU,
partial volume of 3.2 mm slices (four 0.8 mm ones averaged).
Written before any training run on it, not tuned to a method. Usage: make_colon_ct_cohort.py OUT N SEED PREFIX"""
import sys
import numpy as np
from scipy.spatial import cKDTree
from cohort_kit import Body, MsdFolder, hollow

out, n, seed, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
X, Y, Z = 200, 150, 160           # 1.6 mm in-plane, 0.8 mm along z (averaged in fours to 3.2 mm -> 40 slices)
SX, SY, SZ = 1.6, 1.6, 0.8
folder = MsdFolder(out, "ColonCT", "independent NiBabel CT-like colon cancer phantoms (portal venous), 1.6x1.6x3.2 mm",
                   "CT", {"0": "background", "1": "colon cancer"})
# mm coordinates around the body's centre; +x the patient's left, +y posterior, +z cranial
grid = Body(rng, (X, Y, Z), (SX, SY, SZ))
gx, gy, gz = grid.gx, grid.gy, grid.gz
field, ellipsoid = grid.field, grid.ellipsoid
ZLO, ZHI = gz.min(), gz.max()


def polyline(points, step=1.0):
    """Points every `step` mm along a smooth curve through the control points (Catmull-Rom), with unit tangents."""
    p = np.asarray(points, float)
    p = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        m = max(2, int(np.linalg.norm(p2 - p1) / step))
        for t in np.linspace(0, 1, m, endpoint=False):
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t ** 3))
    out.append(p[-2])
    c = np.array(out)
    tan = np.gradient(c, axis=0)
    tan /= np.linalg.norm(tan, axis=1, keepdims=True) + 1e-9
    return c, tan


for i in range(n):
    img, body, cavity, a, b, fat_w = grid.trunk((140, 158), (100, 115), (10, 30))
    # spine (lumbar above, sacrum tilting back below), paraspinal muscles, psoas and iliacus
    vy = 0.6 * b + np.clip(-gz, 0, None) * 0.25
    vert = np.hypot(gx, gy - vy)
    img[(vert < 18) & body] = 700
    img[(vert < 15) & body] = 240
    img[(np.hypot(gx, gy - vy - 19) < 6) & body] = 20
    for s in (-1, 1):
        img[(ellipsoid((s * 32, 0.6 * b + 14, 0), (20, 16, 300)) < 1) & body] = 55
        img[(ellipsoid((s * 28, 0.6 * b - 20, 0), (11, 16, 300)) < 1) & cavity] = 50      # psoas
        # iliac wing: a curved bone plate on the lateral-posterior side (below the iliac crest), the iliacus
        # muscle lining its inner surface
        wc = (s * 0.42 * a, 0.3 * b, ZLO - 10)
        wing = ellipsoid(wc, (0.38 * a, 0.5 * b, rng.uniform(70, 90)), s * 0.5)
        plate = (s * (gx - wc[0]) > 0.1 * a) & (gy > 0.05 * b) & body
        img[(np.abs(wing - 1) < 0.05) & plate] = 600
        img[(wing < 0.95) & (wing > 0.82) & plate & cavity] = 50
    # iliac arteries and veins, diverging caudally from the midline
    for s in (-1, 1):
        for off, hu, rad in ((0, 165, rng.uniform(5, 7)), (10, 130, rng.uniform(6, 8))):
            c, _ = polyline([(s * 5 + off * 0.3, 0.6 * b - 32, ZHI + 5), (s * 40, 0.5 * b - 25, ZLO - 5)], 2.0)
            d, _ = cKDTree(c).query(np.stack([gx, gy, gz], -1).reshape(-1, 3), distance_upper_bound=rad + 1)
            img[(d.reshape(gx.shape) < rad) & cavity] = hu
    # bladder (lower pelvis, anterior), and the uterus or the prostate behind it: large soft-tissue look-alikes
    bz = ZLO + rng.uniform(15, 40)
    bl = ellipsoid((rng.uniform(-8, 8), -0.45 * b, bz), (rng.uniform(30, 50), rng.uniform(25, 40), rng.uniform(25, 40)))
    hollow(bl * 0.93, 45, 8, img, cavity, 0.8)
    if rng.uniform() < 0.5:
        img[(ellipsoid((rng.uniform(-10, 10), -0.05 * b, bz + 20), (rng.uniform(28, 40), 22, 35), rng.uniform(-0.3, 0.3)) < 1)
            & cavity & (img < 30)] = rng.uniform(70, 95)                                  # uterus (enhancing)
    else:
        img[(ellipsoid((0, -0.1 * b, ZLO + 5), (22, 18, 20)) < 1) & cavity & (img < 30)] = rng.uniform(45, 60)  # prostate
    # colon: ascending (patient's right), descending (left), sigmoid loop into the rectum (posterior midline)
    ax, dx_ = -0.62 * a + rng.uniform(-8, 8), 0.64 * a + rng.uniform(-8, 8)
    path = [(ax, 0.05 * b, ZHI + 10), (ax + 3, 0.0, 20), (ax + 8, -0.1 * b, ZLO + 45),        # ascending, caecum low
            (ax + 25, -0.2 * b, ZLO + 25)]
    c_asc, t_asc = polyline(path)
    sig = rng.uniform(-0.4, 0.1)                                                             # sigmoid reach forward
    path = [(dx_, 0.1 * b, ZHI + 10), (dx_ - 4, 0.15 * b, 10), (dx_ - 15, 0.0, ZLO + 45),     # descending
            (0.25 * a, sig * b, ZLO + 40), (0.05 * a, (sig - 0.2) * b, ZLO + 55),               # sigmoid loop
            (-0.1 * a, 0.1 * b, ZLO + 40), (0, 0.5 * b, ZLO + 20), (0, 0.52 * b, ZLO - 10)]     # into the rectum
    c_des, t_des = polyline(path)
    cl = np.vstack([c_asc, c_des])
    tang = np.vstack([t_asc, t_des])
    # lumen radius along the colon: 14-24 mm, smaller in collapsed stretches; wall 2-4 mm
    seg_r = np.concatenate([np.full(len(c_asc), rng.uniform(17, 24)), np.full(len(c_des), rng.uniform(13, 20))])
    seg_r = seg_r * (1 + 0.35 * np.sin(np.arange(len(cl)) / rng.uniform(8, 15) + rng.uniform(0, 6)))
    seg_r = np.clip(seg_r, 6, 26)
    wall = rng.uniform(2, 4)
    pts = np.stack([gx, gy, gz], -1).reshape(-1, 3)
    near = cavity.reshape(-1)
    dist = np.full(pts.shape[0], np.inf)
    idx = np.zeros(pts.shape[0], int)
    d, k = cKDTree(cl).query(pts[near], distance_upper_bound=60)
    ok = np.isfinite(d)
    dist[np.flatnonzero(near)[ok]] = d[ok]
    idx[np.flatnonzero(near)[ok]] = k[ok]
    dist = dist.reshape(gx.shape)
    idx = idx.reshape(gx.shape)
    R = seg_r[idx]
    lumen = dist < R
    colon_wall = (dist < R + wall) & ~lumen & cavity
    img[colon_wall & (img < 100)] = rng.uniform(70, 95)                                     # enhancing wall
    # contents: stool (mottled, with gas bubbles), fluid, and gas on the non-dependent (anterior) side
    grain = rng.normal(0, 1, gx.shape)
    grain = sum(np.roll(np.roll(np.roll(grain, dx, 0), dy, 1), dz, 2) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-2, 0, 2)) / 5.2
    stool = rng.uniform(-20, 40) + 60 * grain                      # mottled faeces
    gas = (grain > rng.uniform(1.2, 1.8)) | (gy - cl[idx][..., 1] < -R * rng.uniform(0.0, 0.6))     # bubbles, gas cap
    img[lumen & cavity] = np.where(gas[lumen & cavity], -1000, stool[lumen & cavity])
    # small-bowel loops (anterior and central): enhancing walls, fluid or gas inside
    for _ in range(rng.integers(8, 14)):
        p = (rng.uniform(-0.45, 0.45) * a, rng.uniform(-0.75, 0.15) * b, rng.uniform(ZLO + 30, ZHI))
        br = ellipsoid(p, (rng.uniform(10, 16), rng.uniform(10, 16), rng.uniform(15, 45)), rng.uniform(0, np.pi))
        hollow(br, rng.uniform(75, 100), rng.choice([15.0, -1000.0, 30.0]), img, cavity & (img < 0) & (img > -500), 0.8)
    # mesenteric and pelvic lymph nodes: small soft-tissue ovals
    for _ in range(rng.integers(3, 9)):
        p = (rng.uniform(-0.5, 0.5) * a, rng.uniform(-0.3, 0.5) * b, rng.uniform(ZLO, ZHI))
        img[(ellipsoid(p, (rng.uniform(3, 6), rng.uniform(3, 5), rng.uniform(4, 8))) < 1) & cavity & (img < 0)
            & (img > -500)] = rng.uniform(45, 70)
    # the tumour (label 1): along a stretch of the colon inside the field of view, the wall thickens into a mass
    inside = np.flatnonzero((cl[:, 2] > ZLO + 20) & (cl[:, 2] < ZHI - 20) & (np.abs(cl[:, 0]) < 0.9 * a))
    at = rng.choice(inside)
    length = rng.uniform(25, 60)
    thick = rng.uniform(6, 16)
    frac = rng.choice([1.0, rng.uniform(0.45, 0.85)])                                      # annular or half-annular
    # along-path coordinate of each voxel relative to the tumour's centre, and its angle around the colon
    s_along = (idx - at).astype(float)                                                      # 1 mm per point
    same = (np.abs(s_along) < length / 2) & (dist < R + wall + thick) & cavity
    same &= (idx < len(c_asc)) == (at < len(c_asc))                                          # the same limb
    t0 = tang[at]
    n0 = np.cross(t0, [0.0, 0.0, 1.0]) if abs(t0[2]) < 0.9 else np.cross(t0, [1.0, 0.0, 0.0])
    n0 /= np.linalg.norm(n0)
    b0 = np.cross(t0, n0)
    q = np.stack([gx, gy, gz], -1) - cl[idx]
    ang = np.arctan2(q @ b0, q @ n0)
    phase = rng.uniform(-np.pi, np.pi)
    in_arc = np.abs(np.angle(np.exp(1j * (ang - phase)))) <= frac * np.pi
    taper = np.cos(np.clip(s_along / (length / 2), -1, 1) * np.pi / 2) ** 0.5              # thinner at the ends
    inner = R - thick * taper * 0.7                                                          # narrows the lumen
    outer = R + wall + thick * taper * 0.3 * (1 + field(8, 0.5))                             # and bulges outward
    tumour = same & in_arc & (dist >= inner) & (dist < outer) & (img != 700) & (img != 240) & (img != 600)
    tu_hu = rng.uniform(55, 80)
    img[tumour] = tu_hu + field(5, 12)[tumour] - 25 * (field(6, 1)[tumour] > 0.5)            # necrotic patches
    lab = tumour.astype(np.uint8)
    # tissue texture, partial volume of 3.2 mm slices (four 0.8 mm ones), correlated noise of 12-16 HU
    img4, lab4 = grid.scan(img, lab, 4, rng.uniform(12, 16))
    folder.add(f"{prefix}_{i:03d}", img4, lab4, np.diag([SX, SY, 4 * SZ, 1.0]))
folder.close()
