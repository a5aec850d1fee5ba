#!/usr/bin/env bash
# Rebuild fonts/ from Debian's Noto packages (OFL-1.1). Run by hand; CI does not need it.
# The CJK face is cut down to GB2312 (6,763 simplified characters), Big5 level 1
# (5,401 common traditional characters), CJK punctuation and full-width forms:
# about 8,900 ideographs in 5 MB instead of 16 MB.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download fonts-noto-core fonts-noto-cjk fonts-noto-mono
for deb in *.deb; do dpkg-deb -x "$deb" x; done
python3 - <<'PY'
chars = set()
for hi in range(0xB0, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for hi in range(0xA4, 0xC7):
    for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
        try:
            chars.add(bytes([hi, lo]).decode("big5"))
        except UnicodeDecodeError:
            pass
open("chars.txt", "w", encoding="utf-8").write("".join(sorted(chars)))
PY
pyftsubset x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc --font-number=2 \
  --text-file=chars.txt --layout-features='*' \
  --unicodes="U+0020-007E,U+00A0-00FF,U+2010-2027,U+3000-303F,U+FF00-FFEF" \
  --output-file="$here/fonts/NotoSansSC-Regular-subset.otf"
for f in NotoSans-Regular NotoSans-Bold NotoSans-Italic NotoSerif-Regular NotoSerif-Bold \
         NotoSerif-Italic NotoSerif-BoldItalic NotoSansMono-Regular NotoSansMono-Bold; do
  cp "x/usr/share/fonts/truetype/noto/$f.ttf" "$here/fonts/"
done
