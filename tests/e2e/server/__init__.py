"""End-to-end tests of the reference national API server over loopback HTTP."""
