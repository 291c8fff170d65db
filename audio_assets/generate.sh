#!/usr/bin/env bash
# Regenerates the stock audio from nothing but ffmpeg's synthesis filters, so
# every file here is our own work with no third-party rights. Run from any
# folder: bash audio_assets/generate.sh
set -euo pipefail
cd "$(dirname "$0")"
rate=44100

# note NAME FREQ SECONDS -> a soft sine note with a bell-like decay and a fifth above
note() {
  ffmpeg -loglevel error -y -f lavfi -i "aevalsrc='0.55*sin(2*PI*$2*t)*exp(-2.2*t)+0.18*sin(2*PI*$2*1.5*t)*exp(-3*t)+0.08*sin(2*PI*$2*2*t)*exp(-4*t)':s=$rate:d=$3" \
    -af "afade=t=in:d=0.01,afade=t=out:st=$(awk "BEGIN{printf \"%.3f\", $3-0.08}"):d=0.08" "$1"
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Signature tune (nhạc hiệu): a pentatonic phrase, about 9 seconds.
i=0; : > "$tmp/list.txt"
for spec in 392:0.45 440:0.45 523.25:0.45 587.33:0.9 523.25:0.45 440:0.45 392:0.9 \
            329.63:0.45 392:0.45 440:0.45 523.25:0.9 440:0.45 392:1.6; do
  f=${spec%%:*}; d=${spec##*:}; i=$((i+1))
  note "$tmp/n$i.wav" "$f" "$d"; echo "file '$tmp/n$i.wav'" >> "$tmp/list.txt"
done
ffmpeg -loglevel error -y -f concat -safe 0 -i "$tmp/list.txt" -af "aecho=0.6:0.4:60:0.25,loudnorm=I=-16:TP=-1.5:LRA=11" -ar $rate -ac 1 -b:a 128k nhac-hieu.mp3

# Chime (chuông báo) before announcements: three descending bell tones.
note "$tmp/c1.wav" 1046.5 0.5; note "$tmp/c2.wav" 880 0.5; note "$tmp/c3.wav" 698.46 1.2
printf "file '%s'\n" "$tmp/c1.wav" "$tmp/c2.wav" "$tmp/c3.wav" > "$tmp/chime.txt"
ffmpeg -loglevel error -y -f concat -safe 0 -i "$tmp/chime.txt" -af "loudnorm=I=-16:TP=-1.5:LRA=11" -ar $rate -ac 1 -b:a 128k chuong-bao.mp3

# Filler bed (nhạc nền): a quiet slowly beating chord, 60 seconds, to pad a session.
ffmpeg -loglevel error -y -f lavfi -i "aevalsrc='0.2*sin(2*PI*261.63*t)*(0.6+0.4*sin(2*PI*0.25*t))+0.15*sin(2*PI*329.63*t)*(0.6+0.4*sin(2*PI*0.2*t))+0.12*sin(2*PI*392*t)':s=$rate:d=60" \
  -af "afade=t=in:d=2,afade=t=out:st=57:d=3,loudnorm=I=-20:TP=-2:LRA=11" -ar $rate -ac 1 -b:a 96k nhac-nen.mp3

for f in nhac-hieu.mp3 chuong-bao.mp3 nhac-nen.mp3; do
  printf '%s %ss\n' "$f" "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")"
done
