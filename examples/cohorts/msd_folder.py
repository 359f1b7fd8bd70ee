"""Writing a Medical Segmentation Decathlon folder with NiBabel, for the independent cohorts of docs/results.md."""
import json, os
import nibabel as nib


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
