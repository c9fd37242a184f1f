"""Events as they cross the bus: CloudEvents 1.0, structured JSON mode."""
