"""Web views of cases; submodules per area (triage, cases, transfers, tasks)."""
