"""Great Expectations suites for the published marts (run by `udbredelse.quality.run_quality`)."""
