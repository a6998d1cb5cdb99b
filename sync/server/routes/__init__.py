"""HTTP routes of the reference national API, one module per area."""
