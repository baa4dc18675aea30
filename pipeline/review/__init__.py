"""Review of extracted values: the audit queue, verdicts, precision report and gold export (plain functions)."""
