"""The domain: what the method says and what a year's facts earn under it.

The fact vocabulary and a year's fact set (facts, factset, vocabulary), the policy as data
(policy/), its compilation into durable-rules and the run (engine, conditions, derive,
nearmiss), the one decision log and its findings (decisions, findings), the scorecard and the
completeness warnings, and the method's process after scoring: corrections (review), the
statuses of a result (stages), and comparisons of two results (diff, compare). Nothing here
reads a file format or writes a page; `evaluate.evaluate` is the entry point."""
