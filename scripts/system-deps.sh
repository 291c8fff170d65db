#!/usr/bin/env bash
# Installs the Debian packages Loa Phường needs, when they are missing.
#   ffmpeg, espeak-ng   audio decoding/encoding/measurement and offline TTS (required)
#   icecast2            streaming server used by the playout tests (and by IP loudspeaker setups)
#   chromium            real-browser tests (Playwright drives Debian's Chromium)
#   poppler-utils       pdftoppm, to check generated PDF reports in tests
#   fonts-dejavu-core   a font with Vietnamese glyphs for PDF reports and charts
#   wrk                 the web load benchmark in `make bench`
#   mosquitto           MQTT broker between the server and station agents (the network tests start their own)
#   hunspell-vi         the Vietnamese syllable list behind the text check before airing
set -euo pipefail

declare -A probe=(
  [ffmpeg]=/usr/bin/ffmpeg
  [espeak-ng]=/usr/bin/espeak-ng
  [icecast2]=/usr/bin/icecast2
  [chromium]=/usr/bin/chromium
  [poppler-utils]=/usr/bin/pdftoppm
  [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
  [wrk]=/usr/bin/wrk
  [mosquitto]=/usr/sbin/mosquitto
  [hunspell-vi]=/usr/share/hunspell/vi_VN.dic
)
missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  # ffmpeg and espeak-ng are needed to run at all; the others only by some tests.
  for required in ffmpeg espeak-ng; do
    [[ " ${missing[*]} " == *" $required "* ]] && exit 1
  done
  exit 0
fi
