"""What the independent cohorts of docs/results.md share: low-frequency random fields and writing a Medical
Segmentation Decathlon folder with NiBabel."""
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
