"""The watch service: employers watch recruiters and hear of every change (SPEC §15)."""
