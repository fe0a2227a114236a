"""Pytest plugin: records the outcome of every Gherkin scenario (filled in by the site work)."""
