"""What the independent cohorts of docs/results.md share: low-frequency random fields, the CT cohorts' grid,
trunk, hollow organs and scan simulation, and writing a Medical Segmentation Decathlon folder with NiBabel."""
import json, os
import numpy as np
import nibabel as nib


def random_field(rng, gx, gy, gz, scale, amp):
    """A low-frequency random field on the grid (gx, gy, gz): the mean of four random cosines of wave vectors
    drawn with standard deviation 1 / scale, times amp."""
    f = np.zeros_like(gx)
    for _ in range(4):
        k = rng.normal(size=3) / scale
        f += np.cos(k[0] * gx + k[1] * gy + k[2] * gz + rng.uniform(0, 2 * np.pi))
    return amp * f / 4


class Body:
    """A CT grid in mm around the body's centre (+x the patient's left, +y posterior, +z cranial) and the
    shapes the CT cohorts share; `rng` draws every random value, in call order."""

    def __init__(self, rng, shape, spacing):
        self.rng, self.shape = rng, shape
        self.gx, self.gy, self.gz = np.meshgrid(*[(np.arange(n) + 0.5) * s - n * s / 2 for n, s in zip(shape, spacing)],
                                                indexing="ij")

    def field(self, scale, amp):
        return random_field(self.rng, self.gx, self.gy, self.gz, scale, amp)

    def ellipsoid(self, c, semi, angle=0.0):
        """Normalised radius of an ellipsoid at centre c (mm), semi-axes semi, rotated by angle in the axial plane."""
        dx, dy, dz = self.gx - c[0], self.gy - c[1], self.gz - c[2]
        ca, sa = np.cos(angle), np.sin(angle)
        u, v = ca * dx + sa * dy, -sa * dx + ca * dy
        return np.sqrt((u / semi[0]) ** 2 + (v / semi[1]) ** 2 + (dz / semi[2]) ** 2)

    def trunk(self, a_range, b_range, fat_range):
        """An elliptic trunk: subcutaneous fat, a 9 mm muscle wall, visceral fat inside. Returns the image (air
        outside), the body and cavity masks and the semi-axes a, b."""
        a, b = self.rng.uniform(*a_range), self.rng.uniform(*b_range)
        body_r = np.sqrt((self.gx / a) ** 2 + (self.gy / b) ** 2) * (1 + self.field(40, 0.03))
        fat_w = self.rng.uniform(*fat_range)
        body = body_r < 1
        wall_in = body_r < 1 - fat_w / b
        cavity = body_r < 1 - (fat_w + 9) / b
        img = np.full(self.gx.shape, -1000.0)
        img[body] = -100
        img[wall_in] = 50
        img[cavity] = -90
        return img, body, cavity, a, b, fat_w

    def scan(self, img, lab, fold, noise_hu):
        """Tissue texture, partial volume along z (`fold` thin slices averaged into one; labels by majority) and
        correlated CT noise (white noise smoothed by a 3 x 3 in-plane box, scaled to noise_hu): int16 HU, uint8."""
        X, Y, Z = self.shape
        img = img + self.field(6, 8) * (img > -500)
        img4 = img.reshape(X, Y, Z // fold, fold).mean(-1)
        lab4 = (lab.reshape(X, Y, Z // fold, fold).mean(-1) >= 0.5).astype(np.uint8)
        w = self.rng.normal(0, 1, img4.shape)
        w = sum(np.roll(np.roll(w, dx, 0), dy, 1) for dx in (-1, 0, 1) for dy in (-1, 0, 1)) / 3.0
        return np.clip(np.round(img4 + noise_hu * w), -1024, 3071).astype(np.int16), lab4


def hollow(r, wall_img, content_img, img, inside, inner=0.82):
    """A hollow organ: img where r < 1 and inside becomes wall, its part within r < inner content."""
    img[(r < 1) & inside] = wall_img
    img[(r < inner) & inside] = content_img


class MsdFolder:
    """imagesTr/ and labelsTr/ under `out`, one case per `add`, and dataset.json on `close`."""

    def __init__(self, out, name, description, modality, labels):
        os.makedirs(f"{out}/imagesTr", exist_ok=True); os.makedirs(f"{out}/labelsTr", exist_ok=True)
        self.out, self.entries = out, []
        self.meta = {"name": name, "description": description, "tensorImageSize": "3D",
                     "modality": {"0": modality}, "labels": labels}

    def add(self, name, image, label, affine):
        """Saves one case as NAME.nii.gz (image and label on the same affine, voxel sizes on its diagonal)."""
        file = f"{name}.nii.gz"
        nib.save(nib.Nifti1Image(image, affine), f"{self.out}/imagesTr/{file}")
        nib.save(nib.Nifti1Image(label, affine), f"{self.out}/labelsTr/{file}")
        self.entries.append({"image": f"./imagesTr/{file}", "label": f"./labelsTr/{file}"})

    def close(self):
        json.dump({**self.meta, "numTraining": len(self.entries), "numTest": 0, "training": self.entries, "test": []},
                  open(f"{self.out}/dataset.json", "w"), indent=1)
        print("wrote", len(self.entries), "cases to", self.out)
