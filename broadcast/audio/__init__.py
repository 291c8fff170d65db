"""Audio: measuring and post-processing audio files with ffmpeg."""
