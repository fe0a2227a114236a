"""The reports of `evaluator run`: each module renders an Evaluation (JSON, Markdown, HTML,
CSV, Excel); `evaluator.views.formats` says which format is which module."""
