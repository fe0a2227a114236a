"""Commands: the `evaluator` command line.

`cli` declares the commands and their options (typer), `usage` turns a mistyped command into a
Chinese message with a did-you-mean, `batch` runs many years or units in one call. A command
reads its inputs, calls the domain, hands the result to a view; it holds no method logic."""
