"""Synthetic workloads: N MeshExternalServices with their Secrets, for benchmarks and scale tests.

`workload(n, flavour)` writes N MES spread over several meshes, each with three Secrets of its own
(CA bundle, client certificate, client key), as Kubernetes or Universal YAML, plus the Meshes (builtin
mTLS) and one ZoneEgress they need. Most MES are healthy; a fixed share carries one fault each, so the
report has the mix an operator meets in a real zone:

| fault | share | what is written |
|---|---|---|
| `missing-secret` | 2 % | `clientCert` names a Secret that is not in the input |
| `misplaced-secret` | 2 % | the CA Secret is in namespace `apps` (Kubernetes) / another mesh (Universal) |
| `expired-cert` | 2 % | the client certificate expired 10 days ago |
| `expiring-ca` | 2 % | the CA expires in 12 days (a warning) |
| `bad-pem` | 1 % | the CA Secret holds bytes that are not PEM |
| `key-mismatch` | 1 % | the client key belongs to another certificate |
| `invalid-spec` | 2 % | a spec the validator rejects (port 0, a bad address, a client cert without key) |

About 10 % of the healthy MES use their mesh's shared CA Secret instead of their own (their own CA
Secret is still written, unused).

Certificates and keys come from a small pool made once per `now` with `core.pki` (RSA 2048 and EC
P-256) and reused, so generating 10,000 MES takes about a second and every distinct certificate
appears many times (which the certificate cache must exploit). The structure (names, faults, which
pool entry each MES uses) is a pure function of `n`, `flavour` and `seed`; key bytes are random.

**Look-alike names** (`names="lookalike"`): what a real zone's Secrets look like, and the hard case for
near-miss suggestions. Services are numbered members of a few families (`orders-api-17`, `orders-api-18`,
...), each with `<service>-ca`, `<service>-cert` and `<service>-key`, so every name has hundreds of
neighbours one or two characters away. About one reference in twenty (`MISS_PER_REFERENCE`) names a
Secret that does not exist, the way operators get them wrong: a wrong suffix (`-crt`, `-tls`,
`-certificate`, `-ca-cert`, `-tls-key`, ...), a typo (a character dropped, doubled, swapped or
replaced), swapped words (`cert-orders-api-17`, `api-orders-17-cert`) or a zero-padded number
(`orders-api-017`). The other faults are planted as in the plain workload (`missing-secret` MES get
a near-miss `clientCert`). `Planned.refs` holds the names the MES references.

Run `python -m core.synthetic --mes 5000 --flavour universal --out DIR` to write one to disk
(`--names lookalike` for the look-alike workload).
"""

from __future__ import annotations

import argparse
import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from core import pki
from core.model import Flavour
from core.sources import Source

NAMESPACE = "kuma-system"
MESHES = ("payments", "catalogue", "identity", "logistics", "analytics")
SECRET_TYPE = "system.kuma.io/secret"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

# (fault, share in thousandths); the rest are healthy. Order fixes the draw, never reorder.
FAULTS: tuple[tuple[str, int], ...] = (
    ("missing-secret", 20),
    ("misplaced-secret", 20),
    ("expired-cert", 20),
    ("expiring-ca", 20),
    ("bad-pem", 10),
    ("key-mismatch", 10),
    ("invalid-spec", 20),
)
SHARED_CA_PER_MILLE = 100
HEALTHY = "healthy"
SHARED_CA = "shared-ca"
PLAIN, LOOKALIKE = "plain", "lookalike"  # the two naming schemes
NAMES = (PLAIN, LOOKALIKE)
# look-alike names: service families (numbered members), and how often a reference misses
FAMILIES = ("orders-api", "orders-db", "payments-gateway", "payments-ledger", "catalog-search", "catalog-images",
            "identity-sso", "identity-ldap", "logistics-tracker", "analytics-events", "billing", "checkout-web")
