"""API views of cases; submodules per area (reports, cases, transfers)."""
