-- Fidelity rules of type duration: one row per completed current course per rule. Passed when the
-- days from start to end lie within the rule's [min, max]; dated by the end date.
{{ range_rule_checks('duration', 'duration_days') }}
