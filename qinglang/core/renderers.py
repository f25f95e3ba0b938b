"""JSON answers with every moment in Asia/Shanghai, whichever way the view built its data.

Serializer fields already convert to the current time zone; views that answer with plain
dicts (the public API, open data) would otherwise print UTC with a `Z`, so the same moment
read differently on two endpoints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder


class LocalTimeJSONEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, dt.datetime) and timezone.is_aware(obj):
            obj = timezone.localtime(obj)
        return super().default(obj)


class LocalTimeJSONRenderer(JSONRenderer):
    encoder_class = LocalTimeJSONEncoder
