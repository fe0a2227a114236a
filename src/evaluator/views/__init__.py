"""Views: every way a result is shown; none of them decides anything.

The JSON result and its atomic write (result, output), the reports in Markdown, HTML, CSV and
Excel (reports/), explanations (explain, whynot, coverage, describe), the comparisons of two
results (diffreport, comparereport), the notice in the official layout (notice) and the
policy's living documentation (livingdoc/). Each reads the domain's decision log and renders
it; `formats` is the one registry of which format is written by what."""
