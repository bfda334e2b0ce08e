"""The merge gate (issue #16): suppressions with a reason and an end, a baseline report, and what counts
for `--fail-on`. `core.gate.apply.apply_gate(report, config, baseline)` runs it over a finished report;
`core.gate.config` reads `.mesdoctor.yaml`; `core.gate.git` reads inputs at a git revision for `mesdoctor diff`."""
