"""The ledger workbook (台账): the office's own way in.

`layout` says which sheet and column holds what, derived from the policy's labels and the
fact models (never drawn by hand); `template` writes an empty ledger, `write` a filled one,
`read` reads one back into a fact set, `merge` joins the units' own submissions.
"""
