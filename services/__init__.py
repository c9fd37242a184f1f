"""The four services: licensing, certification, monitoring and verification."""
