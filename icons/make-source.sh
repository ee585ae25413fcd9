#!/usr/bin/env bash
# Draws icons/source.png, the CertDesk icon (a shield with 证), which `npx tauri icon` turns into
# the icon set in this folder. Needs ImageMagick and Debian's fonts-noto-cjk.
set -euo pipefail
cd "$(dirname "$0")"
convert -size 1024x1024 xc:none \
  -fill '#1677ff' -draw "roundrectangle 64,64 960,960 180,180" \
  -fill white -draw "path 'M 512,190 L 780,290 L 780,520 C 780,680 660,790 512,850 C 364,790 244,680 244,520 L 244,290 Z'" \
  -fill '#1677ff' -font /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc -pointsize 360 -gravity center -annotate +0+20 '证' \
  source.png
echo "wrote icons/source.png; now: (cd ui && npx tauri icon ../icons/source.png -o ../icons)"
