"""A Kubernetes API stand-in for the program's preview-time reads (`models[].inferenceService`)."""

from __future__ import annotations

import copy

from resolve.inference_service import isvc_path


class FakeCluster:
    """Answers the program's GETs from a dict of objects (path -> object) and records them."""

    def __init__(self, *objects: dict) -> None:
        self.objects = {}
        self.reads: list[str] = []
        for obj in objects:
            self.add(obj)

    def add(self, obj: dict) -> None:
        meta = obj["metadata"]
        path = (isvc_path(type("Ref", (), {"namespace": meta["namespace"], "name": meta["name"]}))
                if obj["kind"] == "InferenceService" else f"/api/v1/namespaces/{meta['namespace']}/secrets/{meta['name']}")
        self.objects[path] = copy.deepcopy(obj)

    def get(self, path: str):
        self.reads.append(path)
        return copy.deepcopy(self.objects.get(path))
