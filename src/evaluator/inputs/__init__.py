"""Inputs: reading a year's facts from the files the office keeps.

YAML and JSON (yamlio), the unit ledgers in Excel/WPS (ledger/: the template, the reader, the
merge of units' submissions) and conversion between them (convert). Every reader hands the
domain plain records with the place each came from, so an error can name its file and line,
or its sheet, row and column."""
