"""The public tamper-evident log of SPEC §17, built on registry_client's tlog library."""
