"""The pipeline: sources -> load -> index -> validate -> resolve -> certificates -> build ->
diagnose -> report. Data flows one way; every surface (CLI, dashboard, exports) reads the Report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from core import builder, certs, gc_pause, loading, secrets
from core.checks.base import Phase, Scope
from core.checks.registry import REGISTRY
from core.context import COMPLETE_KINDS, Context
from core.finding_cap import cap_findings
from core.index import Index
from core.model import Finding, Kind, LoadResult, Report, SecretsCoverage
from core.options import AnalysisOptions
from core.report.assemble import assemble
from core.sources import Source, inputs_digest
from core.version_choice import choose_version
from core.versions import NEWEST_LEGACY, V2_9, KumaVersion
from core.zone_choice import choose_zone

Progress = Callable[[str, float], None]

# What a 2.9 target is compared with (Report.isolated_map): the newest release of the same data-source
# generation. Not 2.10, the first that logs and skips a failing MES: 2.10 and 2.11 still lose the egress
# filter chains of the MES sorted after it (fixed in 2.12), so their map isolates the failure in name only.
ISOLATING_VERSION = KumaVersion.parse(NEWEST_LEGACY)


def analyse(
    sources: Sequence[Source],
    options: AnalysisOptions | None = None,
    *,
    preloaded: LoadResult | None = None,
    progress: Progress | None = None,
) -> Report:
    """Analyse input files (and/or an already loaded result, e.g. from a live source).

    `preloaded` resources come first; `sources` are applied on top of them (a what-if overlay:
    a resource defined again later replaces the earlier one).
    """
    options = options or AnalysisOptions()
    step = progress or (lambda _label, _fraction: None)
    with gc_pause.paused():
        step("Loading manifests", 0.05)
        load = LoadResult()
        if preloaded is not None:
            load.extend(preloaded)
        load.extend(loading.load(sources, options.limits, options.system_namespace))
        report = analyse_loaded(load, options, progress=step)
    report.inputs_digest = inputs_digest(sources)
    return report


def analyse_loaded(load: LoadResult, options: AnalysisOptions, *, progress: Progress | None = None) -> Report:
    """Analyse an already loaded input (the cyclic garbage collector is paused meanwhile: `core.gc_pause`)."""
    with gc_pause.paused():
        return _analyse_loaded(load, options, progress or (lambda _label, _fraction: None))


def _analyse_loaded(load: LoadResult, options: AnalysisOptions, step: Progress) -> Report:
    index = Index(load.resources)
    choice = choose_version(options.kuma_version, index, load.detected_version, source=load.version_source,
                            evidence=load.version_evidence)
    zone = choose_zone(options.zone, index, load)
    known = load.listed_kinds | (COMPLETE_KINDS if options.complete else frozenset())
    ctx = Context(
        options=replace(options, zone=zone.zone),  # every stage models the chosen or detected zone
        version=choice.version,
        now=options.resolved_now(),
        index=index,
        secrets_coverage=_secrets_coverage(load, index, known),
        secrets_note=load.secrets_note,
        known_kinds=known,
    )
    step("Validating", 0.2)
    findings: list[Finding] = list(load.findings)
    findings.extend(_run(ctx, Phase.VALIDATE))
    step("Resolving secret references", 0.4)
    materials = secrets.resolve(ctx)
    step("Reading certificates", 0.55)
    certs.inspect(ctx, materials)
    del materials  # secret bytes go no further than certificate inspection
    step("Building the egress endpoint map", 0.7)
    ctx.target_map = builder.build(ctx, ctx.version)
    ctx.legacy_map = ctx.target_map if ctx.version == V2_9 else builder.build(ctx, V2_9)
    step("Diagnosing", 0.85)
    findings.extend(_run(ctx, Phase.DIAGNOSE))
    step("Writing the report", 0.95)
    findings = cap_findings(findings, options.limits.max_findings_per_code)  # (the loader capped its own already)
    report = assemble(ctx, load, findings, choice, zone)
    if ctx.version == V2_9:
        report.isolated_map = builder.build(ctx, ISOLATING_VERSION)
    return report


def _run(ctx: Context, phase: Phase) -> list[Finding]:
    out: list[Finding] = []
    services = ctx.index.services
    # validation findings are also kept per MES (admission decisions read them); one list each
    per_service = [ctx.validation.setdefault(mes.key, []) for mes in services] if phase is Phase.VALIDATE else None
    for check in REGISTRY:
        if check.phase is not phase:
            continue
        if check.scope is Scope.GLOBAL:
            out.extend(check.func(ctx))
            continue
        func = check.func
        if per_service is None:
            for mes in services:
                out.extend(func(ctx, mes))
            continue
        for mes, own in zip(services, per_service, strict=True):
            produced = func(ctx, mes)
            if type(produced) is not tuple and type(produced) is not list:
                produced = list(produced)  # a generator (the validation checks return a tuple or a list)
            if produced:
                own.extend(produced)
                out.extend(produced)
    return out


def _secrets_coverage(load: LoadResult, index: Index, known: frozenset[Kind]) -> SecretsCoverage:
    if load.secrets is not None:
        return load.secrets
    has_secrets = bool(index.of_kind.get(Kind.SECRET) or index.of_kind.get(Kind.GLOBAL_SECRET))
    # a complete input without a single Secret: a referenced Secret is then missing, not unchecked
    return SecretsCoverage.PRESENT if has_secrets or Kind.SECRET in known else SecretsCoverage.ABSENT
