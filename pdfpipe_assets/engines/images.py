"""Page images as numpy arrays, and boxes mapped back after an orientation fix."""

from __future__ import annotations

from pathlib import Path


def load_gray(png: Path):
    """The rendered PNG as a contiguous uint8 (H, W) array."""
    import numpy as np
    import pymupdf

    pix = pymupdf.Pixmap(str(png))
    if pix.n != 1:
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pix)
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)
    return np.ascontiguousarray(arr[:, : pix.width])


def load_rgb(png: Path):
    import numpy as np
    import pymupdf

    pix = pymupdf.Pixmap(str(png))
    if pix.alpha or pix.n != 3:
        pix = pymupdf.Pixmap(pymupdf.csRGB, pix, 0)
    arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)
    return np.ascontiguousarray(arr[:, : pix.width * 3].reshape(pix.height, pix.width, 3))


def unrotate_box(box, quarter_turns: int, width: int, height: int):
    """Map a box found on ``np.rot90(image, quarter_turns)`` back onto ``image`` (width x height)."""
    x0, y0, x1, y1 = box
    for turn in range(quarter_turns % 4, 0, -1):
        # np.rot90 sends (x, y) on an image of width w to (y, w - x); undo one turn.
        w_before = width if (turn - 1) % 2 == 0 else height
        x0, y0, x1, y1 = w_before - y1, x0, w_before - y0, x1
    return x0, y0, x1, y1


def upright_png(png: Path, degrees: int, out: Path) -> Path:
    """``png`` turned as the OCR turned it (``np.rot90`` by ``degrees // 90``), written to ``out``:
    what a page reader must see, so that it and the OCR agree on the page's orientation."""
    import numpy as np
    import pymupdf

    quarter_turns = (degrees // 90) % 4
    if not quarter_turns:
        return png
    rgb = np.ascontiguousarray(np.rot90(load_rgb(png), quarter_turns))
    h, w = rgb.shape[:2]
    pymupdf.Pixmap(pymupdf.csRGB, w, h, rgb.tobytes(), 0).save(str(out))
    return out


def stack_crops(png: Path, boxes: list[tuple[int, int, int, int]], gap: int, out: Path) -> list[int]:
    """The pixels of ``png`` inside each box (x0, y0, x1, y1, clipped to the image), stacked
    top to bottom on white, ``gap`` pixels apart, written to ``out``: one small page for an OCR
    engine in place of many tiny ones. Returns each crop's top row in the stack."""
    import numpy as np
    import pymupdf

    rgb = load_rgb(png)
    crops = [rgb[max(0, y0) : max(y0 + 1, y1), max(0, x0) : max(x0 + 1, x1)] for x0, y0, x1, y1 in boxes]
    tops = [sum(c.shape[0] + gap for c in crops[:i]) + gap for i in range(len(crops))]
    stack = np.full((tops[-1] + crops[-1].shape[0] + gap, max(c.shape[1] for c in crops) + 2 * gap, 3), 255, np.uint8)
    for top, crop in zip(tops, crops, strict=True):
        stack[top : top + crop.shape[0], gap : gap + crop.shape[1]] = crop
    h, w = stack.shape[:2]
    pymupdf.Pixmap(pymupdf.csRGB, w, h, np.ascontiguousarray(stack).tobytes(), 0).save(str(out))
    return tops
