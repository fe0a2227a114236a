"""The evaluator: scores a year's facts under the assessment method, clause by clause."""

__version__ = "0.1.0"
