"""Scoped reads of cases; submodules: cases (case and triage reads), handling (transfers, tasks)."""
