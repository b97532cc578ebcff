"""Ingest: the only code that knows raw column names (O*NET text files, org CSV/XLSX)."""
