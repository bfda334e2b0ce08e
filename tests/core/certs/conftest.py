"""A test PKI generated once per session, relative to tests.factories.NOW."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core import pki
from core.certs import cache
from tests.factories import NOW


@dataclass(frozen=True)
class Pki:
    ec_root: pki.Issued
    ec_intermediate: pki.Issued
    rsa_root: pki.Issued
    ec_client: pki.Issued  # issued by ec_intermediate
    rsa_client: pki.Issued  # issued by rsa_root, RSA 2048


@pytest.fixture(scope="session")
def tpki() -> Pki:
    ec_root = pki.make_ca("Test EC Root", NOW)
    ec_intermediate = pki.make_intermediate(ec_root, "Test EC Intermediate", NOW)
    rsa_root = pki.make_ca("Test RSA Root", NOW, key_type="rsa")
    return Pki(
        ec_root=ec_root,
        ec_intermediate=ec_intermediate,
        rsa_root=rsa_root,
        ec_client=pki.make_client(ec_intermediate, "ec-client", NOW, sans=("client.example.com",)),
        rsa_client=pki.make_client(rsa_root, "rsa-client", NOW, key_type="rsa"),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()
