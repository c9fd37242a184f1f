"""The read-model store port for projections, and its adapters."""
