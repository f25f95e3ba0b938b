"""Factories for core: regions, organizations and users of every role."""

from __future__ import annotations

from dataclasses import dataclass

import factory

from qinglang.core.models import (
    AgencyType,
    OfficeLevel,
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    Role,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{(n % 80) + 10:02d}0000")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = RegionLevel.PROVINCE


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"机构{n}")
    kind = OrganizationKind.REGULATOR_OFFICE
    level = OfficeLevel.PROVINCIAL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)
    role = Role.TRIAGE_OFFICER


def region(code: str, name: str, abbreviation: str = "") -> Region:
    level = RegionLevel.PROVINCE if code.endswith("0000") else RegionLevel.PREFECTURE
    parent = None if level == RegionLevel.PROVINCE else Region.objects.get(code=code[:2] + "0000")
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={"name": name, "level": level, "parent": parent, "abbreviation": abbreviation},
    )
    return obj


@dataclass
class DemoWorld:
    beijing: Region
    guangdong: Region
    shenzhen: Region
    national_office: Organization
    beijing_office: Organization
    guangdong_office: Organization
    shenzhen_office: Organization
    police: Organization
    telecom: Organization
    website_operator: Organization
    enterprise: Organization
    inspection: Organization
    national_user: User
    beijing_user: User
    guangdong_user: User
    shenzhen_user: User
    police_user: User
    telecom_user: User
    website_user: User
    enterprise_user: User
    inspector: User


def build_world() -> DemoWorld:
    """Create a small, realistic set of offices and users (one per role)."""
    bj = region("110000", "北京市", "京")
    gd = region("440000", "广东省", "粤")
    sz = region("440300", "深圳市")
    national = OrganizationFactory(name="国家网信办", level=OfficeLevel.NATIONAL, region=None)
    bj_office = OrganizationFactory(name="北京市网信办", region=bj, parent=national)
    gd_office = OrganizationFactory(name="广东省网信办", region=gd, parent=national)
    sz_office = OrganizationFactory(
        name="深圳市网信办", region=sz, level=OfficeLevel.MUNICIPAL, parent=gd_office
    )
    police = OrganizationFactory(
        name="北京市公安局",
        kind=OrganizationKind.PARTNER_AGENCY,
        level="",
        agency_type=AgencyType.PUBLIC_SECURITY,
        region=bj,
    )
    telecom = OrganizationFactory(
        name="北京市通信管理局",
        kind=OrganizationKind.PARTNER_AGENCY,
        level="",
        agency_type=AgencyType.TELECOM,
        region=bj,
    )
    website = OrganizationFactory(
        name="示例资讯网", kind=OrganizationKind.WEBSITE_OPERATOR, level="", region=bj
    )
    enterprise = OrganizationFactory(
        name="示例食品有限公司", kind=OrganizationKind.ENTERPRISE, level="", region=gd
    )
    inspection = OrganizationFactory(
        name="驻网信办纪检监察组",
        kind=OrganizationKind.DISCIPLINE_INSPECTION,
        level="",
        region=None,
    )

    def user(name: str, org: Organization, role: str) -> User:
        return UserFactory(username=name, organization=org, role=role, email=f"{name}@example.cn")

    return DemoWorld(
        beijing=bj,
        guangdong=gd,
        shenzhen=sz,
        national_office=national,
        beijing_office=bj_office,
        guangdong_office=gd_office,
        shenzhen_office=sz_office,
        police=police,
        telecom=telecom,
        website_operator=website,
        enterprise=enterprise,
        inspection=inspection,
        national_user=user("t-national", national, Role.TRIAGE_OFFICER),
        beijing_user=user("t-beijing", bj_office, Role.TRIAGE_OFFICER),
        guangdong_user=user("t-guangdong", gd_office, Role.TRIAGE_OFFICER),
        shenzhen_user=user("t-shenzhen", sz_office, Role.TRIAGE_OFFICER),
        police_user=user("t-police", police, Role.AGENCY_OFFICER),
        telecom_user=user("t-telecom", telecom, Role.AGENCY_OFFICER),
        website_user=user("t-website", website, Role.WEBSITE_OFFICER),
        enterprise_user=user("t-enterprise", enterprise, Role.ENTERPRISE_USER),
        inspector=user("t-inspector", inspection, Role.INSPECTOR),
    )
