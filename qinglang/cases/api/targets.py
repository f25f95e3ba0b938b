"""API pieces for linking case targets to registry entities on decide and close."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from qinglang.cases.selectors.targets import ENTITY_TYPES, EntityRef, target_entity_ref
from qinglang.cases.services.targets import TargetLink


class EntityRefIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(ENTITY_TYPES))
    id = serializers.IntegerField(min_value=1)


class TargetLinkIn(serializers.Serializer):
    """{"id": case target id, "entity": {"type": "website", "id": N}}."""

    id = serializers.IntegerField(min_value=1)
    entity = EntityRefIn()


def target_links(items: list[dict[str, Any]]) -> list[TargetLink]:
    """Turn validated TargetLinkIn items into service inputs."""
    return [
        TargetLink(item["id"], EntityRef(item["entity"]["type"], item["entity"]["id"]))
        for item in items
    ]


class EntityRefOut(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()


def entity_of(target: Any) -> dict[str, Any] | None:
    """Return {"type", "id"} of the registry entity a target is linked to, or None."""
    ref = target_entity_ref(target)
    return {"type": ref.type, "id": ref.id} if ref else None
