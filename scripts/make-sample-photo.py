#!/usr/bin/env python3
"""Draws the health card's sample photo: a made-up portrait (no real person), 240 × 300 px.

usage: scripts/make-sample-photo.py OUT.png [OUT.ppm]

Pure Python (zlib): a pale blue ground, shoulders in a dark jacket, a neck and a head in
skin tones, dark hair. At 20 × 25 mm it prints at over 300 dpi. The PPM copy feeds
`cjpeg` for the JPEG test pictures (tests/pictures/README.md).
"""
import struct
import sys
import zlib

W, H = 240, 300


def inside_ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def colour(x, y):
    # Hair behind the head, the head, the neck, the shoulders, the ground.
    if inside_ellipse(x, y, 120, 118, 62, 72) and y < 120:
        return (52, 38, 30)
    if inside_ellipse(x, y, 120, 130, 52, 64):
        shade = int(12 * (x - 120) / 52)
        return (226 - shade, 184 - shade, 152 - shade)
    if 98 <= x <= 142 and 180 <= y <= 225:
        return (210, 168, 138)
    if inside_ellipse(x, y, 120, 320, 118, 110):
        return (40, 48, 66)
    return (214 - y // 12, 228 - y // 14, 240 - y // 20)


def main():
    rows = [[colour(x, y) for x in range(W)] for y in range(H)]
    raw = b"".join(b"\0" + bytes(c for p in row for c in p) for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(sys.argv[1], "wb") as f:
        f.write(png)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "wb") as f:
            f.write(b"P6 %d %d 255\n" % (W, H) + bytes(c for row in rows for p in row for c in p))


if __name__ == "__main__":
    main()
