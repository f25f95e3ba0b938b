"""`qinglang init [--demo]` and the core demo data: complete, and the same on every run."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglang.core import demo, initstate
from qinglang.core.management.commands import qinglang_init
from qinglang.core.models import InitRecord, Organization, Region, User
from qinglang.core.twofactor import totp_secret, verify_second_factor

pytestmark = pytest.mark.django_db(transaction=True)


def run_init(*args: str) -> str:
    out = io.StringIO()
    call_command("qinglang_init", *args, "--no-static", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "orgs": sorted(
            Organization.objects.values_list(
                "name", "kind", "level", "agency_type", "region__code", "parent__name"
            )
        ),
        "users": sorted(User.objects.values_list("username", "organization__name", "role")),
        "secrets": sorted(TOTPDevice.objects.values_list("user__username", "key")),
    }


@override_settings(QINGLANG_DEMO_PASSWORD="demo-password-for-tests")
def test_init_demo_twice_is_idempotent():
    first = run_init("--demo")
    state = snapshot()
    second = run_init("--demo", "--force")  # every step again, not the skip
    assert snapshot() == state

    def logins(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("demo-")]

    assert len(logins(first)) == 13 and logins(first) == logins(second)
    assert Region.objects.filter(code__in=["110000", "440000", "440300"]).count() == 3
    assert "demo-password-for-tests" in first


def test_core_demo_has_every_role_and_interface_user(db, tmp_path, settings):
    settings.QINGLANG_HOME = tmp_path
    settings.QINGLANG_DEMO_PASSWORD = ""
    call_command("qinglang_init", "--no-static", stdout=io.StringIO())
    out = io.StringIO()
    demo.load(out)
    expected = {
        "demo-national": ("国家网信办", "regulator_office", "national", None),
        "demo-beijing": ("北京市网信办", "regulator_office", "provincial", "110000"),
        "demo-beijing-lead": ("北京市网信办", "regulator_office", "provincial", "110000"),
        "demo-guangdong": ("广东省网信办", "regulator_office", "provincial", "440000"),
        "demo-shenzhen": ("深圳市网信办", "regulator_office", "municipal", "440300"),
        "demo-police": ("北京市公安局", "partner_agency", "", "110000"),
        "demo-telecom": ("北京市通信管理局", "partner_agency", "", "110000"),
        "demo-press": ("北京市新闻出版局", "partner_agency", "", "110000"),
        "demo-website": ("示例资讯网", "website_operator", "", "110000"),
        "demo-enterprise": ("示例食品有限公司", "enterprise", "", "440300"),
        "demo-inspector": ("驻国家网信办纪检监察组", "discipline_inspection", "", None),
    }
    for username, (name, kind, level, region) in expected.items():
        user = User.objects.select_related("organization__region").get(username=username)
        org = user.organization
        assert (org.name, org.kind, org.level) == (name, kind, level)
        assert (org.region.code if org.region else None) == region
    assert User.objects.get(username="demo-police").organization.agency_type == "public_security"
    assert User.objects.get(username="demo-shenzhen").organization.parent.name == "广东省网信办"
    for username in ("demo-national", "demo-beijing", "demo-guangdong"):
        assert User.objects.get(username=username).role == "triage_officer"
    assert User.objects.get(username="demo-beijing-lead").role == "office_head"

    # A password generated once, kept in QINGLANG_HOME, printed, and valid for every user.
    password = (tmp_path / "demo_password").read_text().strip()
    assert len(password) >= 12
    text = out.getvalue()
    assert password in text
    assert all(User.objects.get(username=u).check_password(password) for u in expected)
    for user in User.objects.filter(username__in=expected):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert totp_secret(device) in text
        assert StaticToken.objects.filter(device__user=user).count() == demo.BACKUP_CODES_KEPT


def test_rerun_keeps_secrets_and_replaces_used_backup_codes(db, tmp_path, settings):
    settings.QINGLANG_HOME = tmp_path
    settings.QINGLANG_DEMO_PASSWORD = ""
    call_command("qinglang_init", "--no-static", stdout=io.StringIO())
    demo.load(io.StringIO())
    user = User.objects.get(username="demo-beijing")
    secret = totp_secret(TOTPDevice.objects.get(user=user))
    used = StaticToken.objects.filter(device__user=user).first().token
    assert verify_second_factor(user, used) is not None
    assert StaticToken.objects.filter(device__user=user).count() == demo.BACKUP_CODES_KEPT - 1

    out = io.StringIO()
    demo.load(out)
    assert totp_secret(TOTPDevice.objects.get(user=user)) == secret
    tokens = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(tokens) == demo.BACKUP_CODES_KEPT and used not in tokens
    password = (tmp_path / "demo_password").read_text().strip()
    assert password in out.getvalue()
    user.refresh_from_db()
    assert user.check_password(password)


def test_demo_password_from_settings_is_applied(db, tmp_path, settings):
    settings.QINGLANG_HOME = tmp_path
    settings.QINGLANG_DEMO_PASSWORD = "first-password-1"
    call_command("qinglang_init", "--no-static", stdout=io.StringIO())
    demo.load(io.StringIO())
    settings.QINGLANG_DEMO_PASSWORD = "second-password-2"
    demo.load(io.StringIO())
    assert User.objects.get(username="demo-website").check_password("second-password-2")
    assert not (tmp_path / "demo_password").exists()


class Spy:
    """Record what a second init does: the commands it calls and the demo modules it loads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.commands: list[str] = []
        self.demo_loads = 0
        real_command, real_load = qinglang_init.call_command, demo.load

        def command(name: str, *args: object, **kwargs: object) -> None:
            self.commands.append(name)
            real_command(name, *args, **kwargs)

        def load(stdout: io.StringIO) -> None:
            self.demo_loads += 1
            real_load(stdout)

        monkeypatch.setattr(qinglang_init, "call_command", command)
        monkeypatch.setattr(demo, "load", load)

    @property
    def ran(self) -> bool:
        return "migrate" in self.commands and self.demo_loads == 1


