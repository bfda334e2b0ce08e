"""HostnameGenerators rendered for the MES they select (MES505, MES640-MES645).

Kuma's hostname generator (`<branch>:pkg/core/resources/apis/hostnamegenerator/hostname/generator.go`,
MES selector in `…/meshexternalservice/hostname/generator.go`), per mesh:

* generators in order: those labelled `kuma.io/origin: zone` first, then older first, then by name; MES in
  creation order, then by name; for each generator, each MES its `selector.meshExternalService.matchLabels`
  selects (labels as stored) is rendered with `.Name` (Kubernetes `metadata.name`), `.DisplayName`
  (`kuma.io/display-name`, else the name), `.Namespace` (`k8s.kuma.io/namespace`), `.Mesh`, `.Zone`
  (`kuma.io/zone`, else the local zone) and `label "<key>"`;
* an execution error is a `TemplateError` condition (`pre evaluation of template with parameters failed …`);
* 2.14+ also refuse a result that is no RFC 1123 subdomain (`generated hostname "…" is not a valid DNS name`);
  2.9-2.13 hand it out as it is, with condition `Generated` (UPGRADE.md 2.14.x: "HostnameGenerator templates
  that produce invalid DNS names now fail explicitly"), so their status does not tell;
* the first MES to claim a hostname in the mesh keeps it; a later one gets `Collision` and no hostname.

Unless the input holds every HostnameGenerator (a live source listed them, or the export has the zone's own
default `local-mesh-external-service`), the two defaults every zone has are assumed next to the input's:
`local-mesh-external-service` (origin zone, selects `kuma.io/origin: zone`) and `synced-mesh-external-service`
(from Global, selects `kuma.io/origin: global`), both `{{ .DisplayName }}.extsvc.mesh.local` (a CP started
with `skipHostnameGenerators` has none).
A generator whose fields have the wrong types is left out (Kuma would not decode it).

Validation of a generator (`…/hostnamegenerator/api/v1alpha1/validate.go`): exactly one selector; a template
that is not empty and parses (2.14+: renders with stub values to a DNS name); `extension.type` (2.11+).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.builder.labels import DISPLAY_NAME, NAMESPACE, ORIGIN, ZONE, is_present_in_zone, labels_of
from core.catalogue import finding
from core.context import Context
from core.model import Finding, Flavour, Kind, Resource
from core.neighbours.gotemplate import (
    TemplateError,
    TemplateExecError,
    TemplateParseError,
    TemplateUnsupported,
    parse,
    render,
)
from core.neighbours.refs import creation_time, string_map, text
from core.validation.names import dns1123_subdomain_errors
from core.versions import KumaVersion

DEFAULT_TEMPLATE = "{{ .DisplayName }}.extsvc.mesh.local"
_FAR = datetime.max
_STUB = {"Name": "name", "DisplayName": "displayname", "Namespace": "namespace", "Mesh": "mesh", "Zone": "zone"}


@dataclass(frozen=True, slots=True)
class Generator:
    name: str  # core name, as `status.hostnameGenerators[].hostnameGeneratorRef.coreName` shows it
    template: str
    selector: dict[str, str] | None  # `selector.meshExternalService.matchLabels`; None: selects no MES
    origin: str
    created: datetime | None
    resource: Resource | None = None  # None for an assumed default


@dataclass(slots=True)
class Outcome:
    """What one generator does for one MES."""

    generator: Generator
    mes: Resource
    hostname: str = ""
    error: str = ""  # the TemplateError message
    code: str = ""  # MES643 (execution), MES641 (2.14+ invalid DNS), MES642 (<2.14 invalid DNS)
    collides_with: Resource | None = None


@dataclass(slots=True)
class Rendering:
    """Every outcome of an analysis, by MES key, and whether the generators came from the input."""

    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    from_input: bool = False
    unsupported: dict[str, str] = field(default_factory=dict)  # generator -> why it was not evaluated


def generators(ctx: Context) -> tuple[list[Generator], bool]:
    """The generators to evaluate, and whether they are all there is (a live source listed them)."""
    listed = [r for r in ctx.index.of_kind.get(Kind.HOSTNAME_GENERATOR, []) if _decodable(r)]
    out: list[Generator] = []
    for resource in listed:
        spec = resource.spec
        selector = spec.get("selector") or {}
        mes_selector = selector.get("meshExternalService")
        labels = string_map(mes_selector.get("matchLabels")) if isinstance(mes_selector, Mapping) else None
        origin = resource.labels.get(ORIGIN, "") if isinstance(resource.labels, Mapping) else ""
        out.append(Generator(resource.core_name, text(spec.get("template")), labels, origin,
                             creation_time(resource), resource))
    # a live listing is all there is; so is an export that holds the zone's own default generator
    known = ctx.known(Kind.HOSTNAME_GENERATOR) or any(
        g.name.split(".", 1)[0] == "local-mesh-external-service" for g in out)
    if not known:
        suffix = f".{ctx.options.system_namespace}" if any(
            s.flavour is Flavour.KUBERNETES for s in ctx.index.services) else ""
        names = {g.name.split(".", 1)[0] for g in out}
        for name, origin in (("local-mesh-external-service", "zone"), ("synced-mesh-external-service", "global")):
            if name not in names:
                out.append(Generator(f"{name}{suffix}", DEFAULT_TEMPLATE, {ORIGIN: origin}, origin, None))
    return out, known


def _decodable(resource: Resource) -> bool:
    """The fields the generator reads have the types Kuma decodes (else Kuma would refuse the object)."""
    spec = resource.spec if isinstance(resource.spec, Mapping) else None
    if spec is None or not isinstance(spec.get("template", ""), str):
        return False
    selector = spec.get("selector", {})
    if not isinstance(selector, Mapping):
        return False
    return all(value is None or (isinstance(value, Mapping) and isinstance(value.get("matchLabels", {}), Mapping))
               for value in selector.values())


def _order(gens: list[Generator]) -> list[Generator]:
    return sorted(gens, key=lambda g: (g.origin != "zone", g.created or _FAR, g.name))


def _data(ctx: Context, mes: Resource, labels: Mapping[str, str]) -> dict[str, str]:
    return {"Name": str(mes.name), "DisplayName": labels.get(DISPLAY_NAME) or str(mes.name),
            "Namespace": labels.get(NAMESPACE, ""), "Mesh": mes.mesh, "Zone": labels.get(ZONE) or ctx.options.zone_name}


def rendering(ctx: Context) -> Rendering:
    return ctx.cached("hostname-rendering", None, lambda: _render_all(ctx))


def _render_all(ctx: Context) -> Rendering:
    gens, from_input = generators(ctx)
    result = Rendering(from_input=from_input)
    services = [m for m in ctx.index.services if ctx.admission_valid(m.key)
                and is_present_in_zone(labels_of(ctx, m), ctx.options.zone_name)]
    services.sort(key=lambda m: (creation_time(m) or _FAR, m.core_name))
    claimed: dict[tuple[str, str], Resource] = {}
    for gen in _order(gens):
        if gen.selector is None or not gen.template:
            continue
        try:
            parse(gen.template)
        except TemplateUnsupported as exc:
            result.unsupported[gen.name] = str(exc)
            continue
        except TemplateParseError:
            continue  # rejected on write (MES640)
        for mes in services:
            labels = labels_of(ctx, mes)
            if any(labels.get(k) != v for k, v in gen.selector.items()):
                continue
            outcome = Outcome(gen, mes)
            result.outcomes.setdefault(mes.key, []).append(outcome)
            try:
                hostname = render(gen.template, _data(ctx, mes, labels), _label(labels))
            except TemplateError as exc:
                outcome.code = "MES643"
                outcome.error = f'pre evaluation of template with parameters failed with error="{exc}"'
                continue
            problems = dns1123_subdomain_errors(hostname)
            if problems:
                if ctx.version.at_least("2.14"):
                    outcome.code = "MES641"
                    outcome.error = f"generated hostname {hostname!r} is not a valid DNS name: {', '.join(problems)}"
                    continue
                outcome.code = "MES642"
                outcome.error = ", ".join(problems)
            winner = claimed.setdefault((mes.mesh, hostname), mes)
            if winner is not mes:
                outcome.collides_with = winner
                continue
            outcome.hostname = hostname
    return result


def _label(labels: Mapping[str, str]):
    def label(key: str) -> str:
        if key not in labels:
            raise TemplateExecError(f"label {key} not found")
        return labels[key]

    return label


def _status_reports(mes: Resource, generator: str, reason: str) -> bool:
    """The exported status already carries this generator's condition (MES507 then says it)."""
    status = mes.status if isinstance(mes.status, Mapping) else {}
    entries = status.get("hostnameGenerators")
    for entry in entries if isinstance(entries, list) else ():
        ref = entry.get("hostnameGeneratorRef") if isinstance(entry, Mapping) else None
        if not isinstance(ref, Mapping) or ref.get("coreName") != generator:
            continue
        conditions = entry.get("conditions")
        for condition in conditions if isinstance(conditions, list) else ():
            if isinstance(condition, Mapping) and condition.get("reason") == reason:
                return True
    return False


