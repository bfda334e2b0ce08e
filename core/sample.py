"""The bundled samples: what the dashboard opens on and what `mesdoctor check --sample [NAME]` reads.

* `incident` (the default, `core.sample_incident`): one zone's `kubectl get ... -o yaml` export during a 2.9
  cascade: a dozen MES, mostly healthy, a new MES with a typo'd Secret name taking the others down, a second,
  latent culprit behind it, and a few failures of their own.
* `gallery` (`core.sample_gallery`): every failure mode MES Doctor knows, one example each, in four meshes
  and a Universal zone.

Each lives in `sample_data/<name>/`: committed manifests, some of them generated. Certificates (and the
incident's timestamps) age, so the committed generated files are only right on the day they were written;
`sample_sources(now, name)` returns the sample with its generated files made afresh relative to `now` (same
names, same story), which is what the dashboard and `mesdoctor check --sample` load.

Regenerate the committed files with `python -m core.sample --write sample_data [--now ISO-8601]`.
The keys are generated for the demo only and used nowhere else.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core import sample_gallery, sample_incident
from core.sample_names import DEFAULT_SAMPLE, SAMPLES
from core.sources import MANIFEST_SUFFIXES, Source


def _sample_dir() -> Path:
    """`sample_data/` beside the source tree; an installed package (`pip install .`, the container image) finds it
    in the working directory (the image's /app) instead."""
    beside = Path(__file__).resolve().parent.parent / "sample_data"
    if beside.is_dir():
        return beside
    here = Path.cwd() / "sample_data"
    return here if here.is_dir() else beside


SAMPLE_DIR = _sample_dir()
__all__ = ["DEFAULT_SAMPLE", "SAMPLES", "SAMPLE_INFO", "SampleInfo", "generated_files", "sample_info",
           "sample_sources"]


@dataclass(frozen=True)
class SampleInfo:
    """What a sample is, for choosers and banners. `zone` is the zone it is an export of and `kuma_version`
    the control-plane version its story is told on (None: any)."""

    name: str
    title: str
    description: str
    zone: str
    kuma_version: str | None
    directory: str
    generate: Callable[[datetime], dict[str, bytes]]


SAMPLE_INFO: dict[str, SampleInfo] = {
    "incident": SampleInfo(
        "incident", "Incident: a 2.9 cascade in zone eu-west-1",
        "A realistic export of one zone (eu-west-1, Kuma 2.9.3): twelve MeshExternalServices, mostly healthy. "
        "A new MES with a typo in its client certificate's Secret name makes kuma-cp 2.9 drop every MES sorted "
        "after it, and a second one, whose CA Secret sits in the wrong namespace, is next in line. Also an "
        "expired CA, a client key that does not match its renewed certificate and a client certificate "
        "expiring soon.",
        sample_incident.ZONE, "2.9", sample_incident.DIRECTORY, sample_incident.generated_files),
    "gallery": SampleInfo(
        "gallery", "Gallery: every failure mode",
        "Four meshes and a Universal zone with one example of every secret-reference failure, certificate "
        "and key fault and certificate state MES Doctor knows (on a 2.x target; mesh `next` in the Kuma 3.0 "
        "shape), plus the motivating case of kumahq/kuma#12821 in mesh `demo`.",
        "default", None, sample_gallery.DIRECTORY, sample_gallery.generated_files),
}


def sample_info(name: str = DEFAULT_SAMPLE) -> SampleInfo:
    """The sample called `name` (ValueError naming the samples when there is none)."""
    try:
        return SAMPLE_INFO[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown sample {name!r}: choose one of {', '.join(SAMPLES)}") from None


def generated_files(now: datetime, name: str = DEFAULT_SAMPLE) -> dict[str, bytes]:
    """The generated files of sample `name` by name (relative to its directory)."""
    return sample_info(name).generate(_aware(now))


def sample_sources(now: datetime, name: str = DEFAULT_SAMPLE, directory: Path | None = None) -> list[Source]:
    """Sample `name`: its committed manifests, with the generated files made afresh relative to `now`.

    `directory` is the sample's directory (default `sample_data/<name>`); files are named
    `sample_data/<name>/<file>` whatever it is.
    """
    info = sample_info(name)
    folder = directory if directory is not None else SAMPLE_DIR / info.directory
    generated = info.generate(_aware(now))
    names = {p.relative_to(folder).as_posix() for p in _manifests(folder)} | set(generated)
    sources: list[Source] = []
    for file in sorted(names):
        data = generated.get(file)
        if data is None:
            data = (folder / file).read_bytes()
        sources.append(Source(label="sample", name=f"sample_data/{info.directory}/{file}", data=data))
    return sources


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _manifests(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return [p for p in directory.rglob("*") if p.is_file() and p.name.lower().endswith(MANIFEST_SUFFIXES)
            and not any(part.startswith(".") for part in p.relative_to(directory).parts)]


def write(directory: Path, now: datetime, echo: Callable[[str], None] = print) -> None:
    """Write the generated files of every sample under `directory/<sample directory>/`."""
    for name in SAMPLES:
        info = sample_info(name)
        folder = directory / info.directory
        folder.mkdir(parents=True, exist_ok=True)
        for file, data in info.generate(_aware(now)).items():
            (folder / file).write_bytes(data)
            echo(f"wrote {folder / file}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", metavar="DIR", required=True,
                        help="directory to write the generated files to (one folder per sample)")
    parser.add_argument("--now", help="issue certificates relative to this ISO-8601 instant (default: now)")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    now = now.replace(microsecond=0)
    write(Path(args.write), _aware(now))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
