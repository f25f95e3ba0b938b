import pytest

from qinglang.core.models import Region, RegionLevel
from qinglang.core.services import load_regions


@pytest.mark.django_db
def test_load_regions_is_idempotent_and_complete():
    first = load_regions()
    second = load_regions()
    assert first == second == Region.objects.count()
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE)
    assert provinces.count() == 34  # 31 mainland + Hong Kong, Macao, Taiwan
    assert Region.objects.get(code="440300").name == "深圳市"
    assert Region.objects.get(code="440300").parent.code == "440000"
    assert Region.objects.get(code="110000").abbreviation == "京"
    assert Region.objects.get(code="440000").abbreviation == "粤"
    assert Region.objects.filter(level=RegionLevel.PREFECTURE).count() > 300