def check_template_outcomes(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES641 / MES642 / MES643: what a generator's template renders to for this MES."""
    for outcome in rendering(ctx).outcomes.get(mes.key, []):
        gen = outcome.generator
        if not outcome.code or (outcome.code != "MES642" and _status_reports(mes, gen.name, "TemplateError")):
            continue
        related = (gen.resource.ref,) if gen.resource is not None else ()
        if outcome.code == "MES642":
            rendered = _render_quiet(ctx, gen, mes)
            yield finding(
                "MES642",
                f"HostnameGenerator {gen.name} gives {mes.core_name} the hostname `{rendered}`, which is not a valid "
                f"DNS name ({outcome.error}). Kuma {ctx.version} hands it out anyway and reports `Generated`: the "
                "status does not show the problem, but no client can resolve that name.",
                mes.ref, related=related, hint=_template_hint(gen),
            )
            continue
        effect = "the MES gets no hostname from this generator" + (
            "" if len(rendering(ctx).outcomes.get(mes.key, [])) > 1 else " (no other generator selects it)")
        yield finding(
            outcome.code,
            f"HostnameGenerator {gen.name} fails for {mes.core_name}: Kuma {ctx.version} sets the condition "
            f"`Generated: False`, reason `TemplateError`: {outcome.error}; {effect}.",
            mes.ref, related=related, hint=_template_hint(gen),
        )


def _render_quiet(ctx: Context, gen: Generator, mes: Resource) -> str:
    labels = labels_of(ctx, mes)
    try:
        return render(gen.template, _data(ctx, mes, labels), _label(labels))
    except TemplateError:
        return ""


def _template_hint(gen: Generator) -> str:
    if gen.resource is None:
        return "The default generator renders the display name: give the MES a display name that is a DNS label."
    return ("Fix `spec.template` so it renders a lower-case RFC 1123 name for every MES it selects (a missing label "
            "fails `label`), or narrow `spec.selector.meshExternalService`.")


def check_hostname_collision(ctx: Context) -> Iterator[Finding]:
    """MES505: several MES of a mesh render the same hostname; only the first to claim it gets it.

    With creation times in the input (Kubernetes `metadata.creationTimestamp`, Universal `creationTime`) the
    winner is known, as Kuma orders MES by them: only the later ones are flagged. Without, all are, alike.
    """
    groups: dict[tuple[str, str, str], list[Outcome]] = {}
    for outcomes in rendering(ctx).outcomes.values():
        for outcome in outcomes:
            if outcome.hostname or outcome.collides_with is not None:
                host = outcome.hostname or _render_quiet(ctx, outcome.generator, outcome.mes)
                groups.setdefault((outcome.generator.name, outcome.mes.mesh, host), []).append(outcome)
    found: list[Finding] = []
    for (generator, mesh, host), members in groups.items():
        if not any(o.collides_with is not None for o in members):
            continue
        winner = next(o.mes for o in members if o.collides_with is None)
        everyone = [o.mes for o in members]
        timed = all(creation_time(m) for m in everyone)
        for outcome in members:
            mes = outcome.mes
            if _status_reports(mes, generator, "Collision"):
                continue
            if timed:
                if mes is winner:
                    continue
                message = (f"{mes.core_name} renders the hostname {host} (HostnameGenerator {generator}), which "
                           f"{winner.core_name} claimed first (created {creation_time(winner):%Y-%m-%d %H:%M:%S}, "
                           f"before {mes.core_name}): Kuma keeps it for {winner.core_name} and reports `Collision` "
                           f"on {mes.core_name}, which gets no hostname from that generator.")
                related: tuple = (winner.ref,)
            else:
                names = ", ".join(m.core_name for m in everyone)
                message = (f"{len(everyone)} MES of mesh {mesh} render the hostname {host} (HostnameGenerator "
                           f"{generator}): {names}. Kuma gives it to the first created and reports `Collision` on the "
                           "others, which get no hostname; the input has no creation times to tell which.")
                related = tuple(m.ref for m in everyone if m is not mes)
            found.append(finding(
                "MES505", message, mes.ref, related=related,
                hint="Give each MES of a mesh a unique display name (Kubernetes: metadata.name, or before 3.0 the "
                     "`kuma.io/display-name` annotation). A Global-created and a Zone-created MES with the same name "
                     "collide too.",
            ))
    yield from sorted(found, key=lambda f: (f.resource.key if f.resource else "", f.message))


def check_no_generator(ctx: Context, mes: Resource) -> Iterator[Finding]:
    """MES645: the input holds every HostnameGenerator (a live listing, or an export with the zone's default
    `local-mesh-external-service`), and none selects this MES."""
    result = rendering(ctx)
    if not result.from_input or result.outcomes.get(mes.key) or result.unsupported:
        return
    if not ctx.admission_valid(mes.key) or not is_present_in_zone(labels_of(ctx, mes), ctx.options.zone_name):
        return
    labels = labels_of(ctx, mes)
    shown = ", ".join(f"{k}: {labels[k]}" for k in (ORIGIN, ZONE, DISPLAY_NAME) if k in labels)
    yield finding(
        "MES645",
        f"No HostnameGenerator of the input selects {mes.core_name} ({shown}): it gets no hostname, so "
        "applications can only reach it by its VIP.",
        mes.ref,
        hint="Keep the default generators (`local-mesh-external-service` selects `kuma.io/origin: zone`, "
             "`synced-mesh-external-service` `kuma.io/origin: global`) or add one whose "
             "`selector.meshExternalService.matchLabels` the MES carries.",
    )


def generator_violations(resource: Resource, version: KumaVersion) -> list[tuple[str, str]]:
    """Kuma's validator for one HostnameGenerator: (path, message)."""
    spec = resource.spec if isinstance(resource.spec, Mapping) else {}
    out: list[tuple[str, str]] = []
    selector = spec.get("selector") if isinstance(spec.get("selector"), Mapping) else {}
    kinds = ("meshService", "meshExternalService", "meshMultiZoneService")
    count = sum(1 for k in kinds if selector.get(k) is not None)
    if count != 1:
        out.append(("spec.selector", "exact one selector (meshService, meshExternalService) must be defined"))
    template = text(spec.get("template"))
    if not template:
        out.append(("spec.template", "must not be empty"))
    else:
        try:
            parse(template)
            if version.at_least("2.14"):
                rendered = render(template, _STUB, lambda _key: "label")
                problems = dns1123_subdomain_errors(rendered)
                if problems:
                    out.append(("spec.template", f"template renders to {rendered!r} which is not a valid DNS name: "
                                                 + ", ".join(problems)))
        except TemplateParseError as exc:
            out.append(("spec.template", f"couldn't parse template: {exc}"))
        except TemplateExecError as exc:
            if version.at_least("2.14"):
                out.append(("spec.template", f"couldn't render template with stub values: {exc}"))
        except TemplateUnsupported:
            pass
    extension = spec.get("extension")
    if version.at_least("2.11") and isinstance(extension, Mapping) and not text(extension.get("type")):
        out.append(("spec.extension.type", "must not be empty"))
    return out


def check_generator_valid(ctx: Context) -> Iterator[Finding]:
    """MES640: Kuma rejects the HostnameGenerator."""
    for resource in sorted(ctx.index.of_kind.get(Kind.HOSTNAME_GENERATOR, []), key=lambda r: r.key):
        if not _decodable(resource):
            continue
        for path, message in generator_violations(resource, ctx.version):
            yield finding(
                "MES640",
                f"HostnameGenerator {resource.core_name} is rejected by Kuma {ctx.version}: `{path}: {message}`.",
                resource.ref, path=path, origin=resource.origin.at_line(resource.line_of(path)),
                hint="Go templates know `.Name`, `.DisplayName`, `.Namespace`, `.Mesh`, `.Zone` and `label \"<key>\"`; "
                     "set exactly one of `selector.meshService`, `meshExternalService`, `meshMultiZoneService`.",
            )