MISS_PER_REFERENCE = 20  # one reference in twenty names a Secret that does not exist
WRONG_SUFFIXES = {"ca": ("ca-cert", "cacert", "ca-crt", "root-ca", "ca-bundle"),
                  "cert": ("crt", "tls", "certificate", "tls-cert", "cert-pem"),
                  "key": ("tls-key", "private-key", "pem", "key-pem", "keys")}


# --- the certificate pool ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """PEM material shared by all MES of a workload, base64-encoded once (as a Secret carries it)."""

    cas: tuple[str, ...]  # base64 of a CA certificate PEM, valid
    clients: tuple[tuple[str, str], ...]  # (certificate, key) base64 PEM pairs, valid
    expiring_ca: str
    expired_client: tuple[str, str]
    bad_pem: str

    @property
    def distinct(self) -> int:
        return len(self.cas) + 2 * len(self.clients) + 1 + 2 + 1


@lru_cache(maxsize=4)
def pool(now: datetime = NOW) -> Pool:
    """Four CAs (2 RSA, 2 EC), eight client pairs (RSA and EC), an expiring CA, an expired client."""
    cas = [pki.make_ca(f"synthetic-ca-{i}", now, key_type=kind)
           for i, kind in enumerate(("rsa", "ec", "ec", "rsa"))]
    clients = [pki.make_client(cas[i % len(cas)], f"synthetic-client-{i}", now, key_type="ec" if i % 3 else "rsa")
               for i in range(8)]
    expiring = pki.make_ca("synthetic-ca-expiring", now, key_type="ec", not_after=now + timedelta(days=12))
    expired = pki.make_client(cas[1], "synthetic-client-expired", now, key_type="ec",
                              not_before=now - timedelta(days=100), not_after=now - timedelta(days=10))
    return Pool(
        cas=tuple(_b64(ca.cert_pem) for ca in cas),
        clients=tuple((_b64(c.cert_pem), _b64(c.key_pem())) for c in clients),
        expiring_ca=_b64(expiring.cert_pem),
        expired_client=(_b64(expired.cert_pem), _b64(expired.key_pem())),
        bad_pem=_b64(b"-----BEGIN CERTIFICATE-----\nthis is not a certificate\n-----END CERTIFICATE-----\n"),
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the plan: which MES gets what ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """One MES of the workload and the Secrets written for it."""

    name: str
    mesh: str
    fault: str  # HEALTHY, SHARED_CA or one of FAULTS
    variant: int  # picks the pool entry and the sub-kind of a fault
    refs: tuple[str, ...] = ()  # look-alike workloads: the (ca, cert, key) Secret names the MES references


@dataclass
class Workload:
    """The files of one workload and what was planted in them (for tests and benchmarks)."""

    flavour: Flavour
    files: dict[str, bytes]
    services: list[Planned]
    distinct_materials: int
    faults: dict[str, int] = field(default_factory=dict)  # fault -> count

    def sources(self, label: str = "synthetic") -> list[Source]:
        return [Source(label=label, name=name, data=data) for name, data in self.files.items()]

    @property
    def size(self) -> int:
        return sum(len(d) for d in self.files.values())

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in self.files.items():
            path = directory / name
            path.write_bytes(data)
            paths.append(path)
        return paths


def plan(n: int, seed: int = 0, names: str = PLAIN) -> list[Planned]:
    """The MES of a workload: names, meshes and faults (and, for look-alike names, the Secret names each MES
    references), a pure function of `n`, `seed` and `names`."""
    if names not in NAMES:
        raise ValueError(f"names: {names!r} is not one of {', '.join(NAMES)}")
    rng = random.Random(seed)
    meshes = MESHES[: max(1, min(len(MESHES), n // 20 or 1))]
    out: list[Planned] = []
    for i in range(n):
        draw = rng.randrange(1000)
        fault = HEALTHY
        for name, share in FAULTS:
            if draw < share:
                fault = name
                break
            draw -= share
        else:
            if rng.randrange(1000) < SHARED_CA_PER_MILLE:
                fault = SHARED_CA
        out.append(Planned(f"svc-{i:05d}", meshes[i % len(meshes)], fault, rng.randrange(1 << 16)))
    if names == LOOKALIKE:
        out = _lookalike(out, random.Random(f"{seed}-lookalike"))
    return out


def _lookalike(planned: list[Planned], rng: random.Random) -> list[Planned]:
    """`planned` renamed into numbered service families, with about one reference in twenty a near miss."""
    members: dict[str, int] = {}
    renamed: list[str] = []
    for i in range(len(planned)):
        family = FAMILIES[i % len(FAMILIES)]
        members[family] = members.get(family, 0) + 1
        renamed.append(f"{family}-{members[family]}")
    existing = {f"{name}-{suffix}" for name in renamed for suffix in ("ca", "cert", "key")}
    existing.update(f"shared-ca-{mesh}" for mesh in MESHES)
    out: list[Planned] = []
    for p, name in zip(planned, renamed, strict=True):
        refs = []
        for suffix in ("ca", "cert", "key"):
            correct = f"shared-ca-{p.mesh}" if suffix == "ca" and p.fault == SHARED_CA else f"{name}-{suffix}"
            forced = suffix == "cert" and p.fault == "missing-secret"
            missing = rng.randrange(MISS_PER_REFERENCE) == 0
            refs.append(_near_miss(name, suffix, rng, existing) if forced or missing else correct)
        out.append(Planned(name, p.mesh, p.fault, p.variant, tuple(refs)))
    return out


def _near_miss(service: str, suffix: str, rng: random.Random, existing: set[str]) -> str:
    """A Secret name an operator might write for `<service>-<suffix>` that names no Secret of the workload."""
    correct = f"{service}-{suffix}"
    for _ in range(20):
        how = rng.randrange(4)
        if how == 0:  # a wrong suffix
            wrong = f"{service}-{rng.choice(WRONG_SUFFIXES[suffix])}"
        elif how == 1:  # a typo: a character dropped, doubled, swapped with the next, or replaced
            at = rng.randrange(len(correct) - 1)
            kind = rng.randrange(4)
            if kind == 0:
                wrong = correct[:at] + correct[at + 1:]
            elif kind == 1:
                wrong = correct[:at] + correct[at] + correct[at:]
            elif kind == 2:
                wrong = correct[:at] + correct[at + 1] + correct[at] + correct[at + 2:]
            else:
                wrong = correct[:at] + rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") + correct[at + 1:]
        elif how == 2:  # swapped words
            words = correct.split("-")
            if rng.randrange(2):
                wrong = "-".join([words[-1], *words[:-1]])
            else:
                j = rng.randrange(len(words) - 1)
                words[j], words[j + 1] = words[j + 1], words[j]
                wrong = "-".join(words)
        else:  # a zero-padded number
            family, _, number = service.rpartition("-")
            wrong = f"{family}-{int(number):0{len(number) + 1 + rng.randrange(2)}d}-{suffix}"
        if wrong != correct and wrong not in existing and wrong.strip("-") == wrong and "--" not in wrong:
            return wrong
    return f"{correct}-missing"


def workload(n: int, flavour: Flavour | str = Flavour.KUBERNETES, *, seed: int = 0, now: datetime = NOW,
             names: str = PLAIN) -> Workload:
    """N MES (and their Secrets, Meshes, a ZoneEgress) as YAML files of the given flavour; `names` is the naming
    scheme (PLAIN or LOOKALIKE)."""
    flavour = Flavour(flavour)
    services = plan(n, seed, names)
    material = pool(now)
    writer = _Kubernetes(material) if flavour is Flavour.KUBERNETES else _Universal(material)
    meshes = sorted({p.mesh for p in services})
    files: dict[str, bytes] = {"meshes.yaml": writer.infrastructure(meshes).encode()}
    for mesh in meshes:
        mine = [p for p in services if p.mesh == mesh]
        files[f"mes-{mesh}.yaml"] = "".join(writer.service(p) for p in mine).encode()
        secrets = [writer.shared_ca(mesh)] + [writer.secrets(p) for p in mine]
        files[f"secrets-{mesh}.yaml"] = "".join(secrets).encode()
    faults: dict[str, int] = {}
    for p in services:
        faults[p.fault] = faults.get(p.fault, 0) + 1
    misses = sum(1 for p in services for ref in referenced(p) if not _is_written(ref, p))
    if names == LOOKALIKE:
        faults["near-miss-reference"] = misses
    return Workload(flavour, files, services, material.distinct, faults)


def _omits_key(p: Planned) -> bool:
    """The invalid spec that has a client certificate without its key."""
    return p.fault == "invalid-spec" and p.variant % 3 == 2


def referenced(p: Planned) -> tuple[str, ...]:
    """The Secret names a look-alike MES references (the key's only when its spec has one)."""
    return p.refs[:2] if _omits_key(p) else p.refs


def _is_written(ref: str, p: Planned) -> bool:
    """Whether the Secret `ref` that `p` references is written (its own three, or its mesh's shared CA)."""
    return ref in (f"{p.name}-ca", f"{p.name}-cert", f"{p.name}-key", f"shared-ca-{p.mesh}")


# --- writing YAML ------------------------------------------------------------------------------------
# Plain templates rather than a YAML emitter: PyYAML's emitter would take longer than analysing the
# result, and the shapes are fixed. Every interpolated value is a plain scalar (names, base64, ints).


class _Writer:
    def __init__(self, material: Pool) -> None:
        self.pool = material

    def tls(self, p: Planned) -> str:
        if p.refs:
            ca, cert, key = p.refs
        else:
            ca = f"shared-ca-{p.mesh}" if p.fault == SHARED_CA else f"{p.name}-ca"
            cert = f"{p.name}-cert-missing" if p.fault == "missing-secret" else f"{p.name}-cert"
            key = f"{p.name}-key"
        key_line = "" if _omits_key(p) else (
            f"\n      clientKey:\n        secret: {key}")
        return (f"  tls:\n    enabled: true\n    verification:\n      mode: Secured\n"
                f"      serverName: {p.name}.{p.mesh}.example.com\n"
                f"      caCert:\n        secret: {ca}\n      clientCert:\n        secret: {cert}{key_line}\n")

    def spec(self, p: Planned) -> str:
        address, port = f"{p.name}.{p.mesh}.example.com", 443
        if p.fault == "invalid-spec" and p.variant % 3 == 0:
            port = 0
        elif p.fault == "invalid-spec" and p.variant % 3 == 1:
            address = "not a host name"
        return (f"spec:\n  match:\n    type: HostnameGenerator\n    port: 80\n    protocol: http\n"
                f"  endpoints:\n    - address: {address}\n      port: {port}\n" + self.tls(p))

    def payloads(self, p: Planned) -> tuple[str, str, str]:
        """(CA, client certificate, client key) base64 for the MES's own Secrets."""
        pool = self.pool
        ca = pool.cas[p.variant % len(pool.cas)]
        cert, key = pool.clients[p.variant % len(pool.clients)]
        if p.fault == "expiring-ca":
            ca = pool.expiring_ca
        elif p.fault == "bad-pem":
            ca = pool.bad_pem
        elif p.fault == "expired-cert":
            cert, key = pool.expired_client
        elif p.fault == "key-mismatch":
            key = pool.clients[(p.variant + 1) % len(pool.clients)][1]
        return ca, cert, key

    def shared_ca(self, mesh: str) -> str:
        return self.secret(f"shared-ca-{mesh}", mesh, self.pool.cas[0])

    def secrets(self, p: Planned) -> str:
        ca, cert, key = self.payloads(p)
        ca_mesh, ca_namespace = p.mesh, NAMESPACE
        if p.fault == "misplaced-secret":
            ca_mesh, ca_namespace = self.misplaced(p)
        # for `missing-secret` the MES names `<name>-cert-missing`; `<name>-cert` is still written
        return (self.secret(f"{p.name}-ca", ca_mesh, ca, ca_namespace)
                + self.secret(f"{p.name}-cert", p.mesh, cert)
                + self.secret(f"{p.name}-key", p.mesh, key))

    def misplaced(self, p: Planned) -> tuple[str, str]:
        return p.mesh, NAMESPACE

    def secret(self, name: str, mesh: str, data: str, namespace: str = NAMESPACE) -> str:
        raise NotImplementedError

    def service(self, p: Planned) -> str:
        raise NotImplementedError

    def infrastructure(self, meshes: list[str]) -> str:
        raise NotImplementedError


class _Kubernetes(_Writer):
    def misplaced(self, p: Planned) -> tuple[str, str]:
        return p.mesh, "apps"

    def secret(self, name: str, mesh: str, data: str, namespace: str = NAMESPACE) -> str:
        return (f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
                f"  labels:\n    kuma.io/mesh: {mesh}\ntype: {SECRET_TYPE}\ndata:\n  value: {data}\n")

    def service(self, p: Planned) -> str:
        return (f"---\napiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n  name: {p.name}\n"
                f"  namespace: {NAMESPACE}\n  labels:\n    kuma.io/mesh: {p.mesh}\n" + self.spec(p))

    def infrastructure(self, meshes: list[str]) -> str:
        out = [f"---\napiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: {mesh}\nspec:\n  mtls:\n"
               "    enabledBackend: ca-1\n    backends:\n      - name: ca-1\n        type: builtin\n"
               for mesh in meshes]
        out.append("---\napiVersion: kuma.io/v1alpha1\nkind: ZoneEgress\nmetadata:\n  name: zone-egress\n"
                   f"  namespace: {NAMESPACE}\nspec:\n  networking:\n    address: 10.0.0.10\n    port: 10002\n")
        return "".join(out)


class _Universal(_Writer):
    def misplaced(self, p: Planned) -> tuple[str, str]:
        return MESHES[(MESHES.index(p.mesh) + 1) % len(MESHES)], NAMESPACE

    def secret(self, name: str, mesh: str, data: str, namespace: str = NAMESPACE) -> str:
        return f"---\ntype: Secret\nname: {name}\nmesh: {mesh}\ndata: {data}\n"

    def service(self, p: Planned) -> str:
        return f"---\ntype: MeshExternalService\nname: {p.name}\nmesh: {p.mesh}\n" + self.spec(p)

    def infrastructure(self, meshes: list[str]) -> str:
        out = [f"---\ntype: Mesh\nname: {mesh}\nmtls:\n  enabledBackend: ca-1\n  backends:\n"
               "  - name: ca-1\n    type: builtin\n" for mesh in meshes]
        out.append("---\ntype: ZoneEgress\nname: zone-egress\nnetworking:\n  address: 10.0.0.10\n  port: 10002\n")
        return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--mes", type=int, default=1000, help="number of MeshExternalServices")
    parser.add_argument("--flavour", choices=[f.value for f in Flavour], default=Flavour.KUBERNETES.value)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--names", choices=NAMES, default=PLAIN,
                        help="naming scheme: plain (svc-00042-cert) or lookalike (numbered service families, about "
                        "one reference in twenty a near miss)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the YAML files into")
    args = parser.parse_args(argv)
    load = workload(args.mes, args.flavour, seed=args.seed, names=args.names)
    for path in load.write(args.out):
        print(path)
    print(f"{args.mes} MES, faults: {dict(sorted(load.faults.items()))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
