"""Fixed-window request counters shared by every process and host of a service."""
