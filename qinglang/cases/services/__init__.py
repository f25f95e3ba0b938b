"""State changes of cases: triage and lifecycle (CASES), transfers, tasks, deadlines (HANDLING)."""
