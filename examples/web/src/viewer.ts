/** Draws one axial slice of a `[D, H, W]` (or `[1, D, H, W]`) image, grey-windowed, with the label map in red over it; and a loss plot. */
import type { NDArray } from '@colab-ts/ndarray';
import { toTypedArray } from '@colab-ts/ndarray';

export function drawSlice(canvas: HTMLCanvasElement, image: NDArray, labels: NDArray | null, z: number): void {
  const [D, H, W] = image.shape.slice(-3) as [number, number, number];
  const img = toTypedArray(image);
  const lab = labels === null ? null : toTypedArray(labels);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < img.length; i++) {
    const v = Number(img[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const px = new ImageData(W, H);
  const base = Math.min(Math.max(0, z), D - 1) * H * W;
  for (let i = 0; i < H * W; i++) {
    const g = (Number(img[base + i]) - lo) * scale;
    const on = lab !== null && Number(lab[base + i]) > 0;
    px.data[4 * i] = on ? 0.5 * g + 127 : g;
    px.data[4 * i + 1] = on ? 0.5 * g : g;
    px.data[4 * i + 2] = on ? 0.5 * g : g;
    px.data[4 * i + 3] = 255;
  }
  const off = new OffscreenCanvas(W, H);
  off.getContext('2d')!.putImageData(px, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

export function drawPlot(canvas: HTMLCanvasElement, losses: readonly number[], total: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(30, 10, w - 40, h - 30);
  if (losses.length === 0) return;
  const top = Math.max(...losses);
  ctx.fillStyle = '#222';
  ctx.fillText(top.toFixed(2), 2, 16);
  ctx.fillText('0', 20, h - 20);
  ctx.fillText(`step ${losses.length}/${total}, loss ${losses[losses.length - 1]!.toFixed(3)}`, 40, h - 6);
  ctx.strokeStyle = '#c33';
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((l, i) => {
    const x = 30 + ((w - 40) * (i + 1)) / Math.max(1, total);
    const y = 10 + (h - 30) * (1 - l / top);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}