@override_settings(QINGLANG_DEMO_PASSWORD="demo-password-for-tests")
def test_second_init_with_nothing_changed_neither_migrates_nor_loads_demo(monkeypatch):
    first = run_init("--demo")
    record = InitRecord.objects.get()
    spy = Spy(monkeypatch)
    User.objects.filter(username="demo-press").delete()  # a full run would create it again

    second = run_init("--demo")

    assert spy.commands == [] and spy.demo_loads == 0
    assert not User.objects.filter(username="demo-press").exists()
    assert "up to date" in second

    # Every demo login is printed again (cheaply: no password is hashed), as before.
    def logins(text: str) -> set[tuple[str, ...]]:
        return {
            tuple(line.split()[:1] + line.split()[-4:])
            for line in text.splitlines()
            if line.startswith("demo-")
        }

    assert logins(second) == {row for row in logins(first) if row[0] != "demo-press"}
    assert len(logins(second)) == 12
    assert InitRecord.objects.get() == record


@override_settings(QINGLANG_DEMO_PASSWORD="demo-password-for-tests")
@pytest.mark.parametrize(
    "change",
    ["init version", "demo password", "demo added", "reference data", "record emptied", "force"],
)
def test_a_change_runs_init_again(monkeypatch, settings, change):
    run_init()
    args = ["--demo"]
    if change != "demo added":
        run_init("--demo")
    before = InitRecord.objects.get().fingerprint
    spy = Spy(monkeypatch)
    if change == "init version":
        monkeypatch.setattr(initstate, "INIT_VERSION", "next")
    elif change == "demo password":
        settings.QINGLANG_DEMO_PASSWORD = "another-password-1"
    elif change == "reference data":
        changed = initstate.reference_data() + b"\n"  # a new list of divisions
        monkeypatch.setattr(initstate, "reference_data", lambda: changed)
    elif change == "record emptied":
        InitRecord.objects.all().delete()  # as in a database emptied or replaced
    else:
        args.append("--force")

    out = run_init(*args)

    assert spy.ran, out
    assert "regions:" in out and "up to date" not in out
    after = InitRecord.objects.get().fingerprint
    assert (after == before) == (change in {"record emptied", "force"})
    if change == "demo password":
        assert User.objects.get(username="demo-beijing").check_password("another-password-1")


def test_a_pending_migration_runs_init_again(monkeypatch):
    run_init()
    call_command("migrate", "core", "0010", verbosity=0)  # the database is one migration behind
    assert initstate.pending_migrations()
    spy = Spy(monkeypatch)

    run_init()

    assert "migrate" in spy.commands
    assert not initstate.pending_migrations()
    assert InitRecord.objects.filter(name=initstate.RECORD_NAME).exists()


@override_settings(QINGLANG_DEMO_PASSWORD="demo-password-for-tests")
def test_an_init_that_fails_half_way_is_not_recorded_and_runs_again(monkeypatch):
    run_init()
    InitRecord.objects.all().delete()

    def broken(stdout: io.StringIO) -> None:
        raise RuntimeError("demo data broke")

    monkeypatch.setattr(demo, "load", broken)
    with pytest.raises(RuntimeError, match="demo data broke"):
        run_init("--demo")
    assert not InitRecord.objects.exists()
    monkeypatch.undo()
    spy = Spy(monkeypatch)
    run_init("--demo")
    assert spy.ran and InitRecord.objects.exists()
