-- Fidelity rules of type dosage: one row per completed current course per rule. Passed when the
-- course's sessions lie within the rule's [min, max]; dated by the end date.
{{ range_rule_checks('dosage', 'session_count') }}
