"""The public site (SPEC §14): workers, employers and officials, in their own language."""
