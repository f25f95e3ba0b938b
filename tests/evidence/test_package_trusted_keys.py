"""`qinglang-verify --trust-key`: a package counts only if signed by a published key."""

from __future__ import annotations

import pytest

from qinglang.core import signing
from qinglang.evidence import packages, services
from qinglang.evidence.verify import main as verify_main
from qinglang.evidence.verify import verify_package
from tests.evidence.factories import png_bytes, upload

SOURCE = "tests-trust"
SUBJECT = ("tests.folder", "77")


@pytest.fixture
def package(world, settings, tmp_path) -> bytes:
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"
    packages.register_package_source(
        SOURCE, lambda identifier, user: packages.PackageSource(title="测试", subjects=[SUBJECT])
    )
    item = services.store_upload(upload("截图.png", png_bytes((4, 5, 6))), added_by=None)
    services.attach(item, subject=SUBJECT, acting_user=world.beijing_user)
    try:
        yield packages.build_package(SOURCE, "x", acting_user=world.beijing_user).content
    finally:
        packages.unregister_package_source(SOURCE)


def test_a_package_signed_by_the_published_key_passes(package):
    published = signing.local_public_key().hex()
    assert verify_package(package, trusted_keys={published}).ok
    assert verify_package(package, trusted_keys={published.upper()}).ok


def test_a_package_signed_by_another_key_fails_with_trust_key(package, tmp_path, capsys):
    other = "ab" * 32
    assert verify_package(package).ok  # without pinning, its own key is taken at its word
    result = verify_package(package, trusted_keys={other})
    assert result.failures == [
        "checkpoint: not signed by a trusted key (--trust-key); the package's own key is not "
        "enough",
        "manifest.sig.json: not made with a trusted key (--trust-key)",
    ]
    path = tmp_path / "pkg.zip"
    path.write_bytes(package)
    assert verify_main([str(path), "--trust-key", other]) == 1
    assert "not signed by a trusted key" in capsys.readouterr().out
    assert verify_main([str(path), "--trust-key", signing.local_public_key().hex()]) == 0
