#!/usr/bin/env python3
"""Rebuild certpress's stand-in faces in fonts/ from Debian's Noto CJK collections.

    apt-get install fonts-noto-cjk fonts-noto-cjk-extra python3-fonttools
    /usr/bin/python3 scripts/build-fonts.py

Each face is the Simplified Chinese (SC) member of a Noto CJK collection, subset with
fontTools:
- the content face (宋体 stand-in) keeps every character the SC face maps (rare name and
  address characters such as 䶮 must print), with only the layout features certpress uses;
- the label and title faces (黑体, 大标宋 stand-ins) keep GB 2312, ASCII and CJK punctuation,
  which covers every static label of the shipped specs;
- a second content face keeps the same GB 2312 set, desubroutinised: the content face is
  subset anew for every licence, and the full face's subroutines made that the largest cost
  of a PDF. It comes first in the 宋体 chain, the full face after it for rarer characters.
"""
import io
import sys
from fontTools.ttLib import TTCollection
from fontTools import subset

NOTO = "/usr/share/fonts/opentype/noto"
OUT = "fonts"


def sc_face(collection):
    for font in TTCollection(f"{NOTO}/{collection}").fonts:
        name = font["name"]
        if (name.getDebugName(16) or name.getDebugName(1)).endswith(" SC"):
            return font
    sys.exit(f"no SC face in {collection}")


def gb2312_and_punctuation():
    chars = set(range(0x20, 0x7F))
    for cp in range(0x80, 0x10000):
        try:
            chr(cp).encode("gb2312")
            chars.add(cp)
        except UnicodeEncodeError:
            pass
    chars.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    chars.update(range(0xFF01, 0xFF5F))  # full-width forms
    chars.update([0x2014, 0x2026, 0x2018, 0x2019, 0x201C, 0x201D, 0x00B7, 0x2027])
    return chars


def build(collection, out_name, unicodes, desubroutinize=False):
    font = sc_face(collection)
    options = subset.Options()
    options.desubroutinize = desubroutinize
    options.layout_features = ["vert", "vrt2"]  # vertical forms, for vertical text
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes if unicodes is not None else font.getBestCmap().keys())
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    with open(f"{OUT}/{out_name}", "wb") as fh:
        fh.write(buf.getvalue())
    print(f"{out_name}: {len(font.getBestCmap())} characters, {len(buf.getvalue())} bytes")


if __name__ == "__main__":
    gb = gb2312_and_punctuation()
    build("NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular.otf", None)
    # The content face's common characters, without subroutines: subsetting it for every
    # licence need not gather and inline the full face's thousands of subroutines.
    build("NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular-GB2312.otf", gb, desubroutinize=True)
    build("NotoSansCJK-Medium.ttc", "NotoSansCJKsc-Medium-GB2312.otf", gb)
    build("NotoSerifCJK-Black.ttc", "NotoSerifCJKsc-Black-GB2312.otf", gb)
