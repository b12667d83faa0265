"""The OpenAPI 3.1 document of the REST port, built from the served versions' SignatureDefs.

`build_document` assembles TF Serving's `/v1` paths of every served model (schemas from
each version's signatures, see `v1_paths`) and the Open Inference Protocol's `/v2` paths
(`v2_paths`). `OpenApiDocument` serves it from a model manager and builds it again only
when the set of served (model, version) pairs changes.

Example:
    curl http://127.0.0.1:8501/openapi.json
"""

import json
import threading

from serving.openapi.common_schemas import COMMON_SCHEMAS
from serving.openapi.v1_paths import model_paths
from serving.openapi.v2_paths import v2_paths

OPENAPI_VERSION = "3.1.0"
TITLE = "Local TF Serving stand-in: REST API"


def build_document(models):
    """The OpenAPI document for these served versions.

    Args:
        models: dict model name -> dict version -> Servable; models serving no version
            are left out of the `/v1` paths.

    Returns:
        A JSON-ready dict.
    """
    paths, schemas = {}, dict(COMMON_SCHEMAS)
    for name, servables in sorted(models.items()):
        if servables:
            model_path_items, model_schemas = model_paths(name, servables)
            paths.update(model_path_items)
            schemas.update(model_schemas)
    served = [name for name, servables in models.items() if servables]
    v2_path_items, v2_schemas = v2_paths(served)
    paths.update(v2_path_items)
    schemas.update(v2_schemas)
    versions = ", ".join(
        f"{name} {sorted(servables)}" for name, servables in sorted(models.items()) if servables
    )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": TITLE,
            "version": "1",
            "description": f"Generated from the served SignatureDefs: {versions or 'none'}.",
        },
        "tags": [{"name": "TF Serving"}, {"name": "Open Inference Protocol (v2)"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


class OpenApiDocument:
    """The document of what a ModelManager serves now, rebuilt when its versions change.

    Args:
        manager: the ModelManager (its `available_versions()`).
    """

    def __init__(self, manager):
        self._manager = manager
        self._lock = threading.Lock()
        self._key = self._text = None

    def text(self):
        """The document as JSON text.

        Returns:
            str, the same object while the served versions stay the same.
        """
        models = self._manager.available_versions()
        key = tuple(sorted((name, tuple(sorted(versions))) for name, versions in models.items()))
        with self._lock:
            if key != self._key:
                self._text = json.dumps(build_document(models), indent=1)
                self._key = key
            return self._text
